"""Reconciling, pure: one patient's findings and the alerts that stand become a plan of writes
(open, update, resolve). No database here; table-tested like the rules."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from recovery import rules
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind, AlertStatus, Severity

_ACTIVE = [s.value for s in ACTIVE_ALERT_STATUSES]


@dataclass
class Plan:
    """The writes one chunk owes, gathered before one transaction makes them."""

    opens: list[tuple[int, rules.Finding]] = field(default_factory=list)
    # (alert view, merged finding, new evidence that reopens an acknowledged alert, page owed)
    updates: list[tuple[rules.AlertView, rules.Finding, bool, bool]] = field(default_factory=list)
    resolves: list[tuple[rules.AlertView, str]] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    judged_through: dict[datetime.date, list[int]] = field(default_factory=lambda: defaultdict(list))
    marks: list[tuple[int, datetime.datetime]] = field(default_factory=list)
    # (patient, milestone, patient-local date asked): questions owed before a milestone alert.
    questions: list[tuple[int, str, datetime.date]] = field(default_factory=list)


def finding_details(finding: rules.Finding) -> dict:
    return {"onset": finding.onset.isoformat(), "keys": sorted(finding.keys), **finding.details}


def already_handled(last: rules.AlertView | None, finding: rules.Finding) -> bool:
    """A resolved alert already covered this episode: same or later onset, no new items, no worse."""
    if last is None or last.status != AlertStatus.RESOLVED or last.onset is None:
        return False
    return (
        finding.onset <= last.onset
        and finding.keys <= last.keys
        and rules.severity_rank(finding.severity) >= rules.severity_rank(last.severity)
    )


def reconcile(
    plan: Plan,
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
        elif finding is not None and kind in update_kinds and not already_handled(latest.get(kind), finding):
            plan.opens.append((patient_id, finding))
