"""The outcome rule (outcomes.rules) as a table: worse than the baseline by the MCID, not improved by the
MCID at the set point, nothing to say; then its plan against the alerts that stand, and the alert it
raises through the engine's writer when a response is completed."""

import datetime
from decimal import Decimal

import pytest

from outcomes.rules import KIND, ScorePoint, Series, outcome_finding, outcome_plan
from recovery.rules import AlertView

SURGERY = datetime.date(2026, 3, 1)
DAYS = {"baseline": -7, "6w": 42, "3m": 90, "6m": 180}
LABELS = {"baseline": "Before surgery", "6w": "6 weeks", "3m": "3 months", "6m": "6 months"}


def _series(scores: dict, *, higher=False, mcid="15", by="3m") -> Series:
    points = tuple(
        ScorePoint(code, LABELS[code], DAYS[code], code == "baseline", Decimal(str(s)), SURGERY + datetime.timedelta(days=DAYS[code]))
        for code, s in scores.items()
    )
    return Series("rs", "Recovery status", Decimal(mcid), higher, points, DAYS.get(by), LABELS.get(by, ""))


@pytest.mark.parametrize(
    ("scores", "higher", "severity", "words"),
    [
        # lower is better (percent of disability)
        ({"baseline": 60}, False, None, None),  # nothing after the baseline yet
        ({"6w": 80}, False, None, None),  # no baseline: nothing to compare
        ({"baseline": 60, "6w": 50}, False, None, None),  # improving, before the set point
        ({"baseline": 60, "6w": 75}, False, "high", "worse by 15"),  # worse by exactly the MCID
        ({"baseline": 60, "6w": 74}, False, None, None),  # worse, but less than the MCID, before the set point
        ({"baseline": 60, "6w": 40, "3m": 46}, False, "routine", "improved by 14, less than the MCID of 15 expected by 3 months"),
        ({"baseline": 60, "6w": 40, "3m": 45}, False, None, None),  # improved by exactly the MCID
        ({"baseline": 60, "3m": 66}, False, "routine", "improved by 0"),  # worse, less than the MCID, past the set point
        ({"baseline": 60, "3m": 80}, False, "high", "worse by 20"),
        ({"baseline": 60, "3m": 30, "6m": 50}, False, "routine", "at 6 months"),  # the latest time point counts
        # higher is better (a function score)
        ({"baseline": 30, "6w": 15}, True, "high", "worse by 15"),
        ({"baseline": 30, "3m": 40}, True, "routine", "improved by 10"),
        ({"baseline": 30, "3m": 45}, True, None, None),
    ],
)
def test_the_rule(scores, higher, severity, words):
    finding = outcome_finding(surgery_date=SURGERY, series=[_series(scores, higher=higher)])
    if severity is None:
        assert finding is None
        return
    assert finding.kind == KIND and finding.severity == severity
    assert words in finding.message
    latest = max((c for c in scores if c != "baseline"), key=DAYS.get)
    assert finding.evidence_date == SURGERY + datetime.timedelta(days=DAYS[latest])
    assert finding.recovery_day == DAYS[latest]
    assert finding.keys == {f"rs:{latest}"}


def test_without_a_set_point_only_worsening_counts():
    assert outcome_finding(surgery_date=SURGERY, series=[_series({"baseline": 60, "6m": 59}, by="")]) is None
    assert outcome_finding(surgery_date=SURGERY, series=[_series({"baseline": 60, "6m": 80}, by="")]).severity == "high"


def test_one_finding_covers_every_instrument_at_the_worst_severity():
    worse = _series({"baseline": 60, "6w": 80})
    flat = Series("other", "Other", Decimal(5), True, _series({"baseline": 10, "3m": 12}).points, 90, "3 months")
    finding = outcome_finding(surgery_date=SURGERY, series=[worse, flat])
    assert finding.severity == "high"
    assert finding.keys == {"rs:6w", "other:3m"}
    assert "Recovery status at 6 weeks" in finding.message and "Other at 3 months" in finding.message


def _view(status="open", severity="high", keys=("rs:6w",), message="m", pk=7):
    return AlertView(pk, KIND, severity, status, SURGERY, 42, message, {"onset": "2026-04-12", "keys": list(keys)})


@pytest.mark.parametrize(
    ("alerts", "finding_scores", "expected"),
    [
        ([], {"baseline": 60, "6w": 80}, "open"),
        ([], {"baseline": 60, "6w": 50}, "nothing"),
        ([_view()], {"baseline": 60, "6w": 50}, "resolve"),  # evidence gone
        ([_view(status="resolved")], {"baseline": 60, "6w": 80}, "nothing"),  # a nurse resolved this episode
        ([_view(status="resolved")], {"baseline": 60, "6w": 80, "3m": 85}, "open"),  # a later time point is new evidence
        ([_view(status="acknowledged", severity="routine", keys=("rs:3m",))], {"baseline": 60, "3m": 80}, "update-reopen"),  # worse
        ([_view(status="resolved"), _view(pk=8)], {"baseline": 60, "6w": 80}, "update"),  # message differs
    ],
)
def test_the_plan(alerts, finding_scores, expected):
    finding = outcome_finding(surgery_date=SURGERY, series=[_series(finding_scores)])
    plan = outcome_plan(patient_id=1, finding=finding, alerts=alerts)
    got = ("open" if plan.opens else "resolve" if plan.resolves else
           ("update-reopen" if plan.updates[0][2] and plan.updates[0][0].status == "acknowledged" else "update") if plan.updates else "nothing")
    assert got == expected


@pytest.mark.django_db
def test_completing_a_worse_response_raises_the_alert_and_a_better_one_resolves_it(make_patient, answer):
    from recovery.models import Alert, AlertEvent

    patient = make_patient(surgery_days_ago=95)
    answer(patient, "baseline", [2, 2, 2, 2, 2])  # 50
    assert not Alert.objects.filter(patient=patient).exists()
    answer(patient, "6w", [4, 3, 3, 3, 3])  # 80: worse by 30
    alert = Alert.objects.get(patient=patient, kind="outcome_off_track")
    assert (alert.status, alert.severity, alert.recovery_day, alert.page_required) == ("open", "high", 42, False)
    assert alert.message == "Recovery status at 6 weeks: 80 against 50 before surgery, worse by 30 (MCID 15)"
    assert AlertEvent.objects.filter(alert=alert, action="raised").exists()

    answer(patient, "3m", [1, 1, 1, 1, 1])  # 25: improved by 25 by the set point
    alert.refresh_from_db()
    assert alert.status == "resolved" and "no longer off track" in alert.resolution_reason
    assert Alert.objects.filter(patient=patient, kind="outcome_off_track").count() == 1
