"""The judgement engine put together: load a chunk, run the rules, reconcile, write (the parts are in
recovery.services.engine).

Every path calls `recovery_evaluate`: the judging batches that drain the check-ins' marks (trigger
"checkin": the check-in's own evidence, as of the patient-local today; red flags were decided in the
check-in's own transaction, recovery.services.red_flag_alerts) and the sweep (`recovery_sweep`, Celery
beat and `manage.py check_recovery`: every rule, for each local day that has ended).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from patients.models import Patient
from recovery import rules
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind
from recovery.models import EvaluationState
from recovery.protocols import ProtocolPlan, protocol_plans
from recovery.services.engine import load
from recovery.services.engine.load import ALERT_VALUES, AsOf, PatientRow, alert_view
from recovery.services.engine.reconcile import Plan, finding_details, reconcile
from recovery.services.engine.write import EvaluationSummary, write

# Named here for the other services and the tests: the engine's public words.
__all__ = [
    "ALERT_VALUES", "CATCH_UP_DAYS", "CHUNK_SIZE", "STALE_MARK", "EvaluationSummary", "Trigger", "alert_view", "finding_details",
    "recovery_evaluate", "recovery_judge_marked", "recovery_sweep",
]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
# A check-in's evaluation mark older than this means its task was lost: the sweep judges it.
STALE_MARK = datetime.timedelta(minutes=5)
# After an outage the sweep judges at most this many ended days per patient, oldest first.
CATCH_UP_DAYS = 7

_ACTIVE = [s.value for s in ACTIVE_ALERT_STATUSES]


class Trigger:
    CHECKIN = "checkin"  # a check-in was saved: its own evidence (red flags, pain), at once
    SWEEP = "sweep"  # Celery beat: every rule, for each local day that has ended
    COMMAND = "command"  # manage.py check_recovery: every rule, as of the date asked


def _resolve_as_of(as_of: AsOf, row: PatientRow) -> datetime.date | None:
    if as_of is None:
        return row.local_today
    if callable(as_of):
        return as_of(row)
    return as_of


def _evaluate_chunk(
    rows: list[PatientRow], *, as_of: AsOf, now: datetime.datetime, trigger: str, plans: dict[str, ProtocolPlan]
) -> EvaluationSummary:
    summary = EvaluationSummary(chunks=1)
    plan = Plan()
    update_kinds = rules.CHECKIN_KINDS if trigger == Trigger.CHECKIN else frozenset(rules.RULES)
    judged: list[tuple[PatientRow, datetime.date, ProtocolPlan]] = []
    for row in rows:
        if trigger == Trigger.CHECKIN and row.needs_evaluation_since is not None:
            plan.marks.append((row.id, row.needs_evaluation_since))
        date = _resolve_as_of(as_of, row)
        protocol = plans.get(row.procedure)
        if date is None or protocol is None:
            if protocol is None:
                logger.error("no recovery protocol for procedure %r (patient %s): not judged", row.procedure, row.id)
            continue
        day_ended = date < row.local_today
        program_end = row.surgery_date + datetime.timedelta(days=protocol.program_days)
        if date > program_end or (date == program_end and day_ended):
            plan.ended.append(row.id)
            continue
        if day_ended and trigger != Trigger.CHECKIN:
            plan.judged_through[date].append(row.id)
        if date >= row.surgery_date:
            judged.append((row, date, protocol))

    patient_ids = [row.id for row in rows]
    alerts = load.alerts(patient_ids) if (judged or plan.ended) else {}
    records = (
        load.records([r.id for r, _, _ in judged], min(r.surgery_date for r, _, _ in judged), max(d for _, d, _ in judged))
        if judged
        else {}
    )
    # Milestone questions matter only where milestones are judged (not in a check-in's own judgement).
    questions = load.questions([r.id for r, _, _ in judged]) if judged and trigger != Trigger.CHECKIN else {}
    for row, date, protocol in judged:
        patient_alerts = alerts.get(row.id, [])
        snapshot = rules.Snapshot(
            surgery_date=row.surgery_date,
            procedure=row.procedure,
            plan=protocol,
            as_of=date,
            days=tuple(records.get(row.id, ())),
            day_ended=date < row.local_today,
            enrolled_on=row.created_at.astimezone(load.zone(row.timezone)).date(),
            discharge_date=row.discharge_date,
            alerted_red_flags=frozenset(k for a in patient_alerts if a.kind == AlertKind.RED_FLAG for k in a.keys),
            patient_id=row.id,
            questions=questions.get(row.id, {}),
        )
        kinds = rules.CHECKIN_KINDS if trigger == Trigger.CHECKIN else None
        findings = rules.judge(snapshot, kinds)
        if kinds is None and snapshot.day_ended:
            # Asked from the day after the day judged: the patient's next reminder or check-in.
            plan.questions.extend((row.id, code, date + rules.ONE_DAY) for code in rules.milestone_questions_owed(snapshot))
        reconcile(plan, patient_id=row.id, snapshot=snapshot, findings=findings, alerts=patient_alerts, update_kinds=update_kinds)
    ended_set = set(plan.ended)
    for pid in plan.ended:
        for a in alerts.get(pid, ()):
            # A red flag waits for a nurse even after the program: someone must have acted on it.
            if a.status in _ACTIVE and a.kind != AlertKind.RED_FLAG:
                plan.resolves.append((a, "Monitoring ended: the recovery program is over"))
    summary.patients = len(judged)
    write(plan, now=now, summary=summary, ended=ended_set, page_now=trigger == Trigger.CHECKIN)
    return summary


def recovery_evaluate(
    *,
    patient_ids: Iterable[int] | None = None,
    as_of: AsOf = None,
    now: datetime.datetime | None = None,
    trigger: str = Trigger.SWEEP,
    chunk_size: int = CHUNK_SIZE,
) -> EvaluationSummary:
    """Judge patients (all those still monitored, or `patient_ids`) and reconcile their alerts.

    `as_of`: a date for everyone, a function of the patient row, or None for each patient's local
    today. A date that has ended in the patient's time zone is judged whole; today is judged as far as
    it goes (absence is not counted for it yet). The end of the program (the protocol's program_days
    after surgery) ends monitoring instead: open alerts are resolved with that reason, except red
    flags, which wait for a nurse.

    Queries: the protocols (3), then per chunk of patients: the patients with their evaluation state,
    their alerts, their daily records from surgery to the date judged, their milestone questions
    (not for a check-in's own judgement), and a fixed number of writes.
    """
    now = now or timezone.now()
    plans = protocol_plans()
    summary = EvaluationSummary()
    for rows in load.chunks(patient_ids, chunk_size, now):
        summary.add(_evaluate_chunk(rows, as_of=as_of, now=now, trigger=trigger, plans=plans))
    return summary


# A judging batch's claim on its marks: long enough for a batch to judge, short enough that a batch
# whose worker died is taken over soon by the next one.
CLAIM_FOR = datetime.timedelta(seconds=120)
# One task judges batches for at most this long, then hands over to a fresh task (and other work).
JUDGE_BUDGET_SECONDS = 30.0


def _claim_marks(*, now: datetime.datetime, limit: int) -> list[int]:
    """Claim up to `limit` evaluation marks, oldest first, that no other batch holds: rows locked by
    a concurrent claim are skipped (SKIP LOCKED on PostgreSQL; SQLite writes one at a time anyway)."""
    with transaction.atomic():
        ids = list(
            EvaluationState.objects.select_for_update(skip_locked=True)
            .filter(needs_evaluation_since__isnull=False, patient__monitoring_ended_at__isnull=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("needs_evaluation_since")
            .values_list("patient_id", flat=True)[:limit]
        )
        if ids:
            EvaluationState.objects.filter(patient_id__in=ids).update(claimed_until=now + CLAIM_FOR)
    return ids


def recovery_judge_marked(
    *, now: datetime.datetime | None = None, batch_size: int = CHUNK_SIZE, budget_seconds: float = JUDGE_BUDGET_SECONDS,
    clock=time.monotonic,
) -> int:
    """Judge the check-ins' evidence in set-based batches; returns the number of patients judged.

    1. Claim a batch of marks (_claim_marks), oldest first.
    2. Judge them as a check-in is judged (trigger "checkin": pain, opioids; red flags were decided at
       commit), in the queries of one chunk. A mark set again by a check-in that came meanwhile stays.
    3. Release the claims, and go on while marks remain, for at most `budget_seconds`; then hand the
       rest to a fresh batch task.
    """
    started = clock()
    judged = 0
    while True:
        moment = now or timezone.now()
        ids = _claim_marks(now=moment, limit=batch_size)
        if not ids:
            return judged
        try:
            judged += recovery_evaluate(patient_ids=ids, now=moment, trigger=Trigger.CHECKIN, chunk_size=batch_size).patients
        finally:
            EvaluationState.objects.filter(patient_id__in=ids).update(claimed_until=None)
        if clock() - started > budget_seconds:
            from recovery.queueing import judging_publish

            judging_publish()
            return judged


def recovery_sweep(
    *,
    now: datetime.datetime | None = None,
    catch_up_days: int = CATCH_UP_DAYS,
    stale_after: datetime.timedelta = STALE_MARK,
    chunk_size: int = CHUNK_SIZE,
) -> EvaluationSummary:
    """The periodic judgement (Celery beat, every 15 minutes).

    1. Patients whose check-in evaluation was lost (a mark older than `stale_after`) are judged as a
       check-in would have been.
    2. Each monitored patient is judged once for every local day that has ended since the day judged
       last (`judged_through`), in the patient's own time zone, oldest first, at most `catch_up_days`
       of them; a patient never judged is judged for yesterday only.
    Running it again changes nothing: the days are judged already, and the alerts stand as found.
    """
    now = now or timezone.now()
    summary = EvaluationSummary()
    # Marks of patients no longer monitored are never judged: drop them.
    EvaluationState.objects.filter(needs_evaluation_since__isnull=False, patient__monitoring_ended_at__isnull=False).update(
        needs_evaluation_since=None
    )
    stale = list(
        EvaluationState.objects.filter(
            needs_evaluation_since__lt=now - stale_after, patient__monitoring_ended_at__isnull=True
        ).values_list("patient_id", flat=True)
    )
    if stale:
        summary.add(recovery_evaluate(patient_ids=stale, now=now, trigger=Trigger.CHECKIN, chunk_size=chunk_size))

    monitored = Patient.objects.filter(monitoring_ended_at__isnull=True)
    zones = list(monitored.order_by().values_list("timezone", flat=True).distinct())
    if not zones:
        return summary
    last_ended = {z: now.astimezone(load.zone(z)).date() - rules.ONE_DAY for z in zones}
    due = Q()
    for zone, date in last_ended.items():
        due |= Q(timezone=zone) & (Q(evaluation_state__judged_through__isnull=True) | Q(evaluation_state__judged_through__lt=date))
    by_date: dict[datetime.date, list[int]] = defaultdict(list)
    for pid, zone, judged_through in monitored.filter(due).values_list("id", "timezone", "evaluation_state__judged_through").iterator(
        chunk_size=20000
    ):
        end = last_ended[zone]
        first = end if judged_through is None else max(judged_through + rules.ONE_DAY, end - datetime.timedelta(days=catch_up_days - 1))
        day = first
        while day <= end:
            by_date[day].append(pid)
            day += rules.ONE_DAY
    for date in sorted(by_date):
        summary.add(recovery_evaluate(patient_ids=by_date[date], as_of=date, now=now, trigger=Trigger.SWEEP, chunk_size=chunk_size))
    return summary
