"""Recovery protocols (the expected timeline, as data), daily records, submissions, alerts and the
patients' messages that wait for a nurse."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from patients.choices import Procedure
from patients.models import Clinic, Patient
from recovery.choices import (
    ACTIVE_ALERT_STATUSES,
    AlertKind,
    AlertStatus,
    AlertUsefulness,
    Channel,
    Measure,
    MessageReason,
    Milestone,
    Severity,
)
from recovery.thresholds import DEFAULT_THRESHOLDS as _T

# The clinical ranges of a protocol's numbers: a value outside them is refused by the admin (the
# validators, with words a nurse reads) and by the database (the check constraints).
PAIN_SCALE_MAX = 10
PROGRAM_DAYS_MAX = 365
# A window of consecutive days a rule looks at (logged days in a row, days averaged, days missed).
WINDOW_DAYS_MAX = 60


def _pain_threshold(what: str) -> list:
    message = f"{what} is a score on the 0-10 pain scale: it must be from 0 to 10."
    return [MaxValueValidator(PAIN_SCALE_MAX, message=message)]


def _window(what: str) -> list:
    return [
        MinValueValidator(1, message=f"{what} must be at least 1 day."),
        MaxValueValidator(WINDOW_DAYS_MAX, message=f"{what} must be at most {WINDOW_DAYS_MAX} days."),
    ]


def _day(what: str) -> list:
    return [MaxValueValidator(PROGRAM_DAYS_MAX, message=f"{what} must be a post-operative day from 0 to {PROGRAM_DAYS_MAX}.")]


def _between(field: str, low, high) -> Q:
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


class RecoveryProtocol(models.Model):
    """The expected recovery after one procedure; clinic staff edit it in the admin. Every change is
    kept (who, when, old and new values) in its history."""

    procedure = models.CharField(max_length=32, choices=Procedure.choices, unique=True)
    name = models.CharField(max_length=200)
    # Monitoring (reminders, judgement) stops this many days after surgery.
    program_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[
            MinValueValidator(1, message="The program must last at least 1 day after surgery."),
            MaxValueValidator(PROGRAM_DAYS_MAX, message=f"The program can last at most {PROGRAM_DAYS_MAX} days after surgery."),
        ],
    )
    # The numbers of the deviation rules (clinical.md); recovery.thresholds documents each one.
    pain_rules_after_day = models.PositiveSmallIntegerField(default=_T.pain_rules_after_day, validators=_day("The day pain rules start after"), help_text="pain_high and pain_rising are judged only after this day.")
    pain_high_at = models.PositiveSmallIntegerField(default=_T.pain_high_at, validators=_pain_threshold("The high-pain threshold"), help_text="pain_high: worst pain at or above this, on pain_high_days logged days in a row.")
    pain_high_days = models.PositiveSmallIntegerField(default=_T.pain_high_days, validators=_window("Days of high pain in a row"), help_text="pain_high: logged days in a row.")
    pain_rise_points = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        default=_T.pain_rise_points,
        validators=[
            MinValueValidator(Decimal("0.1"), message="A rise in pain must be more than 0 points to mean anything."),
            MaxValueValidator(Decimal(PAIN_SCALE_MAX), message="A rise in pain cannot be more than 10 points on the 0-10 scale."),
        ],
        help_text="pain_rising: rise of the recent mean above the lowest mean so far (the MCID).",
    )
    pain_rise_days = models.PositiveSmallIntegerField(default=_T.pain_rise_days, validators=_window("Days in each mean of rising pain"), help_text="pain_rising: logged days in each mean.")
    trend_days = models.PositiveSmallIntegerField(default=_T.trend_days, validators=_window("Days averaged for a trend"), help_text="pain_not_improving, walking_below_expected: days of logged values averaged.")
    pain_trend_from_day = models.PositiveSmallIntegerField(default=_T.pain_trend_from_day, validators=_day("The day pain_not_improving starts"), help_text="pain_not_improving is judged from this day.")
    pain_trend_min_logged_days = models.PositiveSmallIntegerField(default=_T.pain_trend_min_logged_days, validators=_window("Logged pain days needed for a trend"), help_text="pain_not_improving: logged pain days needed in the window.")
    walking_from_day = models.PositiveSmallIntegerField(default=_T.walking_from_day, validators=_day("The day walking_below_expected starts"), help_text="walking_below_expected is judged from this day.")
    walking_min_logged_days = models.PositiveSmallIntegerField(default=_T.walking_min_logged_days, validators=_window("Logged walking days needed for a trend"), help_text="walking_below_expected: logged walking days needed in the window.")
    missed_days_early = models.PositiveSmallIntegerField(default=_T.missed_days_early, validators=_window("Missed days early on"), help_text="missed_checkins: full days without a check-in, early on.")
    missed_days_late = models.PositiveSmallIntegerField(default=_T.missed_days_late, validators=_window("Missed days later on"), help_text="missed_checkins: full days without a check-in, later.")
    missed_early_through_day = models.PositiveSmallIntegerField(default=_T.missed_early_through_day, validators=_day("The last day of the early count"), help_text="missed_checkins: the early count applies through this day.")
    pain_rise_persist_days = models.PositiveSmallIntegerField(default=_T.pain_rise_persist_days, validators=_window("Days a rise in pain must last"), help_text="pain_rising: logged days in a row the rise must hold before it alerts.")
    trend_persist_days = models.PositiveSmallIntegerField(default=_T.trend_persist_days, validators=_window("Days a trend must last"), help_text="pain_not_improving, walking_below_expected: days in a row the trend must hold before it alerts.")
    pain_trend_margin = models.DecimalField(
        max_digits=3,
        decimal_places=1,
        default=_T.pain_trend_margin,
        validators=[MaxValueValidator(Decimal(PAIN_SCALE_MAX), message="A margin cannot be more than 10 points on the 0-10 scale.")],
        help_text="pain_not_improving: points the week's mean must be above the bound.",
    )
    missed_high_pain_at = models.PositiveSmallIntegerField(default=_T.missed_high_pain_at, validators=_pain_threshold("The pain that makes missed check-ins high"), help_text="missed_checkins is high when the last pain reported was at least this.")
    resolve_after_days = models.PositiveSmallIntegerField(default=_T.resolve_after_days, validators=_window("Days of settled pain before resolving"), help_text="A pain alert resolves after pain is back under the bound for this many days.")
    resolve_min_logged_days = models.PositiveSmallIntegerField(default=_T.resolve_min_logged_days, validators=_window("Logged pain days needed before resolving"), help_text="Logged pain values needed in those days before a pain alert resolves.")
    missed_habit_max_days = models.PositiveSmallIntegerField(default=_T.missed_habit_max_days, validators=_window("Most missed days after a usual gap"), help_text="missed_checkins: after a usual gap of N days, N + 1 full days are needed, at most this many.")
    missed_habit_lookback_days = models.PositiveSmallIntegerField(default=_T.missed_habit_lookback_days, validators=_window("Days of reporting habit looked at"), help_text="missed_checkins: the days before the last check-in in which the patient's usual gap is found.")
    milestone_answer_days = models.PositiveSmallIntegerField(default=_T.milestone_answer_days, validators=_window("Days to answer a milestone question"), help_text="milestone_overdue: days, from the day asked, a patient who checks in has to answer the milestone question before the nurse is alerted.")
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["procedure"]
        constraints = [
            models.CheckConstraint(
                condition=_between("program_days", 1, PROGRAM_DAYS_MAX), name="protocol_program_days_in_range",
                violation_error_message=f"The program must last from 1 to {PROGRAM_DAYS_MAX} days after surgery.",
            ),
            models.CheckConstraint(
                condition=Q(pain_high_at__lte=PAIN_SCALE_MAX, missed_high_pain_at__lte=PAIN_SCALE_MAX),
                name="protocol_pain_thresholds_0_10",
                violation_error_message="Pain thresholds are scores on the 0-10 pain scale.",
            ),
            models.CheckConstraint(
                condition=Q(pain_rise_points__gt=0, pain_rise_points__lte=PAIN_SCALE_MAX),
                name="protocol_pain_rise_points_positive",
                violation_error_message="A rise in pain must be more than 0 and at most 10 points.",
            ),
            models.CheckConstraint(
                condition=Q(pain_trend_margin__gte=0, pain_trend_margin__lte=PAIN_SCALE_MAX),
                name="protocol_pain_trend_margin_0_10",
                violation_error_message="The margin of pain_not_improving is from 0 to 10 points.",
            ),
            models.CheckConstraint(
                condition=(
                    _between("pain_high_days", 1, WINDOW_DAYS_MAX)
                    & _between("pain_rise_days", 1, WINDOW_DAYS_MAX)
                    & _between("pain_rise_persist_days", 1, WINDOW_DAYS_MAX)
                    & _between("trend_persist_days", 1, WINDOW_DAYS_MAX)
                    & _between("trend_days", 1, WINDOW_DAYS_MAX)
                    & _between("pain_trend_min_logged_days", 1, WINDOW_DAYS_MAX)
                    & _between("walking_min_logged_days", 1, WINDOW_DAYS_MAX)
                    & _between("missed_days_early", 1, WINDOW_DAYS_MAX)
                    & _between("missed_days_late", 1, WINDOW_DAYS_MAX)
                    & _between("resolve_after_days", 1, WINDOW_DAYS_MAX)
                    & _between("resolve_min_logged_days", 1, WINDOW_DAYS_MAX)
                    & _between("milestone_answer_days", 1, WINDOW_DAYS_MAX)
                    & _between("missed_habit_max_days", 1, WINDOW_DAYS_MAX)
                    & _between("missed_habit_lookback_days", 1, WINDOW_DAYS_MAX)
                ),
                name="protocol_windows_positive",
                violation_error_message=f"Every window of days must be from 1 to {WINDOW_DAYS_MAX} days.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.trend_days is not None:
            for name, what in (("pain_trend_min_logged_days", "Logged pain days"), ("walking_min_logged_days", "Logged walking days")):
                value = getattr(self, name)
                if value is not None and value > self.trend_days:
                    errors[name] = f"{what} needed ({value}) cannot be more than the days averaged ({self.trend_days})."
        if (
            self.resolve_min_logged_days is not None
            and self.resolve_after_days is not None
            and self.resolve_min_logged_days > self.resolve_after_days
        ):
            errors["resolve_min_logged_days"] = (
                f"Logged pain days needed ({self.resolve_min_logged_days}) cannot be more than the days of settled pain "
                f"({self.resolve_after_days})."
            )
        if errors:
            raise ValidationError(errors)


class ProtocolMilestone(models.Model):
    """A milestone's window in post-operative days: expected from, expected by, overdue after."""

    protocol = models.ForeignKey(RecoveryProtocol, on_delete=models.CASCADE, related_name="milestones")
    milestone = models.CharField(max_length=32, choices=Milestone.choices)
    expected_from = models.PositiveSmallIntegerField(validators=_day("Expected from"))
    expected_by = models.PositiveSmallIntegerField(validators=_day("Expected by"))
    overdue_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=_day("Overdue after"), help_text="Empty: never overdue.")
    alert_when_overdue = models.BooleanField(default=False)
    hold_days_while_on_track = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(PROGRAM_DAYS_MAX, message=f"A hold can last at most {PROGRAM_DAYS_MAX} days.")],
        help_text="Days the overdue alert waits past 'overdue after' while the patient checks in and is otherwise on track.",
    )
    ask_patient_when_overdue = models.BooleanField(
        default=False,
        help_text="Ask the patient (yes or no) before alerting, while the patient checks in and is otherwise on track: "
                  "yes marks it reached; no, or no answer in time, alerts. Takes the place of the hold.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["protocol", "milestone"], name="protocol_milestone_unique"),
            models.CheckConstraint(
                condition=Q(expected_by__gte=models.F("expected_from")),
                name="milestone_window_ordered",
                violation_error_message="The window is in the wrong order: 'expected by' must be on or after 'expected from'.",
            ),
            models.CheckConstraint(
                condition=Q(overdue_after__isnull=True) | Q(overdue_after__gte=models.F("expected_by")),
                name="milestone_overdue_after_expected",
                violation_error_message="'Overdue after' must be on or after 'expected by' (or empty: never overdue).",
            ),
            models.CheckConstraint(
                condition=Q(expected_by__lte=PROGRAM_DAYS_MAX) & (Q(overdue_after__isnull=True) | Q(overdue_after__lte=PROGRAM_DAYS_MAX)),
                name="milestone_window_within_a_year",
                violation_error_message=f"A milestone's window must lie within day {PROGRAM_DAYS_MAX}.",
            ),
            models.CheckConstraint(
                condition=Q(hold_days_while_on_track__lte=PROGRAM_DAYS_MAX),
                name="milestone_hold_within_a_year",
                violation_error_message=f"A hold can last at most {PROGRAM_DAYS_MAX} days.",
            ),
        ]
        ordering = ["protocol", "expected_from", "expected_by", "id"]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.expected_from}-{self.expected_by} (overdue after {self.overdue_after})"

    def clean(self):
        # The same rules as the constraints, said on the field a nurse must change.
        if self.expected_from is not None and self.expected_by is not None and self.expected_by < self.expected_from:
            raise ValidationError(
                {"expected_by": f"Expected by (day {self.expected_by}) is before expected from (day {self.expected_from}): "
                                "the window must run forwards."}
            )
        if self.overdue_after is not None and self.expected_by is not None and self.overdue_after < self.expected_by:
            raise ValidationError(
                {"overdue_after": f"Overdue after (day {self.overdue_after}) is before expected by (day {self.expected_by}): "
                                  "a milestone cannot be overdue before it is expected."}
            )


class ProtocolBand(models.Model):
    """One step of an expected bound: from `from_day` on (until the next step), the bound is `value`."""

    protocol = models.ForeignKey(RecoveryProtocol, on_delete=models.CASCADE, related_name="bands")
    measure = models.CharField(max_length=16, choices=Measure.choices)
    from_day = models.PositiveSmallIntegerField(validators=_day("From day"))
    value = models.PositiveSmallIntegerField()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["protocol", "measure", "from_day"], name="protocol_band_unique"),
            models.CheckConstraint(
                condition=~Q(measure=Measure.PAIN_MAX) | Q(value__lte=PAIN_SCALE_MAX),
                name="protocol_band_pain_0_10",
                violation_error_message="A pain bound is a score on the 0-10 pain scale.",
            ),
            models.CheckConstraint(
                condition=~Q(measure=Measure.WALKING_MIN) | Q(value__lte=1440),
                name="protocol_band_walking_in_a_day",
                violation_error_message="A walking bound is minutes in a day: at most 1440.",
            ),
        ]
        ordering = ["protocol", "measure", "from_day"]

    def __str__(self) -> str:
        return f"{self.measure} from day {self.from_day}: {self.value}"

    def clean(self):
        if self.measure == Measure.PAIN_MAX and self.value is not None and self.value > PAIN_SCALE_MAX:
            raise ValidationError({"value": f"A pain bound is a score on the 0-10 pain scale: {self.value} is outside it."})
        if self.measure == Measure.WALKING_MIN and self.value is not None and self.value > 1440:
            raise ValidationError({"value": "A walking bound is minutes in a day: at most 1440."})


class DailyRecord(models.Model):
    """What a patient reported for one local date: every submission for that date merged."""

    # No index of its own: daily_record_unique_patient_date leads with the patient.
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="daily_records", db_index=False)
    date = models.DateField()
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    walking_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    steps = models.PositiveIntegerField(null=True, blank=True)
    opioid_use = models.BooleanField(null=True, blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    milestones = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    # The channel of the latest submission merged in.
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.APP)
    # Set by the check-in service from the moment it is given (`now`), on PostgreSQL and SQLite alike.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="daily_record_unique_patient_date"),
            models.CheckConstraint(condition=Q(pain__isnull=True) | Q(pain__lte=10), name="daily_record_pain_0_10"),
            models.CheckConstraint(
                condition=Q(walking_minutes__isnull=True) | Q(walking_minutes__lte=1440), name="daily_record_walking_0_1440"
            ),
            models.CheckConstraint(condition=Q(steps__isnull=True) | Q(steps__lte=100000), name="daily_record_steps_0_100000"),
        ]
        ordering = ["patient", "-date"]
        # A cohort export carries names and phones only for a nurse holding this (docs/api.md, Exports).
        permissions = [("export_identified", "Can export a cohort with patients' names and phones")]

    def __str__(self) -> str:
        return f"patient {self.patient_id} on {self.date}"


class CheckinSubmission(models.Model):
    """Every check-in exactly as it came, for audit and for answering a replayed client_id."""

    client_id = models.UUIDField(unique=True)
    # No index of its own: submission_patient_idx leads with the patient.
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="checkin_submissions", db_index=False)
    daily_record = models.ForeignKey(DailyRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="submissions")
    date = models.DateField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    payload = models.JSONField()
    # The first answer (status and body), returned again on a replay of the same client_id.
    response_status = models.PositiveSmallIntegerField(default=201)
    response_body = models.JSONField(default=dict)
    # The moment the check-in service was given (`now`), on every database.
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["patient", "-received_at"], name="submission_patient_idx")]
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"submission {self.client_id}"


class Alert(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    # The post-operative day, and the local date, of the evidence that raised (or last updated) it.
    recovery_day = models.SmallIntegerField()
    evidence_date = models.DateField()
    message = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledge_note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Empty when the system resolved it (see resolution_reason).
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution_note = models.TextField(blank=True)
    resolution_reason = models.CharField(max_length=200, blank=True)
    # Whether the alert was useful, as the nurse who resolved it said (empty: not said, or resolved by
    # the system). The cohort view counts these per rule.
    useful = models.CharField(max_length=16, choices=AlertUsefulness.choices, blank=True)
    # Paging is owed for an urgent alert until `paged_at` is set; the notifications layer acts on it.
    page_required = models.BooleanField(default=False)
    paged_at = models.DateTimeField(null=True, blank=True)
    # How many nurses of the roster have been paged (escalation moves down the roster).
    page_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            # At most one open or acknowledged alert per patient and kind: new evidence updates it.
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=Q(status__in=[s.value for s in ACTIVE_ALERT_STATUSES]),
                name="alert_one_active_per_patient_kind",
            ),
            models.CheckConstraint(
                condition=Q(useful="") | Q(useful__in=AlertUsefulness.values), name="alert_useful_known_label"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "severity", "-created_at"], name="alert_status_severity_idx"),
            models.Index(fields=["patient", "status"], name="alert_patient_status_idx"),
            models.Index(
                fields=["page_required", "paged_at"],
                condition=Q(page_required=True, status="open"),
                name="alert_page_owed_idx",
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.severity}) for patient {self.patient_id}"


class AlertEvent(models.Model):
    """The history of one alert: raised, updated with new evidence, acknowledged, resolved, paged."""

    class Action(models.TextChoices):
        RAISED = "raised", "Raised"
        UPDATED = "updated", "Updated with new evidence"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        PAGED = "paged", "Paged"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} alert {self.alert_id} at {self.at:%Y-%m-%d %H:%M}"


class MilestoneQuestion(models.Model):
    """The question asked before a milestone alert ("Have you been able to eat normally?"), one per
    patient and milestone. The engine records it when the milestone falls overdue while the patient is
    otherwise on track (rules.milestone_questions_owed); the next reminder, SMS answer and web
    check-in ask it; the answer (recovery.services.milestone_questions) says yes or no."""

    class State(models.TextChoices):
        ASKED = "asked", "Asked, not answered"
        YES = "yes", "Answered yes"
        NO = "no", "Answered no"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="milestone_questions", db_index=False)
    milestone = models.CharField(max_length=32, choices=Milestone.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.ASKED)
    # The patient-local date the question was first owed: the time to answer counts from it.
    asked_on = models.DateField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # The patient-local date of the answer.
    answered_on = models.DateField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Asked once per milestone: a retried sweep cannot ask twice.
            models.UniqueConstraint(fields=["patient", "milestone"], name="milestone_question_once"),
            models.CheckConstraint(
                condition=Q(state="asked", answered_on__isnull=True) | (~Q(state="asked") & Q(answered_on__isnull=False)),
                name="milestone_question_answered_with_date",
            ),
        ]
        ordering = ["patient", "asked_on", "id"]

    def __str__(self) -> str:
        return f"{self.milestone} question to patient {self.patient_id} ({self.state})"


class EvaluationState(models.Model):
    """Where judgement of one patient stands: owed since a check-in, and judged through which day."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, primary_key=True, related_name="evaluation_state")
    # Set in the transaction of a check-in, cleared when the engine has judged it: a dropped task
    # leaves the mark, and the sweep picks it up.
    needs_evaluation_since = models.DateTimeField(null=True, blank=True)
    # The last patient-local date the sweep judged.
    judged_through = models.DateField(null=True, blank=True)
    # A judging batch has claimed the mark until then (recovery_judge_marked); a batch that died
    # leaves it to the next one once this has passed.
    claimed_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # No index but the key. Every check-in sets the mark and every judgement clears it; with no
    # other index over the row, PostgreSQL updates it in place (a HOT update). The sweep's two
    # questions about marks scan this table (one small row per patient) once every 15 minutes.

    def __str__(self) -> str:
        return f"evaluation of patient {self.patient_id}"


class PatientMessage(models.Model):
    """A patient's own words that wait for a nurse until one marks them read: a free-text note of a
    check-in, an SMS the service did not fully read, or an SMS from a phone that several active
    patients of the clinic share (no single patient then: the candidates are named instead)."""

    # No index of its own: the indexes below lead with the clinic.
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patient_messages", db_index=False)
    # No index of its own: patient_message_patient_idx leads with the patient.
    patient = models.ForeignKey(
        Patient, null=True, blank=True, on_delete=models.CASCADE, related_name="patient_messages", db_index=False
    )
    # For a shared phone: the patients who hold it; one of them wrote.
    candidates = models.ManyToManyField(Patient, blank=True, related_name="candidate_messages")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    reason = models.CharField(max_length=16, choices=MessageReason.choices)
    # As the patient wrote it (NUL characters removed), at most 2000 characters.
    text = models.TextField(max_length=2000, blank=True)
    received_at = models.DateTimeField()
    # The patient-local date it describes, where it came with a check-in.
    date = models.DateField(null=True, blank=True)
    # Where it came from: the inbound SMS message's id, or the check-in's client_id; a retried
    # webhook or a replayed check-in finds its message again instead of writing a second one.
    source = models.CharField(max_length=64, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # No index: nothing looks messages up by who read them.
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reason", "source"], condition=~Q(source=""), name="patient_message_unique_source"),
            # A message has its patient, except one from a shared phone, which has none.
            models.CheckConstraint(
                condition=Q(reason=MessageReason.SHARED_PHONE, patient__isnull=True)
                | (~Q(reason=MessageReason.SHARED_PHONE) & Q(patient__isnull=False)),
                name="patient_message_patient_unless_shared_phone",
            ),
            models.CheckConstraint(condition=Q(read_by__isnull=True) | Q(read_at__isnull=False), name="patient_message_read_by_when_read"),
        ]
        indexes = [
            # The navigation's count and the messages page: unread of these clinics, newest first.
            models.Index(fields=["clinic", "-received_at"], condition=Q(read_at__isnull=True), name="patient_message_unread_idx"),
            models.Index(fields=["clinic", "-received_at"], name="patient_message_clinic_idx"),
            models.Index(fields=["patient", "-received_at"], name="patient_message_patient_idx"),
        ]
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} message {self.pk} ({'read' if self.read_at else 'unread'})"
