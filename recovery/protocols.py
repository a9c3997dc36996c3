"""The expected timeline of a procedure as a plain, immutable plan, loaded from the protocol tables.

Rules, the progress view and the dashboard read bounds and milestone windows through this one shape,
so no database call hides inside a rule.
"""

import datetime
from dataclasses import dataclass, fields
from functools import cached_property

from recovery.choices import Measure, Milestone
from recovery.models import RecoveryProtocol
from recovery.thresholds import DEFAULT_THRESHOLDS, RuleThresholds


@dataclass(frozen=True)
class MilestoneWindow:
    code: str
    expected_from: int
    expected_by: int
    overdue_after: int | None
    alert_when_overdue: bool
    # Days the alert is held past the overdue day while the patient checks in and is otherwise on
    # track (rules.on_track): a box left unticked by a patient who is fine is not a nurse's call.
    hold_days: int = 0
    # Whether the patient is asked ("Have you been able to eat normally?") before the nurse is
    # alerted, while the patient checks in and is otherwise on track (rules.milestone_states). When
    # set, the question takes the place of the hold.
    ask_patient: bool = False

    @property
    def label(self) -> str:
        return Milestone(self.code).label


@dataclass(frozen=True)
class ProtocolPlan:
    procedure: str
    name: str
    program_days: int
    milestones: tuple[MilestoneWindow, ...]
    # (from_day, value) steps, sorted by from_day.
    pain_bands: tuple[tuple[int, int], ...]
    walking_bands: tuple[tuple[int, int], ...]
    # The numbers of the deviation rules for this protocol.
    thresholds: RuleThresholds = DEFAULT_THRESHOLDS

    @staticmethod
    def _step(bands: tuple[tuple[int, int], ...], day: int) -> int | None:
        value = None
        for from_day, bound in bands:
            if from_day > day:
                break
            value = bound
        return value

    @cached_property
    def _by_day(self) -> tuple[tuple[int | None, ...], tuple[int | None, ...]]:
        # The rules ask for bounds thousands of times a sweep: look them up, day by day, once per plan.
        # (cached_property writes to the instance dict, which a frozen dataclass allows.)
        days = range(self.program_days + 1)
        return tuple(self._step(self.pain_bands, d) for d in days), tuple(self._step(self.walking_bands, d) for d in days)

    def pain_max(self, day: int) -> int | None:
        """The expected upper bound of the day's worst pain, or None before the first band."""
        table = self._by_day[0]
        return table[day] if 0 <= day < len(table) else self._step(self.pain_bands, day)

    def walking_min(self, day: int) -> int | None:
        """The expected lower bound of the day's walking minutes, or None (day 0)."""
        table = self._by_day[1]
        return table[day] if 0 <= day < len(table) else self._step(self.walking_bands, day)

    def milestone(self, code: str) -> MilestoneWindow | None:
        return next((m for m in self.milestones if m.code == code), None)


MILESTONE_STATES = ("reached", "upcoming", "due", "late", "overdue")


def milestone_state(
    window: MilestoneWindow,
    *,
    day: int,
    reached_day: int | None,
    monitored_from_day: int = 0,
    last_report_day: int | None = None,
    on_track: bool = False,
) -> str:
    """Where a milestone stands on post-operative `day` (the day running): the one answer that the
    milestone_overdue rule, the dashboard and the patient's progress all give.

    1. reached: reported (or shown by other evidence, rules.milestones_reached_in) on or before `day`;
    2. upcoming: before its expected window;
    3. overdue: its overdue day has ended without it, the protocol asks for an alert then, the patient
       was being monitored on that day (`monitored_from_day`, the day the patient was added), and has
       checked in since (`last_report_day`, the day of the last check-in, at or after the overdue day;
       None: never). While the patient is `on_track` (checking in, no other rule holding), a milestone
       with `hold_days` becomes overdue only that many days after its overdue day. This is when the
       engine raises milestone_overdue;
    4. late: past its window (or its overdue day) in any other case: a nurse may ask, nobody is alerted;
    5. due: inside its window.
    """
    if reached_day is not None and reached_day <= day:
        return "reached"
    if day < window.expected_from:
        return "upcoming"
    if (
        window.overdue_after is not None
        and day > window.overdue_after + (window.hold_days if on_track else 0)
        and window.alert_when_overdue
        and monitored_from_day <= window.overdue_after
        and last_report_day is not None
        and last_report_day >= window.overdue_after
    ):
        return "overdue"
    if day > window.expected_by or (window.overdue_after is not None and day > window.overdue_after):
        return "late"
    return "due"


def _plan(protocol: RecoveryProtocol) -> ProtocolPlan:
    bands = sorted(protocol.bands.all(), key=lambda b: b.from_day)
    return ProtocolPlan(
        procedure=protocol.procedure,
        name=protocol.name,
        program_days=protocol.program_days,
        milestones=tuple(
            MilestoneWindow(m.milestone, m.expected_from, m.expected_by, m.overdue_after, m.alert_when_overdue, m.hold_days_while_on_track,
                            m.ask_patient_when_overdue)
            for m in sorted(protocol.milestones.all(), key=lambda m: (m.expected_from, m.expected_by, m.id))
        ),
        pain_bands=tuple((b.from_day, b.value) for b in bands if b.measure == Measure.PAIN_MAX),
        walking_bands=tuple((b.from_day, b.value) for b in bands if b.measure == Measure.WALKING_MIN),
        thresholds=RuleThresholds(**{f.name: getattr(protocol, f.name) for f in fields(RuleThresholds)}),
    )


def protocol_plans() -> dict[str, ProtocolPlan]:
    """Every procedure's plan, in three queries (protocols, milestones, bands)."""
    return {p.procedure: _plan(p) for p in RecoveryProtocol.objects.prefetch_related("milestones", "bands")}


def protocol_plan(procedure: str) -> ProtocolPlan:
    """One procedure's plan, in three queries. Raises RecoveryProtocol.DoesNotExist without one."""
    return _plan(RecoveryProtocol.objects.prefetch_related("milestones", "bands").get(procedure=procedure))


def recovery_day(*, surgery_date: datetime.date, date: datetime.date) -> int:
    return (date - surgery_date).days
