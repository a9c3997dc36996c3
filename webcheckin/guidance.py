"""What to expect, day by day: the protocol's plain-language guidance for the stretch of recovery a day falls in.

Read by the web check-in page after a check-in, and meant for the SMS "INFO" answer.
"""

from patients.models import Patient
from webcheckin.models import ProtocolGuidance, Stretch


def stretch_for_day(day: int) -> str:
    """Days 0-2, the rest of the first week (3-7), weeks 2-6 (8-42), beyond (43 on)."""
    if day <= 2:
        return Stretch.DAYS_0_2
    if day <= 7:
        return Stretch.FIRST_WEEK
    if day <= 42:
        return Stretch.WEEKS_2_6
    return Stretch.BEYOND


def guidance_for(patient: Patient, day: int, language: str) -> str:
    """The guidance of the patient's protocol for post-operative `day`, in `language` (`en` or `es`,
    English otherwise); empty when the clinic has none for that stretch. Writes nothing.

    Queries: 1.
    """
    row = (
        ProtocolGuidance.objects.filter(protocol__procedure=patient.procedure, stretch=stretch_for_day(max(day, 0)))
        .values_list("text_en", "text_es")
        .first()
    )
    if row is None:
        return ""
    text_en, text_es = row
    return (text_es if language == "es" else "") or text_en
