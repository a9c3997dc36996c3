"""The vocabularies of recovery: red flags, milestones, alert kinds, severities and states."""

from django.db import models


class Symptom(models.TextChoices):
    FEVER = "fever", "Fever or chills"
    WOUND_DRAINAGE = "wound_drainage", "Wound red, hot, swollen, opening or draining"
    NEW_WEAKNESS = "new_weakness", "New weakness, difficulty walking or a fall"
    NEW_NUMBNESS = "new_numbness", "New numbness or tingling"
    BLADDER_BOWEL = "bladder_bowel", "Loss of bladder or bowel control"
    CALF_PAIN_SWELLING = "calf_pain_swelling", "Calf pain or a swollen leg"
    CHEST_PAIN_BREATHLESS = "chest_pain_breathless", "Chest pain or trouble breathing"
    TROUBLE_SWALLOWING = "trouble_swallowing", "New trouble swallowing"
    UNCONTROLLED_PAIN = "uncontrolled_pain", "Pain not relieved by medication"


class Milestone(models.TextChoices):
    FIRST_WALK = "first_walk", "First walk"
    DISCHARGED = "discharged", "Discharged home"
    NORMAL_DIET = "normal_diet", "Normal diet"
    OFF_OPIOIDS = "off_opioids", "Off opioids"
    BRACE_OFF = "brace_off", "Brace off"
    PHYSICAL_THERAPY_STARTED = "physical_therapy_started", "Physical therapy started"
    DRIVING = "driving", "Driving"
    RETURNED_TO_WORK = "returned_to_work", "Back to work"
    NORMAL_ACTIVITIES = "normal_activities", "Normal activities"


class AlertKind(models.TextChoices):
    RED_FLAG = "red_flag", "Red-flag symptom"
    PAIN_HIGH = "pain_high", "Pain high"
    PAIN_RISING = "pain_rising", "Pain rising"
    PAIN_NOT_IMPROVING = "pain_not_improving", "Pain not improving"
    WALKING_BELOW_EXPECTED = "walking_below_expected", "Walking below expected"
    MISSED_CHECKINS = "missed_checkins", "Missed check-ins"
    MILESTONE_OVERDUE = "milestone_overdue", "Milestone overdue"
    OPIOID_PROLONGED = "opioid_prolonged", "Opioid use prolonged"
    # Raised by the outcome questionnaires (outcomes.rules), not by the daily rules.
    OUTCOME_OFF_TRACK = "outcome_off_track", "Outcome score off track"


class Severity(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    ROUTINE = "routine", "Routine"


# Sort key: most urgent first.
SEVERITY_RANK = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.ROUTINE: 2}


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertUsefulness(models.TextChoices):
    """The nurse's word, on resolving, on whether the alert was worth raising: how rules are tuned."""

    NEEDED_ACTION = "needed_action", "Needed action"
    NOT_NEEDED = "not_needed", "Not needed"
    DUPLICATE = "duplicate", "Duplicate"


# A nurse resolving an alert of these severities says what was done.
NOTE_REQUIRED_SEVERITIES = frozenset({Severity.URGENT, Severity.HIGH})


class Channel(models.TextChoices):
    APP = "app", "Mobile app"
    SYNC = "sync", "Mobile app (offline sync)"
    SMS = "sms", "SMS reply"
    STAFF = "staff", "Entered by staff"
    WEB = "web", "Web check-in page"


class Measure(models.TextChoices):
    PAIN_MAX = "pain_max", "Pain upper bound (0-10)"
    WALKING_MIN = "walking_min", "Walking lower bound (minutes a day)"


class MessageReason(models.TextChoices):
    """Why a patient's message waits for a nurse to read it."""

    NOTE = "note", "Note written with a check-in"
    NOT_UNDERSTOOD = "not_understood", "Text the service could not fully read"
    SHARED_PHONE = "shared_phone", "Text from a phone shared by several patients"
