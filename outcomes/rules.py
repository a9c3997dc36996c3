"""The outcome rule, pure: a patient's scores per instrument against the baseline and the MCID become a
finding of the kind `outcome_off_track`, and the finding and the alerts that stand become a plan for
the engine's one alert writer (recovery.services.engine.write). No database here; docs/alerts.md
gives the rule to nurses and tests/outcomes/test_rules.py holds its table.

The rule, per instrument, on the latest completed time point after the baseline:
1. The change is the score's improvement since the baseline (baseline - latest when a lower score is
   better, latest - baseline otherwise).
2. Worse by the MCID or more (change <= -MCID): `high`, "worse than before surgery".
3. Otherwise, at or after the instrument's improvement time point (e.g. 3 months), an improvement
   smaller than the MCID: `routine`, "not improved by the MCID".
4. No baseline, or no time point after it yet: nothing to say.
One alert covers every instrument (one open alert per patient and kind); its severity is the worst.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from recovery import rules
from recovery.choices import ACTIVE_ALERT_STATUSES, AlertKind, Severity
from recovery.services.engine.reconcile import Plan, already_handled, finding_details

KIND = AlertKind.OUTCOME_OFF_TRACK


@dataclass(frozen=True)
class ScorePoint:
    time_point: str
    label: str
    day: int
    baseline: bool
    score: Decimal
    date: datetime.date  # the patient-local date it was answered


@dataclass(frozen=True)
class Series:
    """One instrument's completed scores of one patient, in time point order."""

    instrument: str
    title: str
    mcid: Decimal
    higher_is_better: bool
    points: tuple[ScorePoint, ...]
    improvement_by_day: int | None = None
    improvement_by_label: str = ""

    @property
    def baseline(self) -> ScorePoint | None:
        return next((p for p in self.points if p.baseline), None)

    @property
    def latest(self) -> ScorePoint | None:
        after = [p for p in self.points if not p.baseline]
        return max(after, key=lambda p: p.day) if after else None

    def change(self, point: ScorePoint) -> Decimal | None:
        """Improvement since the baseline, in the score's units (positive is better)."""
        base = self.baseline
        if base is None:
            return None
        return point.score - base.score if self.higher_is_better else base.score - point.score

    def reached_mcid(self, point: ScorePoint) -> bool | None:
        change = self.change(point)
        return None if change is None else change >= self.mcid


@dataclass(frozen=True)
class InstrumentVerdict:
    instrument: str
    severity: str
    point: ScorePoint
    change: Decimal
    message: str


def _n(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


def instrument_verdict(series: Series) -> InstrumentVerdict | None:
    """Steps 1 to 4 of the rule for one instrument."""
    latest, base = series.latest, series.baseline
    if latest is None or base is None:
        return None
    change = series.change(latest)
    what = f"{series.title} at {latest.label}: {_n(latest.score)} against {_n(base.score)} before surgery"
    if change <= -series.mcid:
        return InstrumentVerdict(series.instrument, Severity.HIGH, latest, change, f"{what}, worse by {_n(-change)} (MCID {_n(series.mcid)})")
    if series.improvement_by_day is not None and latest.day >= series.improvement_by_day and change < series.mcid:
        return InstrumentVerdict(
            series.instrument, Severity.ROUTINE, latest, change,
            f"{what}, improved by {_n(max(change, Decimal(0)))}, less than the MCID of {_n(series.mcid)} expected by {series.improvement_by_label}",
        )
    return None


def outcome_finding(*, surgery_date: datetime.date, series: list[Series]) -> rules.Finding | None:
    """The patient's finding over every instrument, or None when none is off track."""
    verdicts = [v for v in (instrument_verdict(s) for s in series) if v is not None]
    if not verdicts:
        return None
    severity = rules.most_severe(*(v.severity for v in verdicts))
    evidence = max(v.point.date for v in verdicts)
    return rules.Finding(
        kind=KIND,
        severity=severity,
        evidence_date=evidence,
        recovery_day=(evidence - surgery_date).days,
        message="; ".join(v.message for v in verdicts)[:500],
        onset=min(v.point.date for v in verdicts),
        # A nurse's resolution holds until a later time point (a new key) or a worse severity.
        keys=frozenset(f"{v.instrument}:{v.point.time_point}" for v in verdicts),
        details={"instruments": [{"instrument": v.instrument, "time_point": v.point.time_point, "change": str(v.change)} for v in verdicts]},
    )


def outcome_plan(*, patient_id: int, finding: rules.Finding | None, alerts: list[rules.AlertView]) -> Plan:
    """The writes for this kind: open, update (reopening an acknowledged alert on a new time point or a
    worse severity) or resolve, as recovery's reconcile does for its own kinds."""
    plan = Plan()
    mine = [a for a in alerts if a.kind == KIND]
    active = next((a for a in mine if a.status in ACTIVE_ALERT_STATUSES), None)
    latest = mine[-1] if mine else None
    if active is None:
        if finding is not None and not already_handled(latest, finding):
            plan.opens.append((patient_id, finding))
        return plan
    if finding is None:
        plan.resolves.append((active, "Outcome scores no longer off track at the latest time point"))
        return plan
    severity = rules.most_severe(active.severity, finding.severity)
    merged = replace(finding, severity=severity)
    worse = rules.severity_rank(severity) < rules.severity_rank(active.severity)
    new_items = worse or not finding.keys <= active.keys
    if merged.message != active.message or severity != active.severity or finding_details(merged) != dict(active.details or {}):
        plan.updates.append((active, merged, new_items, False))
    return plan
