"""The engine's reconcile step, pure: findings and the alerts that stand become a plan of writes.

A table of cases, each one patient: no database, milliseconds."""

import datetime

import pytest

from recovery import rules
from recovery.services.engine.reconcile import Plan, finding_details, reconcile
from tests.recovery.test_rules import SURGERY, snap

ALL_KINDS = frozenset(rules.RULES)


def finding(kind="pain_high", severity="high", day=10, onset_day=None, keys=(), **details):
    date = SURGERY + datetime.timedelta(days=day)
    return rules.Finding(
        kind=kind, severity=severity, evidence_date=date, recovery_day=day, message=f"{kind} on day {day}",
        onset=SURGERY + datetime.timedelta(days=onset_day if onset_day is not None else day), keys=frozenset(keys), details=details,
    )


def alert(found: rules.Finding, *, id=1, status="open", message=None):
    return rules.AlertView(
        id=id, kind=found.kind, severity=found.severity, status=status, evidence_date=found.evidence_date,
        recovery_day=found.recovery_day, message=message or found.message, details=finding_details(found),
    )


def plan_for(snapshot, findings, alerts, kinds=ALL_KINDS) -> Plan:
    plan = Plan()
    reconcile(plan, patient_id=7, snapshot=snapshot, findings={f.kind: f for f in findings}, alerts=alerts, update_kinds=kinds)
    return plan


def summary(plan: Plan) -> tuple:
    """What the plan does, in plain values: opens (kinds), updates (kind, severity, new items, page), resolves (kinds)."""
    return (
        [f.kind for _, f in plan.opens],
        [(f.kind, f.severity, new, page) for _, f, new, page in plan.updates],
        [view.kind for view, _ in plan.resolves],
    )


FEVER = finding("red_flag", "urgent", 9, keys=["2026-03-11:fever"], reports=[["2026-03-11", "fever", "urgent"]])
CHEST = finding("red_flag", "urgent", 10, keys=["2026-03-12:chest_pain_breathless"], reports=[["2026-03-12", "chest_pain_breathless", "urgent"]])
HIGH = finding("pain_high", "high", 10, onset_day=9)

CASES = {
    "a finding with no alert opens one": (snap(10), [HIGH], [], (["pain_high"], [], [])),
    "the same finding on the alert that stands changes nothing": (snap(10), [HIGH], [alert(HIGH)], ([], [], [])),
    "a later day's evidence updates the alert": (snap(11), [finding("pain_high", "high", 11, onset_day=9)], [alert(HIGH)],
                                                  ([], [("pain_high", "high", False, False)], [])),
    "a new urgent red flag updates the alert and pages again": (snap(10), [CHEST], [alert(FEVER)],
                                                                 ([], [("red_flag", "urgent", True, True)], [])),
    "a kind the trigger does not judge is left alone": (snap(10), [HIGH], [], ([], [], []), frozenset({"red_flag"})),
    "an episode a nurse resolved is not raised again": (snap(10), [HIGH], [alert(HIGH, status="resolved")], ([], [], [])),
    "a later episode after a resolution is raised": (snap(30), [finding("pain_high", "high", 30, onset_day=29)],
                                                     [alert(HIGH, status="resolved")], (["pain_high"], [], [])),
    "an alert on evidence after the date judged is left alone": (snap(8), [], [alert(HIGH)], ([], [], [])),
    "an alert whose evidence has gone is resolved": (
        snap(20, {d: 3 for d in range(13, 21)}), [], [alert(HIGH)], ([], [], ["pain_high"])),
    "a red flag never goes by itself": (snap(20, {d: 3 for d in range(13, 21)}), [], [alert(FEVER)], ([], [], [])),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_reconcile(case):
    snapshot, findings, alerts, expected, *kinds = CASES[case]
    assert summary(plan_for(snapshot, findings, alerts, *kinds)) == expected
