"""What the patient reads: procedure, milestone and red-flag labels, and the notice that the service is
not watched around the clock, in the patient's language. Advice for red flags lives in recovery/red_flags.py.

Procedure and milestone labels are the choices' own (patients.choices, recovery.choices); each language's
wording is in its catalogue (locale/<language>/LC_MESSAGES/django.po).
"""

from django.conf import settings
from django.utils.translation import pgettext_lazy

from patients.choices import Procedure
from patients.languages import in_language
from recovery.choices import Milestone, Symptom
from recovery.red_flags import NOT_MONITORED

# The languages a patient's texts can be in (settings.LANGUAGES), for modules that keep their own wording.
LANGUAGES = tuple(code for code, _ in settings.LANGUAGES)

# The red flags as the patient is asked about them (longer than the nurses' labels, Symptom.choices).
SYMPTOM_LABELS = {
    Symptom.FEVER: pgettext_lazy("symptom, patient", "Temperature above 100.4 F (38.0 C), or chills"),
    Symptom.WOUND_DRAINAGE: pgettext_lazy("symptom, patient", "Incision red, hot, swollen, opening or draining"),
    Symptom.NEW_WEAKNESS: pgettext_lazy("symptom, patient", "New weakness in legs or arms, new difficulty walking, or a fall"),
    Symptom.NEW_NUMBNESS: pgettext_lazy("symptom, patient", "New numbness or tingling in legs or arms"),
    Symptom.BLADDER_BOWEL: pgettext_lazy(
        "symptom, patient", "Loss of bladder or bowel control, cannot urinate, or numbness between the legs"
    ),
    Symptom.CALF_PAIN_SWELLING: pgettext_lazy("symptom, patient", "Calf pain, or a swollen leg or foot"),
    Symptom.CHEST_PAIN_BREATHLESS: pgettext_lazy("symptom, patient", "Chest pain, or trouble breathing at rest"),
    Symptom.TROUBLE_SWALLOWING: pgettext_lazy("symptom, patient", "New trouble swallowing"),
    Symptom.UNCONTROLLED_PAIN: pgettext_lazy("symptom, patient", "Pain not relieved by the prescribed medication"),
}

MILESTONE_STATE_LABELS = {
    "reached": pgettext_lazy("milestone state", "Reached"),
    "due": pgettext_lazy("milestone state", "Expected now"),
    "late": pgettext_lazy("milestone state", "Later than expected"),
    "overdue": pgettext_lazy("milestone state", "Overdue"),
    "upcoming": pgettext_lazy("milestone state", "Upcoming"),
}


def _label(labels: dict, code: str, language: str) -> str:
    if code not in labels:
        return code
    with in_language(language):
        return str(labels[code])


def procedure_label(code: str, language: str) -> str:
    return _label(dict(Procedure.choices), code, language)


def milestone_label(code: str, language: str) -> str:
    return _label(dict(Milestone.choices), code, language)


def symptom_label(code: str, language: str) -> str:
    return _label(SYMPTOM_LABELS, code, language)


def milestone_state_label(state: str, language: str) -> str:
    return _label(MILESTONE_STATE_LABELS, state, language)


def not_monitored_notice(language: str) -> str:
    """Said on every patient-facing screen: nobody watches this around the clock; emergencies go to 911."""
    with in_language(language):
        return str(NOT_MONITORED)
