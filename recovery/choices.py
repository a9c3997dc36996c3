"""The vocabularies of recovery: red flags, milestones, alert kinds, severities and states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever or chills")
    WOUND_DRAINAGE = "wound_drainage", _("Wound red, hot, swollen, opening or draining")
    NEW_WEAKNESS = "new_weakness", _("New weakness, difficulty walking or a fall")
    NEW_NUMBNESS = "new_numbness", _("New numbness or tingling")
    BLADDER_BOWEL = "bladder_bowel", _("Loss of bladder or bowel control")
    CALF_PAIN_SWELLING = "calf_pain_swelling", _("Calf pain or a swollen leg")
    CHEST_PAIN_BREATHLESS = "chest_pain_breathless", _("Chest pain or trouble breathing")
    TROUBLE_SWALLOWING = "trouble_swallowing", _("New trouble swallowing")
    UNCONTROLLED_PAIN = "uncontrolled_pain", _("Pain not relieved by medication")


class Milestone(models.TextChoices):
    FIRST_WALK = "first_walk", _("First walk")
    DISCHARGED = "discharged", _("Discharged home")
    NORMAL_DIET = "normal_diet", _("Normal diet")
    OFF_OPIOIDS = "off_opioids", _("Off opioids")
    BRACE_OFF = "brace_off", _("Brace off")
    PHYSICAL_THERAPY_STARTED = "physical_therapy_started", _("Physical therapy started")
    DRIVING = "driving", _("Driving")
    RETURNED_TO_WORK = "returned_to_work", _("Back to work")
    NORMAL_ACTIVITIES = "normal_activities", _("Normal activities")


class AlertKind(models.TextChoices):
    RED_FLAG = "red_flag", _("Red-flag symptom")
    PAIN_HIGH = "pain_high", _("Pain high")
    PAIN_RISING = "pain_rising", _("Pain rising")
    PAIN_NOT_IMPROVING = "pain_not_improving", _("Pain not improving")
    WALKING_BELOW_EXPECTED = "walking_below_expected", _("Walking below expected")
    MISSED_CHECKINS = "missed_checkins", _("Missed check-ins")
    MILESTONE_OVERDUE = "milestone_overdue", _("Milestone overdue")
    OPIOID_PROLONGED = "opioid_prolonged", _("Opioid use prolonged")
    # Raised by the outcome questionnaires (outcomes.rules), not by the daily rules.
    OUTCOME_OFF_TRACK = "outcome_off_track", _("Outcome score off track")


class Severity(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    ROUTINE = "routine", _("Routine")


# Sort key: most urgent first.
SEVERITY_RANK = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.ROUTINE: 2}


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertUsefulness(models.TextChoices):
    """The nurse's word, on resolving, on whether the alert was worth raising: how rules are tuned."""

    NEEDED_ACTION = "needed_action", _("Needed action")
    NOT_NEEDED = "not_needed", _("Not needed")
    DUPLICATE = "duplicate", _("Duplicate")


# A nurse resolving an alert of these severities says what was done.
NOTE_REQUIRED_SEVERITIES = frozenset({Severity.URGENT, Severity.HIGH})


class Channel(models.TextChoices):
    APP = "app", _("Mobile app")
    SYNC = "sync", _("Mobile app (offline sync)")
    SMS = "sms", _("SMS reply")
    STAFF = "staff", _("Entered by staff")
    WEB = "web", _("Web check-in page")


class Measure(models.TextChoices):
    PAIN_MAX = "pain_max", "Pain upper bound (0-10)"
    WALKING_MIN = "walking_min", "Walking lower bound (minutes a day)"


class MessageReason(models.TextChoices):
    """Why a patient's message waits for a nurse to read it."""

    NOTE = "note", _("Note written with a check-in")
    NOT_UNDERSTOOD = "not_understood", _("Text the service could not fully read")
    SHARED_PHONE = "shared_phone", _("Text from a phone shared by several patients")
