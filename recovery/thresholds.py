"""The numbers of the deviation rules (clinical.md, "Default deviation rules"), as one plain value.

They are stored per protocol (RecoveryProtocol's fields of the same names, editable in the admin); the
defaults here are those of clinical.md and seed the fields, so the rules never hold a number of their own.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RuleThresholds:
    # pain_high and pain_rising are judged only after this post-operative day.
    pain_rules_after_day: int = 3
    # pain_high: worst pain at or above this, on this many logged days in a row.
    pain_high_at: int = 8
    pain_high_days: int = 2
    # pain_rising: the mean of the last `pain_rise_days` logged days this far (the MCID) or more above
    # the lowest such mean so far. clinical.md says 3 days; 5 smooths day-to-day noise of 2 points
    # either way, which made a 3-day mean rise by the MCID on noise alone (docs/alert-quality.md).
    pain_rise_points: Decimal = Decimal("2.0")
    pain_rise_days: int = 5
    # ... and the rise must hold on this many logged days in a row: one noisy day reaches nobody.
    pain_rise_persist_days: int = 3
    # pain_not_improving and walking_below_expected look at the logged values of the last `trend_days`.
    trend_days: int = 7
    pain_trend_from_day: int = 14
    pain_trend_min_logged_days: int = 1
    walking_from_day: int = 7
    walking_min_logged_days: int = 4
    # Both trends must hold on this many days in a row before they alert, and pain_not_improving's
    # mean must be more than `pain_trend_margin` points above the bound (a week's mean of noisy
    # reports at the bound itself is normal recovery).
    # (4 since the second held-out sets: docs/alert-quality.md.)
    trend_persist_days: int = 4
    pain_trend_margin: Decimal = Decimal("0.3")
    # missed_checkins: this many full days without a check-in up to `missed_early_through_day`,
    # `missed_days_late` after it; high when the last pain reported was at or above `missed_high_pain_at`.
    # (clinical.md's 2 days early on makes a weekend without a check-in an alert; docs/alert-quality.md
    # measures what 3 would change. It stays 2 here; a clinic may set 3 in its protocol.)
    missed_days_early: int = 2
    missed_days_late: int = 3
    missed_early_through_day: int = 14
    missed_high_pain_at: int = 7
    # ... and against the patient's own habit: after a usual gap of N days (the longest between two
    # check-ins in the last `missed_habit_lookback_days`), N + 1 days are needed, at most this many.
    missed_habit_max_days: int = 3
    missed_habit_lookback_days: int = 28
    # milestone_overdue: a patient asked whether a milestone was reached, and checking in without
    # answering, is alerted once this many days, counted from the day asked, have ended unanswered.
    milestone_answer_days: int = 2
    # The system resolves a pain alert once pain has been back under the bound for `resolve_after_days`
    # (with at least `resolve_min_logged_days` logged pain values in them, so silence is not recovery).
    resolve_after_days: int = 7
    resolve_min_logged_days: int = 3


DEFAULT_THRESHOLDS = RuleThresholds()
