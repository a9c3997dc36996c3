"""Outcome questionnaires: the instruments a clinic loads, their schedule after surgery, the offers sent
by SMS with their links, and the patients' responses with their scores."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models import Patient


class ScoringMethod(models.TextChoices):
    SUM = "sum", "Sum of the item values"
    PERCENT = "percent", "Percent of the maximum of the answered items"
    LOOKUP = "lookup", "Sum of the item values, looked up in a table"


class Instrument(models.Model):
    """One version of a questionnaire, as the clinic loaded it (outcomes.definition reads the file).

    `questionnaire` is the FHIR R4 Questionnaire as loaded (English item text); `translations` the item
    text in other languages; `scoring` the method's parameters (a lookup table). One active version per
    code: a newer version loaded takes over the schedule, the older one keeps its responses.
    """

    code = models.SlugField(max_length=64)
    version = models.CharField(max_length=32)
    url = models.URLField(max_length=300, help_text="The Questionnaire's canonical URL.")
    title = models.CharField(max_length=200)
    questionnaire = models.JSONField()
    translations = models.JSONField(default=dict, blank=True)
    scoring_method = models.CharField(max_length=16, choices=ScoringMethod.choices)
    scoring = models.JSONField(default=dict, blank=True)
    higher_is_better = models.BooleanField(default=False)
    # The minimal clinically important difference, in the score's own units.
    mcid = models.DecimalField(max_digits=7, decimal_places=2)
    # The time point by which a patient should have improved by the MCID (empty: no such rule).
    improvement_by = models.SlugField(max_length=32, blank=True)
    # Procedures it is offered after; empty: every procedure.
    procedures = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(auto_now_add=True)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_unique_code_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(active=True), name="instrument_one_active_per_code"),
            models.CheckConstraint(condition=Q(mcid__gt=0), name="instrument_mcid_positive"),
        ]
        ordering = ["code", "-loaded_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code} v{self.version})"

    @property
    def languages(self) -> list[str]:
        return [self.questionnaire.get("language") or "en", *sorted(self.translations)]

    def offered_after(self, procedure: str) -> bool:
        return not self.procedures or procedure in self.procedures


class TimePoint(models.Model):
    """When an instrument is asked, in post-operative days: due from `start_day` to `end_day` (inclusive,
    patient-local dates). The baseline is before surgery (e.g. days -14 to 0)."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="time_points")
    code = models.SlugField(max_length=32)
    label = models.CharField(max_length=64)
    day = models.SmallIntegerField(help_text="The nominal post-operative day (e.g. 42 for six weeks).")
    start_day = models.SmallIntegerField()
    end_day = models.SmallIntegerField()
    baseline = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instrument", "code"], name="time_point_unique_code"),
            models.UniqueConstraint(fields=["instrument"], condition=Q(baseline=True), name="time_point_one_baseline"),
            models.CheckConstraint(condition=Q(start_day__lte=models.F("day")) & Q(day__lte=models.F("end_day")), name="time_point_day_in_window"),
        ]
        ordering = ["instrument", "day"]

    def __str__(self) -> str:
        return f"{self.instrument.code} {self.code} (days {self.start_day} to {self.end_day})"


class QuestionnaireOffer(models.Model):
    """A questionnaire offered to a patient by SMS for one time point: once, whatever retries happen
    (the unique key), with the link the SMS carried."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="questionnaire_offers")
    time_point = models.ForeignKey(TimePoint, on_delete=models.CASCADE, related_name="offers")
    offered_at = models.DateTimeField()
    message_id = models.BigIntegerField(null=True, blank=True, help_text="The outbox message that carried the link.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "time_point"], name="offer_once_per_time_point")]

    def __str__(self) -> str:
        return f"offer of {self.time_point} to patient {self.patient_id}"


class QuestionnaireLink(models.Model):
    """A link that opens one patient's questionnaire for one time point, with no password. As the web
    check-in's links (webcheckin.links): a random token in the URL, only its SHA-256 here."""

    token_hash = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="questionnaire_links")
    time_point = models.ForeignKey(TimePoint, on_delete=models.CASCADE, related_name="links")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Set when the response it opened was completed: the link then answers nothing more.
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"questionnaire link of patient {self.patient_id} for {self.time_point_id}"


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"


class QuestionnaireResponse(models.Model):
    """A patient's answers to one instrument at one time point: kept while incomplete (`in-progress`,
    no score), scored on the server once every required item is answered (`completed`)."""

    class Channel(models.TextChoices):
        APP = "app", "Mobile app"
        WEB = "web", "Web page from the SMS link"
        STAFF = "staff", "Entered by staff from a phone call"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="questionnaire_responses")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    time_point = models.ForeignKey(TimePoint, on_delete=models.PROTECT, related_name="responses")
    # The app's own id of the response (the QuestionnaireResponse's identifier): a replay answers as the first.
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    status = models.CharField(max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.IN_PROGRESS)
    # {linkId: the answer's code (a choice) or number (an integer item)}
    answers = models.JSONField(default=dict)
    raw_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=2, default="en")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    authored_on = models.DateField(help_text="The patient-local date it was answered.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One response per patient and time point: answering again resumes it, never a second row.
            models.UniqueConstraint(fields=["patient", "time_point"], name="response_one_per_time_point"),
            models.CheckConstraint(
                condition=(Q(status="completed") & Q(score__isnull=False) & Q(completed_at__isnull=False))
                | (Q(status="in-progress") & Q(score__isnull=True) & Q(completed_at__isnull=True)),
                name="response_scored_when_completed",
            ),
        ]
        ordering = ["patient", "authored_on", "id"]

    def __str__(self) -> str:
        return f"{self.instrument.code} at {self.time_point.code} of patient {self.patient_id} ({self.status})"
