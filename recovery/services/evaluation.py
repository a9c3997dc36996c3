"""The judgement engine: snapshots loaded in bulk, the rules run, findings reconciled with alerts.

Both paths call `recovery_evaluate`: the task queued when a check-in commits (trigger "checkin": the
check-in's own evidence, as of the patient-local today) and the sweep (`recovery_sweep`, Celery beat
and `manage.py check_recovery`: every rule, for each local day that has ended). Alerts are written in
one place, `_reconcile`, and only here.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from patients.models import Patient
from recovery import rules
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind, AlertStatus, Severity
from recovery.models import Alert, AlertEvent, DailyRecord, EvaluationState
from recovery.protocols import ProtocolPlan, protocol_plans
from recovery.signals import alert_page_owed

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


@dataclass
class EvaluationSummary:
    patients: int = 0
    chunks: int = 0
    opened: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    resolved: Counter = field(default_factory=Counter)
    monitoring_ended: int = 0

    def add(self, other: EvaluationSummary) -> None:
        self.patients += other.patients
        self.chunks += other.chunks
        self.opened.update(other.opened)
        self.updated.update(other.updated)
        self.resolved.update(other.resolved)
        self.monitoring_ended += other.monitoring_ended

    def describe(self) -> str:
        def kinds(counter: Counter) -> str:
            total = sum(counter.values())
            if not total:
                return "0"
            return f"{total} (" + ", ".join(f"{k} {n}" for k, n in sorted(counter.items())) + ")"

        return (
            f"judged {self.patients} patients in {self.chunks} chunks; opened {kinds(self.opened)}; "
            f"updated {kinds(self.updated)}; resolved {kinds(self.resolved)}; monitoring ended for {self.monitoring_ended}"
        )


@dataclass(frozen=True)
class PatientRow:
    """What the engine needs of a patient, read in one query per chunk."""

    id: int
    procedure: str
    surgery_date: datetime.date
    discharge_date: datetime.date | None
    created_at: datetime.datetime
    timezone: str
    needs_evaluation_since: datetime.datetime | None
    judged_through: datetime.date | None
    local_today: datetime.date


AsOf = datetime.date | Callable[[PatientRow], datetime.date | None] | None

_ROW_FIELDS = (
    "id",
    "procedure",
    "surgery_date",
    "discharge_date",
    "created_at",
    "timezone",
    "evaluation_state__needs_evaluation_since",
    "evaluation_state__judged_through",
)


_ZONES: dict[str, ZoneInfo] = {}


def _zone(name: str) -> ZoneInfo:
    zone = _ZONES.get(name)
    if zone is None:
        zone = _ZONES[name] = ZoneInfo(name)
    return zone


def _rows(values: Iterable[tuple], now: datetime.datetime) -> list[PatientRow]:
    return [PatientRow(*v, local_today=now.astimezone(_zone(v[5])).date()) for v in values]


def _chunks(patient_ids: Iterable[int] | None, chunk_size: int, now: datetime.datetime) -> Iterator[list[PatientRow]]:
    """Monitored patients in chunks: one query per chunk (keyset pages over all, or the ids given)."""
    monitored = Patient.objects.filter(monitoring_ended_at__isnull=True).order_by("id")
    if patient_ids is not None:
        ids = sorted(set(patient_ids))
        for start in range(0, len(ids), chunk_size):
            rows = _rows(monitored.filter(pk__in=ids[start : start + chunk_size]).values_list(*_ROW_FIELDS), now)
            if rows:
                yield rows
        return
    last_id = 0
    while True:
        rows = _rows(monitored.filter(pk__gt=last_id).values_list(*_ROW_FIELDS)[:chunk_size], now)
        if not rows:
            return
        yield rows
        last_id = rows[-1].id


# What the engine reads of an alert (rules.AlertView).
ALERT_VALUES = ("id", "kind", "severity", "status", "evidence_date", "recovery_day", "message", "details")


def alert_view(values: dict) -> rules.AlertView:
    return rules.AlertView(
        id=values["id"],
        kind=values["kind"],
        severity=values["severity"],
        status=values["status"],
        evidence_date=values["evidence_date"],
        recovery_day=values["recovery_day"],
        message=values["message"],
        details=values["details"] or {},
    )


@dataclass
class _Plan:
    """The writes one chunk owes, gathered before one transaction makes them."""

    opens: list[tuple[int, rules.Finding]] = field(default_factory=list)
    # (alert view, merged finding, new evidence that reopens an acknowledged alert, page owed)
    updates: list[tuple[rules.AlertView, rules.Finding, bool, bool]] = field(default_factory=list)
    resolves: list[tuple[rules.AlertView, str]] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    judged_through: dict[datetime.date, list[int]] = field(default_factory=lambda: defaultdict(list))
    marks: list[tuple[int, datetime.datetime]] = field(default_factory=list)


def finding_details(finding: rules.Finding) -> dict:
    return {"onset": finding.onset.isoformat(), "keys": sorted(finding.keys), **finding.details}


def _already_handled(last: rules.AlertView | None, finding: rules.Finding) -> bool:
    """A resolved alert already covered this episode: same or later onset, no new items, no worse."""
    if last is None or last.status != AlertStatus.RESOLVED or last.onset is None:
        return False
    return (
        finding.onset <= last.onset
        and finding.keys <= last.keys
        and rules.severity_rank(finding.severity) >= rules.severity_rank(last.severity)
    )


def _reconcile(
    plan: _Plan,
    *,
    patient_id: int,
    snapshot: rules.Snapshot,
    findings: dict[str, rules.Finding],
    alerts: list[rules.AlertView],
    update_kinds: frozenset[str],
) -> None:
    """Decide, for one patient, which alerts to open, update and resolve. Writes nothing.

    1. A kind with an open or acknowledged alert: new evidence updates it (severity never falls; an
       acknowledged alert given a new red flag or a worse severity is opened again); with no finding,
       the rule says whether its evidence has gone, and the alert is resolved with that reason.
    2. A kind without one: a finding opens an alert, unless a resolved alert already covered the
       same episode (a nurse's resolution holds until the evidence is new).
    Alerts raised on evidence after the date judged are left alone (judging an earlier date).
    """
    active = {a.kind: a for a in alerts if a.status in _ACTIVE}
    latest: dict[str, rules.AlertView] = {}
    for a in alerts:  # ordered by id: the last one wins
        latest[a.kind] = a
    for kind in rules.RULES:
        finding = findings.get(kind)
        current = active.get(kind)
        if current is not None:
            if current.evidence_date > snapshot.as_of:
                continue
            if finding is not None:
                if kind not in update_kinds:
                    continue
                merged = rules.merge(current, finding, snapshot.surgery_date)
                worse = rules.severity_rank(merged.severity) < rules.severity_rank(current.severity)
                new_urgent = kind == AlertKind.RED_FLAG and any(r[2] == Severity.URGENT for r in finding.details.get("reports", ()))
                new_items = kind == AlertKind.RED_FLAG or worse
                reopen = current.status == AlertStatus.ACKNOWLEDGED and new_items
                page = merged.severity == Severity.URGENT and (worse or new_urgent)
                changed = (
                    merged.message != current.message
                    or merged.severity != current.severity
                    or merged.evidence_date != current.evidence_date
                    or finding_details(merged) != dict(current.details)
                )
                if changed or reopen or page:
                    plan.updates.append((current, merged, new_items, page))
            else:
                reason = rules.evidence_gone(kind, snapshot, current)
                if reason:
                    plan.resolves.append((current, reason))
        elif finding is not None and kind in update_kinds and not _already_handled(latest.get(kind), finding):
            plan.opens.append((patient_id, finding))


def _load_records(patient_ids: list[int], first: datetime.date, last: datetime.date) -> dict[int, list[rules.Day]]:
    """The chunk's daily records from `first` to `last`, as plain days. Symptoms and milestones come
    as text and are parsed only where not empty (most days): parsing every JSON list was most of the
    sweep's time."""
    days: dict[int, list[rules.Day]] = defaultdict(list)
    rows = (
        DailyRecord.objects.filter(patient_id__in=patient_ids, date__gte=first, date__lte=last)
        # By the unique index, not the model's default order (which would join the patients to sort by name).
        .order_by("patient_id", "date")
        .annotate(symptoms_text=Cast("symptoms", TextField()), milestones_text=Cast("milestones", TextField()))
        .values_list("patient_id", "date", "pain", "walking_minutes", "steps", "opioid_use", "symptoms_text", "milestones_text")
    )
    empty = ("[]", "", None)
    # The ORM's SQL, read with one fetchall: row by row through the ORM cost as much as the rules.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    for pid, date, pain, walking, steps, opioid, symptoms, milestones in fetched:
        days[pid].append(
            rules.Day(
                date,
                pain,
                walking,
                steps,
                opioid,
                () if symptoms in empty else tuple(json.loads(symptoms)),
                () if milestones in empty else tuple(json.loads(milestones)),
            )
        )
    return days


def _load_alerts(patient_ids: list[int]) -> dict[int, list[rules.AlertView]]:
    alerts: dict[int, list[rules.AlertView]] = defaultdict(list)
    for values in (
        Alert.objects.filter(patient_id__in=patient_ids)
        .order_by("id")
        .values("patient_id", *ALERT_VALUES)
    ):
        alerts[values["patient_id"]].append(alert_view(values))
    return alerts


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
    plan = _Plan()
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
    alerts = _load_alerts(patient_ids) if (judged or plan.ended) else {}
    records = (
        _load_records([r.id for r, _, _ in judged], min(r.surgery_date for r, _, _ in judged), max(d for _, d, _ in judged))
        if judged
        else {}
    )
    for row, date, protocol in judged:
        patient_alerts = alerts.get(row.id, [])
        snapshot = rules.Snapshot(
            surgery_date=row.surgery_date,
            procedure=row.procedure,
            plan=protocol,
            as_of=date,
            days=tuple(records.get(row.id, ())),
            day_ended=date < row.local_today,
            enrolled_on=row.created_at.astimezone(_zone(row.timezone)).date(),
            discharge_date=row.discharge_date,
            alerted_red_flags=frozenset(k for a in patient_alerts if a.kind == AlertKind.RED_FLAG for k in a.keys),
            patient_id=row.id,
        )
        kinds = rules.CHECKIN_KINDS if trigger == Trigger.CHECKIN else None
        findings = rules.judge(snapshot, kinds)
        _reconcile(plan, patient_id=row.id, snapshot=snapshot, findings=findings, alerts=patient_alerts, update_kinds=update_kinds)
    ended_set = set(plan.ended)
    for pid in plan.ended:
        for a in alerts.get(pid, ()):
            # A red flag waits for a nurse even after the program: someone must have acted on it.
            if a.status in _ACTIVE and a.kind != AlertKind.RED_FLAG:
                plan.resolves.append((a, "Monitoring ended: the recovery program is over"))
    summary.patients = len(judged)
    _write(plan, now=now, summary=summary, ended=ended_set, page_now=trigger == Trigger.CHECKIN)
    return summary


def _new_alert(patient_id: int, finding: rules.Finding) -> Alert:
    urgent = finding.severity == Severity.URGENT
    return Alert(
        patient_id=patient_id,
        kind=finding.kind,
        severity=finding.severity,
        status=AlertStatus.OPEN,
        recovery_day=finding.recovery_day,
        evidence_date=finding.evidence_date,
        message=finding.message,
        details=finding_details(finding),
        page_required=urgent,
    )


def _insert_alerts(opens: list[tuple[int, rules.Finding]]) -> list[Alert]:
    """Insert new alerts in one statement; if a concurrent evaluation opened one of them first (the
    partial unique index says no), insert them one by one and skip those that exist."""
    if not opens:
        return []
    alerts = [_new_alert(pid, f) for pid, f in opens]
    try:
        with transaction.atomic():
            return Alert.objects.bulk_create(alerts)
    except IntegrityError:
        created = []
        for pid, finding in opens:
            try:
                with transaction.atomic():
                    alert = _new_alert(pid, finding)
                    alert.save()
                    created.append(alert)
            except IntegrityError:
                logger.info("alert %s for patient %s was opened concurrently; the next judgement updates it", finding.kind, pid)
        return created


def _write(plan: _Plan, *, now: datetime.datetime, summary: EvaluationSummary, ended: set[int], page_now: bool = True) -> None:
    """Make the chunk's writes in one transaction, each kind of write in one statement."""
    if not (plan.opens or plan.updates or plan.resolves or plan.ended or plan.judged_through or plan.marks):
        return
    with transaction.atomic():
        events: list[AlertEvent] = []
        paged: list[Alert] = []
        opened = _insert_alerts(plan.opens)
        for alert in opened:
            summary.opened[alert.kind] += 1
            events.append(AlertEvent(alert=alert, action=AlertEvent.Action.RAISED, note=alert.message))
            if alert.page_required:
                paged.append(alert)

        touched = [view.id for view, *_ in plan.updates] + [view.id for view, _ in plan.resolves]
        still_active: dict[int, str] = {}
        if touched:
            # Lock the rows and read their status again: a nurse may have acknowledged or resolved
            # one since it was read (a resolved one is left alone).
            still_active = dict(Alert.objects.select_for_update().filter(pk__in=touched, status__in=_ACTIVE).values_list("pk", "status"))
        # Alerts to write, grouped by the columns they change: one UPDATE per group.
        changed: dict[tuple[str, ...], list[Alert]] = defaultdict(list)
        page_ids: list[int] = []
        for view, finding, new_items, page in plan.updates:
            if view.id not in still_active:
                continue
            reopen = new_items and still_active[view.id] == AlertStatus.ACKNOWLEDGED
            alert = Alert(
                pk=view.id,
                severity=finding.severity,
                recovery_day=finding.recovery_day,
                evidence_date=finding.evidence_date,
                message=finding.message,
                details=finding_details(finding),
                updated_at=now,
            )
            fields = ("severity", "recovery_day", "evidence_date", "message", "details", "updated_at")
            if reopen:
                alert.status = AlertStatus.OPEN
                alert.acknowledged_at, alert.acknowledged_by_id, alert.acknowledge_note = None, None, ""
                fields += ("status", "acknowledged_at", "acknowledged_by", "acknowledge_note")
            if page:
                # page_level stays: the page owed again is a new message, at the next level.
                alert.page_required, alert.paged_at = True, None
                fields += ("page_required", "paged_at")
                page_ids.append(view.id)
            changed[fields].append(alert)
            summary.updated[view.kind] += 1
            note = ("Opened again, new evidence: " if reopen else "New evidence: ") + finding.message
            events.append(AlertEvent(alert_id=view.id, action=AlertEvent.Action.UPDATED, note=note))
        resolving = set()
        for view, reason in plan.resolves:
            if view.id not in still_active or view.id in resolving:
                continue
            resolving.add(view.id)
            changed[("status", "resolved_at", "resolved_by", "resolution_reason", "updated_at")].append(
                Alert(pk=view.id, status=AlertStatus.RESOLVED, resolved_at=now, resolved_by=None, resolution_reason=reason[:200], updated_at=now)
            )
            summary.resolved[view.kind] += 1
            events.append(AlertEvent(alert_id=view.id, action=AlertEvent.Action.RESOLVED, note=reason))
        for fields, group in changed.items():
            Alert.objects.bulk_update(group, list(fields))
        if events:
            AlertEvent.objects.bulk_create(events)
        if ended:
            summary.monitoring_ended += Patient.objects.filter(pk__in=ended, monitoring_ended_at__isnull=True).update(monitoring_ended_at=now)
        for date, ids in plan.judged_through.items():
            EvaluationState.objects.bulk_create([EvaluationState(patient_id=pid) for pid in ids], ignore_conflicts=True)
            EvaluationState.objects.filter(Q(judged_through__isnull=True) | Q(judged_through__lt=date), patient_id__in=ids).update(
                judged_through=date, updated_at=now
            )
        if plan.marks:
            # Clear only the mark that was read before the data: a check-in that came since keeps its own.
            seen = Q()
            for pid, mark in plan.marks:
                seen |= Q(patient_id=pid, needs_evaluation_since=mark)
            EvaluationState.objects.filter(seen).update(needs_evaluation_since=None, updated_at=now)
        if page_ids:
            paged.extend(Alert.objects.filter(pk__in=page_ids))
        for alert in paged:
            # The notifications layer pages on commit; its relay catches a page this signal misses.
            # A sweep leaves its (rare) urgent alerts to that relay, so that its queries stay per chunk.
            alert_page_owed.send(sender=Alert, alert=alert, immediate=page_now)


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
    their alerts, their daily records from surgery to the date judged, and a fixed number of writes.
    """
    now = now or timezone.now()
    plans = protocol_plans()
    summary = EvaluationSummary()
    for rows in _chunks(patient_ids, chunk_size, now):
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
    last_ended = {z: now.astimezone(_zone(z)).date() - rules.ONE_DAY for z in zones}
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
