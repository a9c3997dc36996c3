"""Writes of the outcome questionnaires: loading an instrument, offering the due ones by SMS, storing a
response (from the app, the web page or a nurse) with its score, and the outcome alert it may raise."""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from notifications.models import Message
from notifications.services.outbox import message_enqueue
from outcomes import rules as outcome_rules
from outcomes import texts
from outcomes.definition import Definition, DefinitionError, definition_read, items_of
from outcomes.links import questionnaire_link_issue
from outcomes.models import Instrument, QuestionnaireLink, QuestionnaireOffer, QuestionnaireResponse, ResponseStatus, TimePoint
from outcomes.schedule import offer_hours, window_dates
from outcomes.scoring import score
from outcomes.selectors import instruments_active, patient_outcome_series
from patients.audit import AuditSource, audit_record
from patients.models import AuditEvent, Patient
from recovery.models import Alert
from recovery.services.engine.write import EvaluationSummary, write
from recovery.services.evaluation import ALERT_VALUES, alert_view

logger = logging.getLogger(__name__)


# --- loading -------------------------------------------------------------------------------------


def instrument_load(*, document, user=None) -> Instrument:
    """Load an instrument file (outcomes.definition): its version becomes the active one of its code.

    Loading a version again replaces it while nothing has answered it; once answered, a change needs a
    new version (the answers keep the text they were given against). A DefinitionError names the fault.
    """
    definition = definition_read(document)
    with transaction.atomic():
        existing = Instrument.objects.select_for_update().filter(code=definition.code, version=definition.version).first()
        if existing is not None and existing.responses.exists():
            raise DefinitionError("questionnaire.version", f"version {definition.version} of '{definition.code}' already has responses: load the change as a new version")
        Instrument.objects.filter(code=definition.code, active=True).exclude(pk=getattr(existing, "pk", None)).update(active=False)
        instrument = existing or Instrument(code=definition.code, version=definition.version)
        _fill(instrument, definition, user)
        instrument.save()
        instrument.time_points.all().delete()
        TimePoint.objects.bulk_create(
            [
                TimePoint(instrument=instrument, code=p.code, label=p.label, day=p.day, start_day=p.start_day, end_day=p.end_day, baseline=p.baseline)
                for p in definition.time_points
            ]
        )
    return instrument


def _fill(instrument: Instrument, d: Definition, user) -> None:
    instrument.url, instrument.title, instrument.questionnaire = d.url, d.title, d.questionnaire
    instrument.translations, instrument.scoring_method, instrument.scoring = d.translations, d.method, d.scoring
    instrument.higher_is_better, instrument.mcid, instrument.improvement_by = d.higher_is_better, d.mcid, d.improvement_by
    instrument.procedures, instrument.active = list(d.procedures), True
    instrument.loaded_by = user if getattr(user, "is_authenticated", False) else None


# --- offering --------------------------------------------------------------------------------------


def _candidates(time_point: TimePoint, now: datetime.datetime):
    """Patients who may have this time point's window open somewhere on Earth now: surgery dates within
    a day either side (time zones), SMS consent, a good number, not yet offered, not completed."""
    utc_today = now.astimezone(datetime.UTC).date()
    earliest = utc_today - datetime.timedelta(days=time_point.end_day + 1)
    latest = utc_today - datetime.timedelta(days=time_point.start_day - 1)
    return (
        Patient.objects.filter(surgery_date__range=(earliest, latest), sms_opt_in=True, phone_invalid_at__isnull=True)
        .exclude(Exists(QuestionnaireOffer.objects.filter(patient=OuterRef("pk"), time_point=time_point)))
        .exclude(Exists(QuestionnaireResponse.objects.filter(patient=OuterRef("pk"), time_point=time_point, status=ResponseStatus.COMPLETED)))
        .select_related("clinic")
        .order_by("id")
    )


def questionnaires_offer(*, now: datetime.datetime | None = None) -> int:
    """Offer by SMS each questionnaire now due, once per patient, instrument and time point; the number offered.

    1. For each active instrument's time point, the patients whose local today falls in its window,
       in the local hours offers go (schedule.offer_hours), after a procedure the instrument is for.
    2. Per patient, in one transaction: the offer row (its unique key is the once), a link, and the
       SMS through the outbox (its dedupe key says the same once to the outbox). A second run, or the
       same task delivered twice, finds the offer and writes nothing.
    """
    now = now or timezone.now()
    offered = 0
    for instrument in instruments_active():
        for tp in instrument.time_points.all():
            for patient in _candidates(tp, now):
                local = now.astimezone(patient.tz)
                first, last = window_dates(patient.surgery_date, tp.start_day, tp.end_day)
                if not (first <= local.date() <= last) or not instrument.offered_after(patient.procedure):
                    continue
                if not offer_hours(local, quiet_start=patient.clinic.quiet_hours_start):
                    continue
                offered += _offer(patient=patient, instrument=instrument, time_point=tp, now=now)
    return offered


def _offer(*, patient: Patient, instrument: Instrument, time_point: TimePoint, now: datetime.datetime) -> int:
    try:
        with transaction.atomic():
            offer = QuestionnaireOffer.objects.create(patient=patient, time_point=time_point, offered_at=now)
            url = questionnaire_link_issue(patient=patient, time_point=time_point, now=now)
            message = message_enqueue(
                # The outbox's patient-message purpose: sent only with the patient's SMS consent.
                purpose=Message.Purpose.REPLY,
                patient=patient,
                to_phone=patient.phone,
                body=texts.offer_text(language=patient.language, clinic=patient.clinic.name, link=url),
                dedupe_key=f"questionnaire:{patient.pk}:{time_point.pk}",
                expires_at=now + datetime.timedelta(hours=10),
                now=now,
            )
            offer.message_id = message.pk
            offer.save(update_fields=["message_id"])
            audit_record(
                actor=None, patient=patient, action=AuditEvent.Action.CREATE, resource="questionnaire_offer",
                detail=f"{instrument.code} {time_point.code} offered by SMS", channel="sms",
            )
    except IntegrityError:
        return 0  # offered already, by another run
    return 1


# --- responding ----------------------------------------------------------------------------------


class ResponseClosed(Exception):
    """The response of this time point is already completed: it is not changed."""


class ResponseIncomplete(ValueError):
    def __init__(self, missing: tuple[str, ...]):
        super().__init__(", ".join(missing))
        self.missing = missing


@dataclass(frozen=True)
class ResponseOutcome:
    response: QuestionnaireResponse
    created: bool
    replay: bool = False


def questionnaire_response_save(
    *,
    patient: Patient,
    instrument: Instrument,
    time_point: TimePoint,
    answers: dict,
    finish: bool,
    channel: str,
    source: AuditSource,
    now: datetime.datetime | None = None,
    client_id: uuid.UUID | None = None,
    authored_on: datetime.date | None = None,
    entered_by=None,
) -> ResponseOutcome:
    """Add answers to the patient's response of this time point (made on first use), and score it.

    1. A replay of a client_id answers the first response, changing nothing.
    2. The time point's response is locked (or created): a completed one is closed (ResponseClosed).
    3. The answers given replace earlier ones of the same items; scoring.score checks them all.
    4. `finish`: every required item must be answered (else ResponseIncomplete naming them); the
       response is completed with its score, its links used, and the outcome alert judged. Without
       `finish` it is kept as `in-progress`, with no score.
    5. One audit row, in the same transaction.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if client_id is not None:
            first = QuestionnaireResponse.objects.filter(client_id=client_id).select_related("instrument", "time_point").first()
            if first is not None:
                if first.patient_id != patient.pk:
                    raise ResponseClosed()
                return ResponseOutcome(first, created=False, replay=True)
        response = QuestionnaireResponse.objects.select_for_update().filter(patient=patient, time_point=time_point).first()
        created = response is None
        if created:
            QuestionnaireResponse.objects.bulk_create(
                [QuestionnaireResponse(patient=patient, instrument=instrument, time_point=time_point, channel=channel,
                                       authored_on=authored_on or patient.local_today(now), language=patient.language)],
                ignore_conflicts=True,
            )
            response = QuestionnaireResponse.objects.select_for_update().get(patient=patient, time_point=time_point)
        if response.status == ResponseStatus.COMPLETED:
            raise ResponseClosed()
        merged = {**response.answers, **answers}
        result = score(items=items_of(instrument.questionnaire), method=instrument.scoring_method, answers=merged, table=instrument.scoring.get("table"))
        if finish and not result.complete:
            raise ResponseIncomplete(result.missing or tuple(i.link_id for i in items_of(instrument.questionnaire)))
        response.answers = merged
        response.raw_score = result.raw
        response.channel = channel
        response.entered_by = entered_by if getattr(entered_by, "is_authenticated", False) else None
        response.client_id = response.client_id or client_id
        response.authored_on = authored_on or patient.local_today(now)
        if finish:
            response.status, response.score, response.completed_at = ResponseStatus.COMPLETED, result.score, now
        response.save()
        audit_record(
            actor=None, patient=patient, source=source,
            action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE, resource="questionnaire_responses",
            detail=f"{instrument.code} {time_point.code}: {response.status}" + (f", score {response.score}" if response.score is not None else ""),
        )
        if finish:
            QuestionnaireLink.objects.filter(patient=patient, time_point=time_point, used_at__isnull=True).update(used_at=now)
            outcome_alert_judge(patient=patient, now=now)
    return ResponseOutcome(response, created=created)


def outcome_alert_judge(*, patient: Patient, now: datetime.datetime) -> None:
    """Judge the patient's outcome scores (outcomes.rules) and write the plan through the engine's one
    alert writer, in the caller's transaction."""
    series = [s for _, s in patient_outcome_series(patient=patient)]
    finding = outcome_rules.outcome_finding(surgery_date=patient.surgery_date, series=series)
    views = [alert_view(v) for v in Alert.objects.filter(patient=patient, kind=outcome_rules.KIND).order_by("id").values(*ALERT_VALUES)]
    plan = outcome_rules.outcome_plan(patient_id=patient.pk, finding=finding, alerts=views)
    write(plan, now=now, summary=EvaluationSummary(), ended=set())
