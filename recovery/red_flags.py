"""Red-flag symptoms: severity per symptom and the advice shown to the patient, in the patient's language.

From clinical.md's red-flag table. Every patient-facing advice ends with the reminder that the service
is not watched around the clock.
"""

from django.utils.translation import pgettext_lazy

from patients.choices import CERVICAL_PROCEDURES
from patients.languages import in_language
from recovery.choices import Severity, Symptom

SEVERITY = {
    Symptom.CHEST_PAIN_BREATHLESS: Severity.URGENT,
    Symptom.BLADDER_BOWEL: Severity.URGENT,
    Symptom.NEW_WEAKNESS: Severity.URGENT,
    Symptom.NEW_NUMBNESS: Severity.URGENT,
    Symptom.CALF_PAIN_SWELLING: Severity.URGENT,
    Symptom.FEVER: Severity.URGENT,
    Symptom.WOUND_DRAINAGE: Severity.URGENT,
    Symptom.TROUBLE_SWALLOWING: Severity.HIGH,
    Symptom.UNCONTROLLED_PAIN: Severity.HIGH,
}

# Most pressing advice first: when several symptoms come together, the first one found leads.
ADVICE_ORDER = [
    Symptom.CHEST_PAIN_BREATHLESS,
    Symptom.BLADDER_BOWEL,
    Symptom.NEW_WEAKNESS,
    Symptom.NEW_NUMBNESS,
    Symptom.CALF_PAIN_SWELLING,
    Symptom.FEVER,
    Symptom.WOUND_DRAINAGE,
    Symptom.TROUBLE_SWALLOWING,
    Symptom.UNCONTROLLED_PAIN,
]

# The advice for each red flag, in English; each language's wording is in its catalogue (context
# "advice"): when the English changes, makemessages marks the translation fuzzy, and the suite fails
# until a translator confirms it (docs/translations.md).
ADVICE = {
    Symptom.CHEST_PAIN_BREATHLESS: pgettext_lazy("advice", "Call emergency services (911) now."),
    Symptom.BLADDER_BOWEL: pgettext_lazy("advice", "Call the clinic now; after hours go to the emergency department."),
    Symptom.NEW_WEAKNESS: pgettext_lazy("advice", "Call the clinic now."),
    Symptom.NEW_NUMBNESS: pgettext_lazy("advice", "Call the clinic now."),
    Symptom.CALF_PAIN_SWELLING: pgettext_lazy("advice", "Call the clinic now."),
    Symptom.FEVER: pgettext_lazy("advice", "Call the clinic today."),
    Symptom.WOUND_DRAINAGE: pgettext_lazy("advice", "Call the clinic today."),
    Symptom.TROUBLE_SWALLOWING: pgettext_lazy("advice", "Call the clinic today."),
    Symptom.UNCONTROLLED_PAIN: pgettext_lazy("advice", "Call the clinic today."),
}

NECK_SWALLOWING_911 = pgettext_lazy(
    "advice", "After neck surgery, trouble swallowing with neck swelling or trouble breathing: call 911 now."
)

NOT_MONITORED = pgettext_lazy(
    "advice", "This service is not watched around the clock. In an emergency call 911 or go to the emergency department."
)


def symptom_severity(symptom: str, *, procedure: str, symptoms: frozenset[str] | set[str] = frozenset()) -> str:
    """Severity of one red flag; trouble swallowing after neck surgery with breathlessness is urgent."""
    if (
        symptom == Symptom.TROUBLE_SWALLOWING
        and procedure in CERVICAL_PROCEDURES
        and Symptom.CHEST_PAIN_BREATHLESS in symptoms
    ):
        return Severity.URGENT
    return SEVERITY[Symptom(symptom)]


def red_flag_advice(symptoms, *, language: str, procedure: str) -> str | None:
    """What the patient should do now, in the patient's language, or None without a red flag."""
    present = set(symptoms or ())
    if not present:
        return None
    lead = next(s for s in ADVICE_ORDER if s in present)
    parts = [ADVICE[lead]]
    if Symptom.TROUBLE_SWALLOWING in present and procedure in CERVICAL_PROCEDURES:
        parts.append(NECK_SWALLOWING_911)
    parts.append(NOT_MONITORED)
    with in_language(language):
        return " ".join(str(part) for part in parts)


# The symptoms whose advice may send the patient to 911 or the emergency department.
EMERGENCY_SYMPTOMS = frozenset({Symptom.CHEST_PAIN_BREATHLESS, Symptom.BLADDER_BOWEL, Symptom.TROUBLE_SWALLOWING})


def emergency_advised(symptoms, *, procedure: str) -> bool:
    """Whether the advice for these symptoms sends the patient to 911 or the emergency department
    (chest pain or breathlessness; loss of bladder or bowel control; trouble swallowing after neck
    surgery): such advice is followed up a few hours later."""
    present = set(symptoms or ())
    return (
        Symptom.CHEST_PAIN_BREATHLESS in present
        or Symptom.BLADDER_BOWEL in present
        or (Symptom.TROUBLE_SWALLOWING in present and procedure in CERVICAL_PROCEDURES)
    )
