"""The deviation rules of clinical.md as pure functions over a snapshot of one patient's days.

No database here: the engine (recovery.services.evaluation) builds snapshots in bulk, runs `judge`,
and reconciles the findings with alerts. Each rule also says when the evidence of an open alert has
gone (`evidence_gone`), so that the system can resolve it with that reason. docs/alerts.md explains
every rule to nurses; the numbers come from the protocol (recovery.thresholds).

Words used below:
- "day N" is the post-operative day (day 0 is surgery), "date" the patient-local calendar date;
- a "logged" day is one with a daily record that carries the value in question;
- `as_of` is the date judged. When `day_ended` is false (a check-in just came, the day is still
  running), absence is counted only up to the day before: today is not a missed day yet.
"""

from __future__ import annotations

import bisect
import datetime
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property

from django.utils import translation

from recovery.choices import AlertKind, Milestone, Severity, Symptom
from recovery.protocols import ProtocolPlan, milestone_state
from recovery.red_flags import symptom_severity

ONE_DAY = datetime.timedelta(days=1)
# A red flag reported late (an offline phone syncing, a check-in for yesterday) is still raised when
# its date is at most this many days before the date judged.
RED_FLAG_LOOKBACK_DAYS = 7
# Overdue milestones that need a person soon (clinical.md): the others are routine.
HIGH_MILESTONES = frozenset({Milestone.FIRST_WALK, Milestone.DISCHARGED})
# off_opioids is watched by opioid_prolonged (while opioid use is still reported), not milestone_overdue.
OPIOID_MILESTONE = Milestone.OFF_OPIOIDS

_RANK = {Severity.URGENT: 0, Severity.HIGH: 1, Severity.ROUTINE: 2}


def severity_rank(severity: str) -> int:
    """0 for urgent, 1 high, 2 routine: lower is more urgent."""
    return _RANK[severity]


def most_severe(*severities: str) -> str:
    return min(severities, key=severity_rank)


@dataclass(frozen=True, slots=True)
class Day:
    """One daily record, as plain values."""

    date: datetime.date
    pain: int | None = None
    walking_minutes: int | None = None
    steps: int | None = None
    opioid_use: bool | None = None
    symptoms: tuple[str, ...] = ()
    milestones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Question:
    """The question asked before a milestone alert ("Have you been able to eat normally?"): the
    patient-local date it was first asked, and the answer (None while unanswered) with its date."""

    milestone: str
    asked_on: datetime.date
    answer: bool | None = None
    answered_on: datetime.date | None = None


@dataclass(frozen=True)
class Snapshot:
    """One patient as of one date: everything a rule may look at, and nothing after `as_of`."""

    surgery_date: datetime.date
    procedure: str
    plan: ProtocolPlan
    as_of: datetime.date
    days: tuple[Day, ...] = ()
    # Whether `as_of` has ended in the patient's time zone (the sweep judges ended days).
    day_ended: bool = True
    # The patient-local date the patient was added to the service (absence before it is not missing).
    enrolled_on: datetime.date | None = None
    discharge_date: datetime.date | None = None
    # Red-flag reports ("YYYY-MM-DD:code") already carried by an alert: each report is raised once.
    alerted_red_flags: frozenset[str] = frozenset()
    patient_id: int | None = None
    # The questions asked before a milestone alert, by milestone code (one per milestone).
    questions: Mapping[str, Question] = field(default_factory=dict)

    def __post_init__(self):
        # The guard of "data after the date judged is never seen": whatever the caller passed, the
        # rules only ever see days from surgery to as_of, in date order.
        visible = tuple(sorted((d for d in self.days if self.surgery_date <= d.date <= self.as_of), key=lambda d: d.date))
        object.__setattr__(self, "days", visible)

    def day_of(self, date: datetime.date) -> int:
        return (date - self.surgery_date).days

    @cached_property
    def logged(self) -> dict[str, list[tuple[datetime.date, int]]]:
        """(date, value) of each logged day, per measure: several rules read the same series."""
        return {
            name: [(d.date, getattr(d, name)) for d in self.days if getattr(d, name) is not None]
            for name in ("pain", "walking_minutes")
        }

    @property
    def day(self) -> int:
        """The post-operative day judged."""
        return self.day_of(self.as_of)

    @property
    def last_full_date(self) -> datetime.date:
        """The last date that has ended: as_of itself, or the day before while as_of is running."""
        return self.as_of if self.day_ended else self.as_of - ONE_DAY

    @property
    def thresholds(self):
        return self.plan.thresholds

    def date_of(self, day: int) -> datetime.date:
        return self.surgery_date + datetime.timedelta(days=day)


@dataclass(frozen=True)
class Finding:
    """What a rule found: the alert it asks for, with its evidence in plain words."""

    kind: str
    severity: str
    evidence_date: datetime.date
    recovery_day: int
    message: str
    # The first date of the episode this evidence belongs to: an episode a nurse has already resolved
    # is not raised again, a later one is.
    onset: datetime.date
    # Items of evidence (red-flag reports, overdue milestones): new items make a new episode.
    keys: frozenset[str] = frozenset()
    details: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class AlertView:
    """An alert as the rules and the reconciliation see it (plain values)."""

    id: int
    kind: str
    severity: str
    status: str
    evidence_date: datetime.date
    recovery_day: int
    message: str
    details: Mapping

    @property
    def onset(self) -> datetime.date | None:
        value = (self.details or {}).get("onset")
        return datetime.date.fromisoformat(value) if value else None

    @property
    def keys(self) -> frozenset[str]:
        return frozenset((self.details or {}).get("keys") or ())


# -- wording ------------------------------------------------------------------------------------

def _days_phrase(days: list[int]) -> str:
    """'day 9', 'days 9 and 10', 'days 9, 10 and 12', or 'days 9 to 20 (7 logged)' for long runs."""
    if len(days) == 1:
        return f"day {days[0]}"
    if len(days) <= 4:
        return "days " + ", ".join(str(d) for d in days[:-1]) + f" and {days[-1]}"
    return f"days {days[0]} to {days[-1]} ({len(days)} logged)"


def _num(value) -> str:
    """A mean as nurses read it: 5, 5.3."""
    value = round(float(value), 1)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


# An alert's message is stored as written: in the English source, whatever language the request that
# raised it runs in.
def _symptom_label(code: str) -> str:
    try:
        with translation.override(None):
            return str(Symptom(code).label).lower()
    except ValueError:
        return code


def _milestone_label(code: str) -> str:
    try:
        with translation.override(None):
            return str(Milestone(code).label).lower()
    except ValueError:
        return code


def _clip(message: str) -> str:
    return message if len(message) <= 500 else message[:497] + "..."


# -- helpers over the days ----------------------------------------------------------------------

def pain_bound(plan: ProtocolPlan, day: int) -> int | None:
    return plan.pain_max(day)


def walking_bound(plan: ProtocolPlan, day: int) -> int | None:
    return plan.walking_min(day)


def _logged(s: Snapshot, name: str) -> list[tuple[datetime.date, int]]:
    return s.logged[name]


def _window(values: list[tuple[datetime.date, int]], end: datetime.date, days: int) -> list[tuple[datetime.date, int]]:
    """The values dated within the `days` days ending at `end` (values are in date order)."""
    start = end - datetime.timedelta(days=days - 1)
    lo = bisect.bisect_left(values, (start,))
    hi = bisect.bisect_right(values, (end, math.inf))
    return values[lo:hi]


def _latest_true_run(flags: list[bool], since_index: int) -> tuple[int, int] | None:
    """(first, last) indices of the latest run of True whose last index is >= since_index."""
    last = None
    for i in range(len(flags) - 1, since_index - 1, -1):
        if flags[i]:
            last = i
            break
    if last is None:
        return None
    first = last
    while first > 0 and flags[first - 1]:
        first -= 1
    return first, last


def _first_index_on_or_after(values: list[tuple[datetime.date, int]], date: datetime.date) -> int:
    return bisect.bisect_left(values, (date,))


# -- the rules -----------------------------------------------------------------------------------

def red_flag(s: Snapshot) -> Finding | None:
    """Any red-flag symptom, on the day reported; severity per symptom (red_flags.SEVERITY).

    Each report (date and symptom) is raised once: reports already carried by an alert are left out,
    so a nurse's resolution holds, and a new symptom, or the same one on a later day, is new evidence.
    The check-in itself raises its red flags (red_flag_finding, in the check-in's transaction); the
    sweep runs this rule as the net under that path.
    """
    since = s.as_of - datetime.timedelta(days=RED_FLAG_LOOKBACK_DAYS - 1)
    days = [(d.date, d.symptoms) for d in s.days if d.date >= since and d.symptoms]
    return red_flag_finding(surgery_date=s.surgery_date, procedure=s.procedure, days=days, alerted=s.alerted_red_flags)


def red_flag_finding(
    *, surgery_date: datetime.date, procedure: str, days: Iterable[tuple[datetime.date, Iterable[str]]], alerted: frozenset[str]
) -> Finding | None:
    """The red-flag finding of some days' reported symptoms, leaving out reports in `alerted`.

    A pure function of the check-in itself (its day's symptoms, the procedure, the reports already
    alerted), so that the check-in's own transaction can open the alert.
    """
    reports: list[tuple[datetime.date, str, str]] = []
    for date, symptoms in days:
        present = set(symptoms)
        for code in symptoms:
            key = f"{date.isoformat()}:{code}"
            if key in alerted:
                continue
            try:
                severity = symptom_severity(code, procedure=procedure, symptoms=present)
            except ValueError:
                continue  # an unknown code: the check-in API refuses them; never crash a sweep on one
            reports.append((date, code, severity))
    if not reports:
        return None
    latest = max(date for date, _, _ in reports)
    return Finding(
        kind=AlertKind.RED_FLAG,
        severity=most_severe(*(sev for _, _, sev in reports)),
        evidence_date=latest,
        recovery_day=(latest - surgery_date).days,
        message=red_flag_message(surgery_date, [(date, code) for date, code, _ in reports]),
        onset=latest,
        keys=frozenset(f"{date.isoformat()}:{code}" for date, code, _ in reports),
        details={"reports": [[date.isoformat(), code, sev] for date, code, sev in reports]},
    )


def red_flag_new_urgent(finding: Finding) -> bool:
    """Whether a red-flag finding carries an urgent report: new urgent evidence pages again."""
    return any(report[2] == Severity.URGENT for report in finding.details.get("reports", ()))


def red_flag_message(surgery_date: datetime.date, reports: Iterable[tuple[datetime.date, str]]) -> str:
    by_date: dict[datetime.date, list[str]] = {}
    for date, code in reports:
        by_date.setdefault(date, [])
        if code not in by_date[date]:
            by_date[date].append(code)
    parts = [
        f"day {(date - surgery_date).days}: " + ", ".join(_symptom_label(c) for c in codes)
        for date, codes in sorted(by_date.items(), reverse=True)
    ]
    return _clip("Red flag reported on " + "; ".join(parts))


def pain_high(s: Snapshot) -> Finding | None:
    """Worst pain at or above 8 on 2 logged days in a row, after day 3.

    "In a row" counts logged days: a day without a pain value between two high ones does not break
    the row, a logged day under 8 does. The evidence stands while such a row ended within the last
    `resolve_after_days` days (after that, pain_high_gone decides).
    """
    th = s.thresholds
    pains = _logged(s, "pain")
    high = [s.day_of(date) > th.pain_rules_after_day and pain >= th.pain_high_at for date, pain in pains]
    since = _first_index_on_or_after(pains, s.as_of - datetime.timedelta(days=th.resolve_after_days - 1))
    run = _latest_true_run(high, since)
    if run is None or run[1] - run[0] + 1 < th.pain_high_days:
        return None
    first, last = run
    days = [s.day_of(pains[i][0]) for i in range(first, last + 1)]
    end_date = pains[last][0]
    bound = pain_bound(s.plan, s.day_of(end_date))
    expected = f" (expected {bound} or less)" if bound is not None else ""
    return Finding(
        kind=AlertKind.PAIN_HIGH,
        severity=Severity.HIGH,
        evidence_date=end_date,
        recovery_day=s.day_of(end_date),
        message=_clip(f"Pain {th.pain_high_at} or more on {_days_phrase(days)}{expected}"),
        onset=pains[first][0],
        details={"days": days, "pain": [pains[i][1] for i in range(first, last + 1)], "expected_max": bound},
    )


def _rise_flags(s: Snapshot, pains: list[tuple[datetime.date, int]]) -> tuple[list[bool], list[int | None], list[int | None]]:
    """For each logged pain: does the rule hold there; the sum of the recent window; the lowest sum so far."""
    th = s.thresholds
    n = th.pain_rise_days
    # Sums of integers are compared, exactly: a rise of 2.4 over 3 days is a sum 7.2 higher, so 8.
    needed = math.ceil(th.pain_rise_points * n)
    after = s.date_of(th.pain_rules_after_day)
    count = len(pains)
    flags = [False] * count
    sums: list[int | None] = [None] * count
    lowest: list[int | None] = [None] * count
    if count < n:
        return flags, sums, lowest
    running = sum(v for _, v in pains[: n - 1])
    low = None
    for i in range(n - 1, count):
        running += pains[i][1]
        if i >= n:
            running -= pains[i - n][1]
        if low is None or running < low:
            low = running
        sums[i] = running
        lowest[i] = low
        flags[i] = running - low >= needed and pains[i][0] > after
    return flags, sums, lowest


def pain_rising(s: Snapshot) -> Finding | None:
    """After day 3, the mean of the last `pain_rise_days` logged days is `pain_rise_points` (the MCID)
    or more above the lowest such mean so far, and has been on `pain_rise_persist_days` logged days in
    a row (one noisy day reaches nobody)."""
    th = s.thresholds
    pains = _logged(s, "pain")
    flags, sums, lowest = _rise_flags(s, pains)
    since = _first_index_on_or_after(pains, s.as_of - datetime.timedelta(days=th.resolve_after_days - 1))
    run = _latest_true_run(flags, since)
    if run is None or run[1] - run[0] + 1 < th.pain_rise_persist_days:
        return None
    first, last = run
    n = th.pain_rise_days
    end_date = pains[last][0]
    window_days = [s.day_of(pains[i][0]) for i in range(last - n + 1, last + 1)]
    # Where the lowest mean was: the first window with that sum, up to `last`.
    low_end = next(i for i in range(n - 1, last + 1) if sums[i] == lowest[last])
    low_days = [s.day_of(pains[i][0]) for i in range(low_end - n + 1, low_end + 1)]
    mean_now = Decimal(sums[last]) / n
    mean_low = Decimal(lowest[last]) / n
    return Finding(
        kind=AlertKind.PAIN_RISING,
        severity=Severity.HIGH,
        evidence_date=end_date,
        recovery_day=s.day_of(end_date),
        message=_clip(
            f"Pain rising: mean {_num(mean_now)} on {_days_phrase(window_days)}, up from {_num(mean_low)} "
            f"on {_days_phrase(low_days)} (a rise of {_num(th.pain_rise_points)} or more matters)"
        ),
        onset=pains[first][0],
        details={"days": window_days, "mean": float(round(mean_now, 2)), "lowest_mean": float(round(mean_low, 2)), "lowest_days": low_days},
    )


@dataclass(frozen=True)
class _Trend:
    """A 7-day trend rule judged at one date: whether it holds (None: too few logged days to say), the
    mean of the logged values and of their days' bounds, how many were logged, and the last of them."""

    holds: bool | None
    mean: Decimal | None = None
    count: int = 0
    expected: Decimal | None = None
    last_logged: datetime.date | None = None


def _trend_at(s: Snapshot, values, date: datetime.date, *, from_day: int, bound, min_logged: int, worse) -> _Trend:
    """The trend of `values` (logged (date, value) pairs) over the window ending at `date`.

    Each logged day is held to its own day's bound: the mean of the values against the mean of their
    bounds, `worse(total, expected, n)` saying which side is the wrong one. (Against the bound of the
    judged day alone, a trailing mean would lag every step of the bound, and raise alerts on normal
    recovery each time the protocol steps.)
    """
    day = s.day_of(date)
    if day < from_day or bound(s.plan, day) is None:
        return _Trend(holds=False)
    window = [(d, v, bound(s.plan, s.day_of(d))) for d, v in _window(values, date, s.thresholds.trend_days)]
    window = [(d, v, b) for d, v, b in window if b is not None]
    if len(window) < max(1, min_logged):
        return _Trend(holds=None, count=len(window))
    total = sum(v for _, v, _ in window)
    expected = sum(b for _, _, b in window)
    n = len(window)
    return _Trend(worse(total, expected, n), Decimal(total) / n, n, Decimal(expected) / n, window[-1][0])


def _pain_trend_at(s: Snapshot, pains, date: datetime.date) -> _Trend:
    th = s.thresholds
    margin = th.pain_trend_margin
    return _trend_at(s, pains, date, from_day=th.pain_trend_from_day, bound=pain_bound,
                     min_logged=th.pain_trend_min_logged_days,
                     worse=lambda total, expected, n: total > expected + margin * n)


def _walking_at(s: Snapshot, walks, date: datetime.date) -> _Trend:
    th = s.thresholds
    return _trend_at(s, walks, date, from_day=th.walking_from_day, bound=walking_bound,
                     min_logged=th.walking_min_logged_days, worse=lambda total, expected, n: total < expected)


def _onset(s: Snapshot, holds_at) -> datetime.date:
    """The first day of the run of days, ending today, on which `holds_at(date)` held."""
    onset = s.as_of
    while onset > s.surgery_date and holds_at(onset - ONE_DAY):
        onset -= ONE_DAY
    return onset


def _expected_phrase(expected: Decimal, bound_today: int | None, *, word: str, day: int) -> str:
    """'5 or less by day 20' when the bound held over the whole window, else the window's own mean."""
    if bound_today is not None and expected == bound_today:
        return f"{_num(expected)} {word} by day {day}"
    return f"a mean of {_num(expected)} {word} over those days (the bound steps to {bound_today} by day {day})"


def _trend_finding(s: Snapshot, values, trend_at, bound, *, kind: str, what: str, unit: str, expected: str, word: str,
                   expected_key: str) -> Finding | None:
    """The finding of a 7-day trend rule judged today, with the first day of the run it holds on (see
    _trend_at). The message: "<what>: mean <m><unit> over days <a> to <b> (<n> logged), expected
    <expected><bound phrase with word> by day <the last logged day>"."""
    trend = trend_at(s, values, s.as_of)
    if not trend.holds:
        return None
    onset = _onset(s, lambda date: trend_at(s, values, date).holds)
    # One week's mean can tip over the bound for a day on noise alone: the trend must persist.
    if (s.as_of - onset).days + 1 < s.thresholds.trend_persist_days:
        return None
    # Every day number in the message is one the nurse can find: the window judged (ending on the
    # date judged), and the bound of the last logged day, which is the alert's own day.
    evidence_day = s.day_of(trend.last_logged)
    first_day = s.day - s.thresholds.trend_days + 1
    phrase = _expected_phrase(trend.expected, bound(s.plan, evidence_day), word=word, day=evidence_day)
    return Finding(
        kind=kind,
        severity=Severity.ROUTINE,
        evidence_date=trend.last_logged,
        recovery_day=evidence_day,
        message=_clip(
            f"{what}: mean {_num(trend.mean)}{unit} over days {first_day} to {s.day} "
            f"({trend.count} logged), expected {expected}{phrase}"
        ),
        onset=onset,
        details={"mean": float(round(trend.mean, 2)), "logged_days": trend.count,
                 expected_key: float(round(trend.expected, 2)), "day": s.day},
    )


def pain_not_improving(s: Snapshot) -> Finding | None:
    """From day 14, the mean of the last 7 days' logged pain is more than `pain_trend_margin` above
    the protocol's upper bound, on `trend_persist_days` days in a row."""
    return _trend_finding(s, _logged(s, "pain"), _pain_trend_at, pain_bound, kind=AlertKind.PAIN_NOT_IMPROVING,
                          what="Pain not improving", unit="", expected="", word="or less", expected_key="expected_max")


def walking_below_expected(s: Snapshot) -> Finding | None:
    """From day 7, the mean of the last 7 days' logged walking is below the protocol's lower bound,
    on at least 4 logged days, on `trend_persist_days` days in a row."""
    return _trend_finding(s, _logged(s, "walking_minutes"), _walking_at, walking_bound, kind=AlertKind.WALKING_BELOW_EXPECTED,
                          what="Walking below expected", unit=" minutes a day", expected="at least ", word="minutes",
                          expected_key="expected_min")


def monitoring_start(s: Snapshot) -> datetime.date:
    """From when absence counts: the latest of surgery, the day the patient was added, and discharge
    (a patient still in hospital, or not yet enrolled, is not missing)."""
    return max(d for d in (s.surgery_date, s.enrolled_on, s.discharge_date) if d is not None)


def _last_pain(s: Snapshot) -> tuple[datetime.date, int] | None:
    for d in reversed(s.days):
        if d.pain is not None:
            return d.date, d.pain
    return None


def usual_gap(s: Snapshot, since: datetime.date) -> int:
    """The patient's own reporting habit: the longest run of full days without a check-in, between
    two check-ins, in the `missed_habit_lookback_days` days up to `since` (the last check-in); 0
    for a patient who has checked in every day (or has no history yet)."""
    start = max(monitoring_start(s), since - datetime.timedelta(days=s.thresholds.missed_habit_lookback_days))
    dates = [d.date for d in s.days if start <= d.date <= since]
    return max(((b - a).days - 1 for a, b in zip(dates, dates[1:], strict=False)), default=0)


def missed_checkins(s: Snapshot) -> Finding | None:
    """No check-in for 2 full days in a row during the first 14 days, 3 after that. High where the
    last pain reported was 7 or more; routine otherwise.

    Counted from the last check-in (any daily record), or from the start of monitoring for a patient
    who never checked in; "during the first 14 days" is judged on the last full day missed. Against
    the patient's own habit (usual_gap): a patient who has skipped N days and come back within the
    last 4 weeks (a weekend skipper: 2) is alerted after N + 1 days, never later than
    `missed_habit_max_days` (3: the 2-day target for true silence holds), so a daily reporter's
    silence is still alerted after 2 days early on.
    """
    th = s.thresholds
    start = monitoring_start(s)
    last_checkin = s.days[-1].date if s.days else None
    since = max(last_checkin, start) if last_checkin else start
    last_full = s.last_full_date
    missed = (last_full - since).days
    if missed <= 0:
        return None
    base = th.missed_days_early if s.day_of(last_full) <= th.missed_early_through_day else th.missed_days_late
    usual = usual_gap(s, since)
    # A gap as long as the patient's usual ones is not yet silence: one day more is, up to the cap.
    needed = max(base, min(usual + 1, th.missed_habit_max_days))
    if missed < needed:
        return None
    last_pain = _last_pain(s)
    high = last_pain is not None and last_pain[1] >= th.missed_high_pain_at
    first_missed = since + ONE_DAY
    if last_checkin is not None and last_checkin >= start:
        where = f"last check-in on day {s.day_of(last_checkin)}"
    else:
        where = f"none since monitoring began on day {s.day_of(start)}"
    pain_note = f", last pain reported {last_pain[1]} on day {s.day_of(last_pain[0])}" if last_pain else ""
    span = f"day {s.day_of(first_missed)}" if missed == 1 else f"days {s.day_of(first_missed)} to {s.day_of(last_full)}"
    return Finding(
        kind=AlertKind.MISSED_CHECKINS,
        severity=Severity.HIGH if high else Severity.ROUTINE,
        evidence_date=last_full,
        recovery_day=s.day_of(last_full),
        message=_clip(f"No check-in for {missed} full days ({span}); {where}{pain_note}"),
        onset=first_missed,
        details={
            "missed_days": missed,
            "since": since.isoformat(),
            "last_checkin": last_checkin.isoformat() if last_checkin else None,
            "last_pain": last_pain[1] if last_pain else None,
        },
    )


def milestones_reached_in(
    days: Iterable[Day], *, discharge_date: datetime.date | None, as_of: datetime.date
) -> dict[str, datetime.date]:
    """The first date each milestone was reported, over days in date order. A logged walk also shows
    the first walk, and a discharge date entered by staff (on or before `as_of`) shows the discharge.
    The engine, the patient's progress and the dashboard all read milestones through this."""
    reached: dict[str, datetime.date] = {}
    for d in days:
        for code in d.milestones:
            reached.setdefault(code, d.date)
        if (d.walking_minutes or d.steps) and Milestone.FIRST_WALK not in reached:
            reached[Milestone.FIRST_WALK] = d.date
    if discharge_date is not None and discharge_date <= as_of:
        reached[Milestone.DISCHARGED] = min(reached.get(Milestone.DISCHARGED, discharge_date), discharge_date)
    return reached


def milestones_reached(s: Snapshot) -> dict[str, datetime.date]:
    """The first date each milestone was reported in the snapshot (milestones_reached_in); a "yes" to
    the question about it counts as reporting it on the day answered (the answer also writes it into
    that day's record, so the dashboard and the patient's progress see the same)."""
    reached = milestones_reached_in(s.days, discharge_date=s.discharge_date, as_of=s.as_of)
    for code, q in s.questions.items():
        if q.answer and q.answered_on is not None and q.answered_on <= s.as_of:
            reached[code] = min(reached.get(code, q.answered_on), q.answered_on)
    return reached


# The rules whose evidence says a patient is off track; with none holding (and checking in), an
# unticked milestone with a hold waits (milestone_state's on_track).
OFF_TRACK_KINDS = (
    AlertKind.PAIN_HIGH, AlertKind.PAIN_RISING, AlertKind.PAIN_NOT_IMPROVING, AlertKind.WALKING_BELOW_EXPECTED,
    AlertKind.MISSED_CHECKINS, AlertKind.OPIOID_PROLONGED,
)


# Before a milestone question, silence is missed_checkins' to raise: the question waits for the
# patient's next check-in instead of turning into a second alert about the same silence.
QUESTION_OFF_TRACK_KINDS = tuple(k for k in OFF_TRACK_KINDS if k != AlertKind.MISSED_CHECKINS)


def on_track(s: Snapshot, kinds: tuple[str, ...] = OFF_TRACK_KINDS) -> bool:
    """Whether the patient checks in and is otherwise on track: no red flag reported in the last
    RED_FLAG_LOOKBACK_DAYS days (alerted or not), and none of `kinds` holding."""
    since = s.as_of - datetime.timedelta(days=RED_FLAG_LOOKBACK_DAYS - 1)
    if any(d.symptoms for d in s.days if d.date >= since):
        return False
    return not judge(s, kinds)


def question_expired(s: Snapshot, q: Question) -> bool:
    """An unanswered question has expired when `milestone_answer_days` days, counted from the day it
    was asked, have ended, and the patient has checked in since it was asked (so was shown it, in the
    reminder, the SMS answer or the check-in, and left it): silence with no check-in at all is
    missed_checkins' to raise."""
    end = q.asked_on + datetime.timedelta(days=max(1, s.thresholds.milestone_answer_days) - 1)
    return s.last_full_date >= end and any(d.date >= q.asked_on for d in s.days)


def _milestone_judgement(s: Snapshot) -> tuple[dict[str, str], tuple[str, ...]]:
    """(each milestone's state, the milestones whose question is owed now): see milestone_states."""
    reached = milestones_reached(s)
    day = s.day_of(s.last_full_date) + 1
    last_checkin_day = s.day_of(s.days[-1].date) if s.days else None
    added_day = s.day_of(max(s.surgery_date, s.enrolled_on or s.surgery_date))
    track: dict[str, bool] = {}  # computed once each, and only when a hold or a question could matter

    def tracked(name: str, kinds) -> bool:
        if name not in track:
            track[name] = on_track(s, kinds)
        return track[name]

    def state(m, *, held: bool) -> str:
        return milestone_state(
            m,
            day=day,
            reached_day=s.day_of(reached[m.code]) if m.code in reached else None,
            monitored_from_day=added_day,
            last_report_day=last_checkin_day,
            on_track=held,
        )

    states = {m.code: state(m, held=False) for m in s.plan.milestones}
    owed: list[str] = []
    # A milestone overdue with neither a hold nor a question (a first walk not shown) is itself off track.
    unheld_overdue = any(
        states[m.code] == "overdue" and not m.hold_days and not m.ask_patient for m in s.plan.milestones if m.code != OPIOID_MILESTONE
    )
    for m in s.plan.milestones:
        if m.ask_patient and not m.alert_when_overdue and states[m.code] == "late" and not unheld_overdue:
            # Asked, though silence never alerts: only the patient's own "no" does.
            if state(replace(m, alert_when_overdue=True), held=False) != "overdue":
                continue
            q = s.questions.get(m.code)
            if q is None:
                if tracked("question", QUESTION_OFF_TRACK_KINDS):
                    owed.append(m.code)
            elif q.answer is False:
                states[m.code] = "overdue"
            continue
        if states[m.code] != "overdue" or unheld_overdue:
            continue
        if m.ask_patient:
            q = s.questions.get(m.code)
            if not tracked("question", QUESTION_OFF_TRACK_KINDS):
                continue  # other evidence deviates: overdue at once
            if q is None:
                owed.append(m.code)
                states[m.code] = "late"
            elif q.answer is None and not question_expired(s, q):
                states[m.code] = "late"
            # a "no", or a question left unanswered past its time: overdue
        elif m.hold_days:
            states[m.code] = state(m, held=tracked("hold", OFF_TRACK_KINDS))
    return states, tuple(owed)


def milestone_states(s: Snapshot) -> dict[str, str]:
    """Each milestone's state (recovery.protocols.milestone_state) on the day running after the last
    full day: the one answer of the engine, the dashboard and the patient's progress.

    A milestone is judged on what the patient reports: the patient has checked in on or after the
    overdue day without reporting it (silence is missed_checkins' to raise, not a milestone's); a
    milestone whose overdue day had passed before the patient was added is not judged. Walking or
    steps logged show the first walk (milestones_reached_in); a "yes" to its question reaches it.
    1. A milestone that asks the patient first (MilestoneWindow.ask_patient), overdue while the
       patient is otherwise on track (no red flag in 7 days, no pain, walking or opioid rule holding),
       is late, not overdue: its question is owed (milestone_questions_owed), then asked; it becomes
       overdue on a "no", when the question is left unanswered past its time (question_expired), or
       as soon as other evidence deviates.
       A milestone that asks but does not alert when overdue (normal diet, by clinical.md) is asked
       the same way; only a "no" makes it overdue, never silence nor other evidence.
    2. One with a hold (MilestoneWindow.hold_days) and no question waits that long past its overdue
       day while the patient is on_track.
    3. With a first walk overdue (neither held nor asked), the others are overdue at once.
    """
    return _milestone_judgement(s)[0]


def milestone_questions_owed(s: Snapshot) -> tuple[str, ...]:
    """The milestones whose question should be asked now (milestone_states, 1.): the engine records
    each once, and the patient is asked in the next reminder, SMS answer or web check-in."""
    return _milestone_judgement(s)[1]


def _question_phrase(s: Snapshot, code: str) -> str:
    q = s.questions.get(code)
    if q is None:
        return ""
    if q.answer is False:
        return f"; asked on day {s.day_of(q.asked_on)}, the patient answered no on day {s.day_of(q.answered_on or q.asked_on)}"
    if q.answer is None and question_expired(s, q):
        return f"; asked on day {s.day_of(q.asked_on)}, no answer within {s.thresholds.milestone_answer_days} days"
    return f"; asked on day {s.day_of(q.asked_on)}, not answered yet"


def milestone_overdue(s: Snapshot) -> Finding | None:
    """A milestone marked "alert when overdue" in milestone_states' "overdue". Routine; high for
    first_walk and discharged, unless held while on track (the patient checking in from home, with
    pain and walking as expected, is not in hospital: the held alert is then routine)."""
    states = milestone_states(s)
    overdue = [m for m in s.plan.milestones if m.code != OPIOID_MILESTONE and states.get(m.code) == "overdue"]
    if not overdue:
        return None
    holds = [m for m in overdue if m.hold_days and not m.ask_patient]
    held = bool(holds) and len(holds) == len(overdue) and on_track(s)
    due_days = {m.code: m.overdue_after + (m.hold_days if held else 0) for m in overdue}
    newest = max(due_days.values())
    codes = [m.code for m in overdue]
    high = any(m.code in HIGH_MILESTONES and not (held and m.hold_days) for m in overdue)
    parts = [
        f"{_milestone_label(m.code)} (expected by day {m.expected_by}, overdue after day {m.overdue_after}"
        + (f", held {m.hold_days} days while on track" if held and m.hold_days else "")
        + _question_phrase(s, m.code)
        + ")"
        for m in overdue
    ]
    return Finding(
        kind=AlertKind.MILESTONE_OVERDUE,
        severity=Severity.HIGH if high else Severity.ROUTINE,
        evidence_date=s.date_of(newest),
        recovery_day=newest,
        message=_clip("Not reported yet: " + "; ".join(parts)),
        onset=s.date_of(newest),
        keys=frozenset(codes),
        details={"milestones": codes},
    )


def _opioid_state(s: Snapshot) -> tuple[bool, datetime.date | None, datetime.date | None, datetime.date | None]:
    """(on opioids now, first date of the current run of use, last date use was reported, date stopped)."""
    on = False
    run_start = last_use = stopped = None
    for d in s.days:
        if OPIOID_MILESTONE in d.milestones or d.opioid_use is False:
            # The milestone reported the same day as use means the patient stopped that day.
            on, run_start, stopped = False, None, d.date
        elif d.opioid_use:
            if not on:
                run_start = d.date
            on, last_use = True, d.date
    return on, run_start, last_use, stopped


def opioid_prolonged(s: Snapshot) -> Finding | None:
    """opioid_use still reported after the off_opioids overdue day. Routine."""
    window = s.plan.milestone(OPIOID_MILESTONE)
    if window is None or window.overdue_after is None:
        return None
    on, run_start, last_use, _ = _opioid_state(s)
    if not on or s.day_of(last_use) <= window.overdue_after:
        return None
    onset = max(run_start, s.date_of(window.overdue_after + 1))
    return Finding(
        kind=AlertKind.OPIOID_PROLONGED,
        severity=Severity.ROUTINE,
        evidence_date=last_use,
        recovery_day=s.day_of(last_use),
        message=_clip(
            f"Still taking opioids on day {s.day_of(last_use)} "
            f"(expected off by day {window.expected_by}, overdue after day {window.overdue_after})"
        ),
        onset=onset,
        details={"last_use_day": s.day_of(last_use), "expected_by": window.expected_by, "overdue_after": window.overdue_after},
    )


def judge(s: Snapshot, kinds: Iterable[str] | None = None) -> dict[str, Finding]:
    """Run the rules (all, or those of `kinds`) over one snapshot: {kind: finding} for each that holds."""
    findings = {}
    for kind in kinds if kinds is not None else RULES:
        finding = RULES[kind].find(s)
        if finding is not None:
            findings[kind] = finding
    return findings


# -- when the evidence has gone -------------------------------------------------------------------

def _pain_settled(s: Snapshot, flags_for_rule) -> str | None:
    """Pain back under the bound for `resolve_after_days`: every logged pain of those days within the
    day's bound, with at least `resolve_min_logged_days` of them, and the rule holding on none."""
    th = s.thresholds
    pains = _logged(s, "pain")
    window = _window(pains, s.as_of, th.resolve_after_days)
    if len(window) < th.resolve_min_logged_days:
        return None
    for date, pain in window:
        bound = pain_bound(s.plan, s.day_of(date))
        if bound is not None and pain > bound:
            return None
    if flags_for_rule is not None:
        since = _first_index_on_or_after(pains, s.as_of - datetime.timedelta(days=th.resolve_after_days - 1))
        if any(flags_for_rule(s, pains)[since:]):
            return None
    return (
        f"Pain back within the expected range for {th.resolve_after_days} days "
        f"({len(window)} logged, last {window[-1][1]} on day {s.day_of(window[-1][0])})"
    )


def _high_flags(s: Snapshot, pains) -> list[bool]:
    th = s.thresholds
    return [s.day_of(date) > th.pain_rules_after_day and pain >= th.pain_high_at for date, pain in pains]


def _trend_flags(s: Snapshot, pains) -> list[bool]:
    return [bool(_pain_trend_at(s, pains, date).holds) for date, _ in pains]


def _red_flag_gone(s: Snapshot, alert: AlertView) -> str | None:
    return None  # a red flag never goes by itself: a nurse resolves it


def _pain_high_gone(s: Snapshot, alert: AlertView) -> str | None:
    return _pain_settled(s, _high_flags)


def _pain_rising_gone(s: Snapshot, alert: AlertView) -> str | None:
    return _pain_settled(s, lambda s, pains: _rise_flags(s, pains)[0])


def _pain_not_improving_gone(s: Snapshot, alert: AlertView) -> str | None:
    return _pain_settled(s, _trend_flags)


def _walking_gone(s: Snapshot, alert: AlertView) -> str | None:
    trend = _walking_at(s, _logged(s, "walking_minutes"), s.as_of)
    if trend.holds is False and trend.mean is not None:
        return (f"Walking back at the expected level: mean {_num(trend.mean)} minutes a day over {trend.count} logged days "
                f"(expected at least {_num(trend.expected)})")
    return None


def _missed_checkins_gone(s: Snapshot, alert: AlertView) -> str | None:
    since = (alert.details or {}).get("since")
    later = [d.date for d in s.days if since is None or d.date.isoformat() > since]
    if later:
        return f"Check-ins resumed on day {s.day_of(later[0])}"
    return None


def _milestone_overdue_gone(s: Snapshot, alert: AlertView) -> str | None:
    if milestone_overdue(s) is not None:
        return None
    reached = milestones_reached(s)
    codes = (alert.details or {}).get("milestones") or []
    done = [f"{_milestone_label(c)} on day {s.day_of(reached[c])}" for c in codes if c in reached]
    return "Milestone reached: " + "; ".join(done) if done else "No milestone is overdue any more"


def _opioid_prolonged_gone(s: Snapshot, alert: AlertView) -> str | None:
    on, _, _, stopped = _opioid_state(s)
    if not on and stopped is not None:
        return f"Opioids stopped (reported on day {s.day_of(stopped)})"
    return None


# -- the rules, one record each ---------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """One deviation rule: the alert kind it raises, its finder, the test of whether the evidence of an
    alert it raised has gone, and whether a check-in's own evidence is judged by it within seconds (the
    judging batches) or only by the sweep (what needs time or absence)."""

    kind: str
    find: Callable[[Snapshot], Finding | None]
    gone: Callable[[Snapshot, AlertView], str | None]
    on_checkin: bool


RULES: dict[str, Rule] = {
    rule.kind: rule
    for rule in (
        # Red flags are also decided in the check-in's own transaction (red_flag_finding); the batch
        # and the sweep are the net under that path.
        Rule(AlertKind.RED_FLAG, red_flag, _red_flag_gone, on_checkin=True),
        Rule(AlertKind.PAIN_HIGH, pain_high, _pain_high_gone, on_checkin=True),
        Rule(AlertKind.PAIN_RISING, pain_rising, _pain_rising_gone, on_checkin=True),
        Rule(AlertKind.PAIN_NOT_IMPROVING, pain_not_improving, _pain_not_improving_gone, on_checkin=False),
        Rule(AlertKind.WALKING_BELOW_EXPECTED, walking_below_expected, _walking_gone, on_checkin=False),
        Rule(AlertKind.MISSED_CHECKINS, missed_checkins, _missed_checkins_gone, on_checkin=False),
        Rule(AlertKind.MILESTONE_OVERDUE, milestone_overdue, _milestone_overdue_gone, on_checkin=False),
        # Opioid use reported past the overdue day is the check-in's own evidence: judged at once, it
        # reaches the nurse the same evening instead of after the next local midnight.
        Rule(AlertKind.OPIOID_PROLONGED, opioid_prolonged, _opioid_prolonged_gone, on_checkin=True),
    )
}
# The check-in's own evidence (what it reports, not what is missing or a week's trend).
CHECKIN_KINDS = frozenset(kind for kind, rule in RULES.items() if rule.on_checkin)


def evidence_gone(kind: str, s: Snapshot, alert: AlertView) -> str | None:
    """Why the evidence of an open alert has gone, or None while it stands (or nothing can be said)."""
    rule = RULES.get(kind)
    return rule.gone(s, alert) if rule is not None else None


def merge(active: AlertView, finding: Finding, surgery_date: datetime.date) -> Finding:
    """New evidence for an alert that stands: the alert keeps its worst severity, and a red-flag alert
    carries every report it has been given."""
    severity = most_severe(active.severity, finding.severity)
    if finding.kind != AlertKind.RED_FLAG:
        return replace(finding, severity=severity)
    earlier = [r for r in (active.details or {}).get("reports") or [] if f"{r[0]}:{r[1]}" not in finding.keys]
    reports = earlier + list(finding.details["reports"])
    keys = frozenset(f"{r[0]}:{r[1]}" for r in reports)
    return Finding(
        kind=finding.kind,
        severity=severity,
        evidence_date=max(finding.evidence_date, active.evidence_date),
        recovery_day=max(finding.recovery_day, active.recovery_day),
        message=red_flag_message(surgery_date, [(datetime.date.fromisoformat(r[0]), r[1]) for r in reports]),
        onset=finding.onset,
        keys=keys,
        details={"reports": reports},
    )
