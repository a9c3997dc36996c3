"""Red-flag symptoms: severity per symptom and the advice shown to the patient, in English and Spanish.

From clinical.md's red-flag table. Every patient-facing advice ends with the reminder that the service
is not watched around the clock.
"""

from patients.choices import CERVICAL_PROCEDURES
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

ADVICE = {
    "en": {
        Symptom.CHEST_PAIN_BREATHLESS: "Call emergency services (911) now.",
        Symptom.BLADDER_BOWEL: "Call the clinic now; after hours go to the emergency department.",
        Symptom.NEW_WEAKNESS: "Call the clinic now.",
        Symptom.NEW_NUMBNESS: "Call the clinic now.",
        Symptom.CALF_PAIN_SWELLING: "Call the clinic now.",
        Symptom.FEVER: "Call the clinic today.",
        Symptom.WOUND_DRAINAGE: "Call the clinic today.",
        Symptom.TROUBLE_SWALLOWING: "Call the clinic today.",
        Symptom.UNCONTROLLED_PAIN: "Call the clinic today.",
    },
    "es": {
        Symptom.CHEST_PAIN_BREATHLESS: "Llame a emergencias (911) ahora.",
        Symptom.BLADDER_BOWEL: "Llame a la clínica ahora; fuera de horario vaya a urgencias.",
        Symptom.NEW_WEAKNESS: "Llame a la clínica ahora.",
        Symptom.NEW_NUMBNESS: "Llame a la clínica ahora.",
        Symptom.CALF_PAIN_SWELLING: "Llame a la clínica ahora.",
        Symptom.FEVER: "Llame a la clínica hoy.",
        Symptom.WOUND_DRAINAGE: "Llame a la clínica hoy.",
        Symptom.TROUBLE_SWALLOWING: "Llame a la clínica hoy.",
        Symptom.UNCONTROLLED_PAIN: "Llame a la clínica hoy.",
    },
}

NECK_SWALLOWING_911 = {
    "en": "After neck surgery, trouble swallowing with neck swelling or trouble breathing: call 911 now.",
    "es": "Después de una cirugía de cuello, si le cuesta tragar y tiene el cuello hinchado o le cuesta respirar: llame al 911 ahora.",
}

NOT_MONITORED = {
    "en": "This service is not watched around the clock. In an emergency call 911 or go to the emergency department.",
    "es": "Este servicio no se vigila las 24 horas. En una emergencia llame al 911 o vaya a urgencias.",
}


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
    texts = ADVICE.get(language, ADVICE["en"])
    lead = next(s for s in ADVICE_ORDER if s in present)
    parts = [texts[lead]]
    if Symptom.TROUBLE_SWALLOWING in present and procedure in CERVICAL_PROCEDURES:
        parts.append(NECK_SWALLOWING_911.get(language, NECK_SWALLOWING_911["en"]))
    parts.append(NOT_MONITORED.get(language, NOT_MONITORED["en"]))
    return " ".join(parts)


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
