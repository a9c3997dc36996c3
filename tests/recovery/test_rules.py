"""The deviation rules, case by case, with their edges: pure functions, no database.

The plans are built from the same default numbers as the protocol migration, without a database.
"""

import datetime
import importlib
from decimal import Decimal

import pytest

from recovery.protocols import MilestoneWindow, ProtocolPlan
from recovery.rules import AlertView, Day, Question, Snapshot, evidence_gone, judge, merge
from recovery.thresholds import DEFAULT_THRESHOLDS

_defaults = importlib.import_module("recovery.migrations.0002_default_protocols")
SURGERY = datetime.date(2026, 3, 2)


# clinical.md's own numbers, before the persistence and smoothing tuned in docs/alert-quality.md: the
# cases below that test a rule's mechanism use them; TUNED plans use the shipped defaults.
CLINICAL_MD = {"pain_rise_days": 3, "pain_rise_persist_days": 1, "trend_persist_days": 1, "pain_trend_margin": Decimal("0"),
               }


def plan(procedure="mis_lumbar_fusion", *, holds=None, asks=(), **threshold_changes):
    name, pain, walking = _defaults.PROTOCOLS[procedure]
    milestones = tuple(
        sorted(
            (MilestoneWindow(code, *windows[procedure], alert, 0 if code in asks else (holds or {}).get(code, 0), code in asks)
             for code, (alert, windows) in _defaults.MILESTONES.items()),
            key=lambda m: (m.expected_from, m.expected_by),
        )
    )
    from dataclasses import replace

    return ProtocolPlan(
        procedure=procedure,
        name=name,
        program_days=90,
        milestones=milestones,
        pain_bands=tuple(pain),
        walking_bands=tuple(walking),
        thresholds=replace(DEFAULT_THRESHOLDS, **threshold_changes),
    )


PLANS = {p: plan(p, **CLINICAL_MD) for p in _defaults.PROTOCOLS}
_holds = importlib.import_module("recovery.migrations.0010_quality_persistence_and_holds").HOLDS
_asks = tuple(importlib.import_module("recovery.migrations.0012_milestone_questions").SHIPPED_HOLDS)
# The shipped protocols: the holds of 0010, replaced by the question before the alert in 0011.
HELD = {p: plan(p, holds=_holds) for p in _defaults.PROTOCOLS}
TUNED = {p: plan(p, holds=_holds, asks=_asks) for p in _defaults.PROTOCOLS}


def snap(as_of_day, days=None, *, procedure="mis_lumbar_fusion", day_ended=True, enrolled_day=0, discharge_day=None, **kw):
    """A snapshot as of `as_of_day`; `days` maps a post-operative day to the fields logged that day
    (a bare int is a pain value). Every day gets a record with walking and first_walk/discharged unless
    told otherwise, so each rule is tested alone."""
    records = []
    for day, fields in sorted((days or {}).items()):
        if isinstance(fields, int):
            fields = {"pain": fields}
        fields = dict(fields)
        for name in ("symptoms", "milestones"):
            fields[name] = tuple(fields.get(name, ()))
        records.append(Day(date=SURGERY + datetime.timedelta(days=day), **fields))
    return Snapshot(
        surgery_date=SURGERY,
        procedure=procedure,
        plan=kw.pop("plan", None) or PLANS[procedure],
        as_of=SURGERY + datetime.timedelta(days=as_of_day),
        days=tuple(records),
        day_ended=day_ended,
        enrolled_on=SURGERY + datetime.timedelta(days=enrolled_day),
        discharge_date=SURGERY + datetime.timedelta(days=discharge_day) if discharge_day is not None else None,
        **kw,
    )


def every_day(first, last, **fields):
    return {d: dict(fields) for d in range(first, last + 1)}


def found(kind, s):
    return judge(s, [kind]).get(kind)


# -- pain_high ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "as_of", "pains", "expected"),
    [
        ("days 3 and 4: day 3 is not after day 3", 4, {3: 8, 4: 8}, None),
        ("days 4 and 5: both after day 3", 5, {4: 8, 5: 8}, "Pain 8 or more on days 4 and 5 (expected 7 or less)"),
        ("two days in a row", 10, {9: 8, 10: 9}, "Pain 8 or more on days 9 and 10 (expected 6 or less)"),
        ("two apart, a lower day between", 11, {9: 8, 10: 5, 11: 8}, None),
        ("two apart, no pain logged between: still in a row of logged days", 11, {9: 8, 11: 8}, "Pain 8 or more on days 9 and 11 (expected 6 or less)"),
        ("exactly at the bound of 8", 10, {9: 8, 10: 8}, "Pain 8 or more on days 9 and 10 (expected 6 or less)"),
        ("just under the bound", 10, {9: 7, 10: 8}, None),
        ("one high day only", 10, {10: 10}, None),
        ("the second high day is after the date judged", 9, {9: 8, 10: 8}, None),
        ("a row that ended 7 days ago still stands", 16, {9: 8, 10: 8, 11: 3}, "Pain 8 or more on days 9 and 10 (expected 6 or less)"),
        ("a row that ended 8 days ago is past", 18, {9: 8, 10: 8, 11: 3}, None),
        ("a long row", 16, {9: 8, 10: 8, 11: 9, 12: 8, 13: 10}, "Pain 8 or more on days 9 to 13 (5 logged) (expected 6 or less)"),
    ],
)
def test_pain_high(case, as_of, pains, expected):
    finding = found("pain_high", snap(as_of, pains))
    assert (finding.message if finding else None) == expected, case
    if finding:
        assert finding.severity == "high"


def test_pain_high_evidence_is_the_last_day_of_the_row():
    finding = found("pain_high", snap(12, {9: 8, 10: 8, 11: 4, 12: 4}))
    assert (finding.recovery_day, finding.evidence_date, finding.onset) == (10, SURGERY + datetime.timedelta(days=10), SURGERY + datetime.timedelta(days=9))


# -- pain_rising ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "as_of", "pains", "holds"),
    [
        ("a rise of exactly 2 points", 9, {4: 2, 5: 2, 6: 2, 7: 4, 8: 4, 9: 4}, True),
        ("a rise of 1.7 points", 9, {4: 2, 5: 2, 6: 2, 7: 4, 8: 4, 9: 3}, False),
        ("the rise ends on day 3: not after day 3", 3, {0: 1, 1: 1, 2: 5, 3: 5}, False),
        ("the rise ends on day 4", 4, {0: 1, 1: 1, 2: 1, 3: 3, 4: 5}, True),
        ("the lowest mean is found among early days too", 12, {0: 2, 1: 2, 2: 2, 10: 4, 11: 4, 12: 5}, True),
        ("logged days, not calendar days, make the 3-day mean", 20, {4: 3, 6: 3, 9: 3, 15: 5, 18: 5, 20: 5}, True),
        ("falling pain never rises", 20, {d: max(8 - d // 2, 1) for d in range(0, 21)}, False),
        ("the rise is logged after the date judged", 6, {4: 2, 5: 2, 6: 2, 7: 6, 8: 6, 9: 6}, False),
        ("fewer than 3 logged days", 9, {8: 1, 9: 9}, False),
    ],
)
def test_pain_rising(case, as_of, pains, holds):
    finding = found("pain_rising", snap(as_of, pains))
    assert (finding is not None) == holds, case
    if finding:
        assert finding.severity == "high"


def test_pain_rising_says_what_rose_from_what():
    finding = found("pain_rising", snap(9, {4: 2, 5: 2, 6: 2, 7: 4, 8: 4, 9: 4}))
    assert finding.message == "Pain rising: mean 4 on days 7, 8 and 9, up from 2 on days 4, 5 and 6 (a rise of 2 or more matters)"
    assert finding.onset == SURGERY + datetime.timedelta(days=9)


def test_pain_rising_follows_the_protocols_mcid():
    acdf_like = plan("acdf", pain_rise_points=3)
    pains = {4: 2, 5: 2, 6: 2, 7: 4, 8: 4, 9: 4}
    assert found("pain_rising", snap(9, pains, procedure="acdf", plan=acdf_like)) is None
    assert found("pain_rising", snap(9, pains, procedure="acdf")) is not None


# -- pain_not_improving ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "as_of", "pains", "holds"),
    [
        ("day 13: judged from day 14 only", 13, every_day(7, 13, pain=7), False),
        ("day 14, mean 7 above the bound of 6", 14, every_day(8, 14, pain=7), True),
        ("day 14, mean exactly at the bound of 6", 14, every_day(8, 14, pain=6), False),
        # Each logged day is held to its own bound: days 9-14 expect 6 or less, day 15 expects 5.
        ("day 15, pain 5 every day: under the bounds of those days", 15, every_day(9, 15, pain=5), False),
        ("day 15, pain 6 every day: above the mean bound of 5.9", 15, every_day(9, 15, pain=6), True),
        ("day 21, pain 5 every day since the step to 5", 21, every_day(15, 21, pain=5), False),
        ("day 21, one day at 6 lifts the mean above 5", 21, {**every_day(15, 21, pain=5), 18: 6}, True),
        ("only logged days count in the mean", 20, {14: 6, 17: 6, 20: 6}, True),
        ("a high week that ended before the window", 30, {**every_day(14, 22, pain=8), **every_day(24, 30, pain=3)}, False),
        ("the days after the date judged are not seen", 14, {**every_day(8, 14, pain=6), 15: 10}, False),
    ],
)
def test_pain_not_improving(case, as_of, pains, holds):
    finding = found("pain_not_improving", snap(as_of, pains))
    assert (finding is not None) == holds, case


def test_pain_not_improving_uses_the_open_fusion_bounds():
    pains = every_day(14, 22, pain=6)
    assert found("pain_not_improving", snap(22, pains, procedure="mis_lumbar_fusion")) is not None  # bound 5
    assert found("pain_not_improving", snap(22, pains, procedure="open_lumbar_fusion")) is None  # bound 6
    finding = found("pain_not_improving", snap(22, pains))
    assert finding.message == "Pain not improving: mean 6 over days 16 to 22 (7 logged), expected 5 or less by day 22"
    assert finding.severity == "routine"
    # Day 15's window held six days at 6 against a bound of 6 and one against 5: it held from day 15.
    assert finding.onset == SURGERY + datetime.timedelta(days=15)


def test_pain_not_improving_across_a_step_of_the_bound_says_so():
    finding = found("pain_not_improving", snap(16, every_day(10, 16, pain=6)))
    assert finding.message == (
        "Pain not improving: mean 6 over days 10 to 16 (7 logged), "
        "expected a mean of 5.7 or less over those days (the bound steps to 5 by day 16)"
    )


@pytest.mark.parametrize(
    ("case", "as_of", "last_logged", "message"),
    [
        # The alert's day is the last logged day; its bound is that day's, and the window is named.
        ("logged on the day judged", 77, 77, "mean 5 over days 71 to 77 (7 logged), expected 3 or less by day 77"),
        ("last logged the day before", 77, 76, "mean 5 over days 71 to 77 (6 logged), expected 3 or less by day 76"),
        ("last logged two days before", 77, 75, "mean 5 over days 71 to 77 (5 logged), expected 3 or less by day 75"),
        # Day 14, the first day judged: its window is days 8 to 14, under a bound of 6 throughout.
        ("the first day judged", 14, 14, "mean 7 over days 8 to 14 (7 logged), expected 6 or less by day 14"),
    ],
)
def test_the_day_numbers_of_a_trend_message_are_those_of_its_evidence(case, as_of, last_logged, message):
    pain = 5 if as_of == 77 else 7
    finding = found("pain_not_improving", snap(as_of, every_day(as_of - 6, last_logged, pain=pain)))
    assert finding.message == "Pain not improving: " + message, case
    assert finding.recovery_day == last_logged, case


# -- walking_below_expected -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "as_of", "walks", "holds"),
    [
        ("day 6: judged from day 7 only", 6, every_day(1, 6, walking_minutes=1), False),
        ("day 7, mean 9 under the bound of 10 on 4 logged days", 7, every_day(4, 7, walking_minutes=9), True),
        ("day 7, only 3 logged days", 7, every_day(5, 7, walking_minutes=1), False),
        ("day 7, mean exactly at the bound of 10", 7, every_day(1, 7, walking_minutes=10), False),
        # Each logged day is held to its own floor: 10 on days 4-7, 15 from day 8.
        ("day 8, 12 minutes a day: above the floors of days 4-7", 8, every_day(4, 8, walking_minutes=12), False),
        ("day 14, 12 minutes a day, all under the floor of 15", 14, every_day(8, 14, walking_minutes=12), True),
        ("walking logged after the date judged is not seen", 7, {**every_day(4, 6, walking_minutes=2), 8: {"walking_minutes": 2}}, False),
    ],
)
def test_walking_below_expected(case, as_of, walks, holds):
    finding = found("walking_below_expected", snap(as_of, walks))
    assert (finding is not None) == holds, case


def test_walking_below_expected_for_an_open_fusion_uses_its_own_floor():
    walks = every_day(8, 14, walking_minutes=12)
    assert found("walking_below_expected", snap(14, walks, procedure="open_lumbar_fusion")) is None  # floor 10
    finding = found("walking_below_expected", snap(14, walks))
    assert finding.message == "Walking below expected: mean 12 minutes a day over days 8 to 14 (7 logged), expected at least 15 minutes by day 14"
    # Walking last logged on day 13, judged on day 14: the bound of day 13 (15) by day 13.
    finding = found("walking_below_expected", snap(14, every_day(8, 13, walking_minutes=12)))
    assert finding.message == "Walking below expected: mean 12 minutes a day over days 8 to 14 (6 logged), expected at least 15 minutes by day 13"
    assert finding.recovery_day == 13


# -- missed_checkins ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "as_of", "days", "kw", "expected"),
    [
        ("one full day missed", 6, {5: 3}, {}, None),
        ("two full days missed, early", 7, {5: 3}, {}, ("routine", 2)),
        ("two missed while the second day is still running", 7, {5: 3}, {"day_ended": False}, None),
        ("two missed ending on day 14: still early", 14, {12: 3}, {}, ("routine", 2)),
        ("two missed ending on day 15: three are needed", 15, {13: 3}, {}, None),
        ("three missed after day 14", 23, {20: 3}, {}, ("routine", 3)),
        ("high where the last pain was 7", 7, {4: 7, 5: {"walking_minutes": 20}}, {}, ("high", 2)),
        ("routine where the last pain was 6", 7, {4: 9, 5: 6}, {}, ("routine", 2)),
        ("never checked in: counted from enrollment", 5, {}, {"enrolled_day": 3}, ("routine", 2)),
        ("never checked in, added yesterday", 4, {}, {"enrolled_day": 3}, None),
        ("still in hospital: counted from discharge", 5, {}, {"discharge_day": 4}, None),
        ("a check-in after the date judged is not seen", 7, {5: 3, 8: 3}, {}, ("routine", 2)),
    ],
)
def test_missed_checkins(case, as_of, days, kw, expected):
    finding = found("missed_checkins", snap(as_of, days, **kw))
    assert ((finding.severity, finding.details["missed_days"]) if finding else None) == expected, case


def test_missed_checkins_says_since_when():
    finding = found("missed_checkins", snap(7, {4: 7, 5: {"walking_minutes": 20}}))
    assert finding.message == "No check-in for 2 full days (days 6 to 7); last check-in on day 5, last pain reported 7 on day 4"
    assert finding.onset == SURGERY + datetime.timedelta(days=6)
    never = found("missed_checkins", snap(5, {}, enrolled_day=3))
    assert never.message == "No check-in for 2 full days (days 4 to 5); none since monitoring began on day 3"


# -- milestone_overdue ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "as_of", "days", "kw", "expected"),
    [
        ("day 1 still running: first walk not overdue yet", 1, {0: 5}, {"day_ended": False}, None),
        ("day 1 ended without a first walk (MIS), checked in that day", 1, {0: 5, 1: 5}, {}, ("high", ["first_walk"])),
        ("a logged walk shows the first walk", 1, {1: {"walking_minutes": 5}}, {}, None),
        ("discharged not reported by the end of day 2", 2, {0: {"milestones": ["first_walk"]}, 2: 3}, {}, ("high", ["discharged"])),
        ("silent since before the overdue day: for missed_checkins to raise", 2, {0: {"milestones": ["first_walk"]}}, {}, None),
        ("a discharge date entered by staff counts", 2, {0: {"milestones": ["first_walk"]}, 2: 3}, {"discharge_day": 1}, None),
        ("added on day 3: the early milestones are not judged", 5, {4: 3, 5: 3}, {"enrolled_day": 3}, None),
        ("open fusion: discharged is due by day 7", 6, {0: {"milestones": ["first_walk"]}, 6: 3}, {"procedure": "open_lumbar_fusion"}, None),
        (
            "normal activities overdue after day 56: routine",
            56,
            {0: {"milestones": ["first_walk", "discharged"]}, 56: 2},
            {},
            ("routine", ["normal_activities"]),
        ),
        ("off opioids is never a milestone_overdue alert", 50, {0: {"milestones": ["first_walk", "discharged"]}, 50: 2}, {}, None),
        ("a milestone reported after the date judged is not seen", 1, {1: 4, 2: {"milestones": ["first_walk"]}}, {}, ("high", ["first_walk"])),
    ],
)
def test_milestone_overdue(case, as_of, days, kw, expected):
    finding = found("milestone_overdue", snap(as_of, days, **kw))
    assert ((finding.severity, sorted(finding.keys)) if finding else None) == expected, case


def test_milestone_overdue_lists_each_milestone_with_its_window():
    finding = found("milestone_overdue", snap(2, {2: 4}))
    assert finding.message == (
        "Not reported yet: first walk (expected by day 0, overdue after day 1); discharged home (expected by day 2, overdue after day 2)"
    )
    assert finding.recovery_day == 2


# -- opioid_prolonged -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "as_of", "days", "expected_day"),
    [
        ("use on day 42, the overdue day itself", 42, {42: {"opioid_use": True}}, None),
        ("use on day 43, after the overdue day", 43, {43: {"opioid_use": True}}, 43),
        ("use, then none reported", 45, {43: {"opioid_use": True}, 44: {"opioid_use": False}}, None),
        ("use, then the off_opioids milestone", 45, {43: {"opioid_use": True}, 45: {"milestones": ["off_opioids"]}}, None),
        ("off, then use again", 50, {30: {"milestones": ["off_opioids"]}, 49: {"opioid_use": True}}, 49),
        ("last reported before the overdue day, silent since", 50, {40: {"opioid_use": True}}, None),
        ("use reported after the date judged", 43, {42: {"opioid_use": False}, 44: {"opioid_use": True}}, None),
    ],
)
def test_opioid_prolonged(case, as_of, days, expected_day):
    finding = found("opioid_prolonged", snap(as_of, days))
    assert (finding.recovery_day if finding else None) == expected_day, case


def test_opioid_prolonged_after_open_fusion_waits_for_day_56():
    days = {50: {"opioid_use": True}}
    assert found("opioid_prolonged", snap(50, days, procedure="open_lumbar_fusion")) is None
    finding = found("opioid_prolonged", snap(50, days))
    assert finding.message == "Still taking opioids on day 50 (expected off by day 21, overdue after day 42)"
    assert finding.severity == "routine"


# -- red_flag -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("case", "procedure", "as_of", "days", "expected"),
    [
        ("fever on the day reported", "mis_lumbar_fusion", 5, {5: {"symptoms": ["fever"]}}, ("urgent", 5)),
        ("uncontrolled pain is high", "mis_lumbar_fusion", 2, {2: {"symptoms": ["uncontrolled_pain"]}}, ("high", 2)),
        ("trouble swallowing alone after ACDF is high", "acdf", 3, {3: {"symptoms": ["trouble_swallowing"]}}, ("high", 3)),
        (
            "trouble swallowing with breathlessness after ACDF is urgent",
            "acdf",
            3,
            {3: {"symptoms": ["trouble_swallowing", "chest_pain_breathless"]}},
            ("urgent", 3),
        ),
        ("a report synced late, 6 days back, is raised", "mis_lumbar_fusion", 10, {4: {"symptoms": ["fever"]}}, ("urgent", 4)),
        ("a report 7 days back is past", "mis_lumbar_fusion", 11, {4: {"symptoms": ["fever"]}}, None),
        ("a report after the date judged is not seen", "mis_lumbar_fusion", 4, {5: {"symptoms": ["fever"]}}, None),
        ("an unknown code is skipped, not a crash", "mis_lumbar_fusion", 4, {4: {"symptoms": ["hiccups"]}}, None),
    ],
)
def test_red_flag(case, procedure, as_of, days, expected):
    finding = found("red_flag", snap(as_of, days, procedure=procedure))
    assert ((finding.severity, finding.recovery_day) if finding else None) == expected, case


def test_a_red_flag_already_alerted_is_not_raised_again_but_a_new_symptom_is():
    days = {5: {"symptoms": ["fever", "new_numbness"]}}
    assert found("red_flag", snap(5, days, alerted_red_flags=frozenset({"2026-03-07:fever", "2026-03-07:new_numbness"}))) is None
    finding = found("red_flag", snap(5, days, alerted_red_flags=frozenset({"2026-03-07:fever"})))
    assert finding.keys == {"2026-03-07:new_numbness"}
    assert finding.message == "Red flag reported on day 5: new numbness or tingling"


def test_new_red_flags_merge_into_an_alert_that_stands_with_its_worst_severity():
    first = found("red_flag", snap(5, {5: {"symptoms": ["fever"]}}))
    active = AlertView(1, "red_flag", first.severity, "acknowledged", first.evidence_date, first.recovery_day, first.message, {"reports": first.details["reports"]})
    later = found("red_flag", snap(6, {5: {"symptoms": ["fever"]}, 6: {"symptoms": ["uncontrolled_pain"]}}, alerted_red_flags=first.keys))
    merged = merge(active, later, SURGERY)
    assert merged.severity == "urgent"
    assert merged.keys == {"2026-03-07:fever", "2026-03-08:uncontrolled_pain"}
    assert merged.message == "Red flag reported on day 6: pain not relieved by medication; day 5: fever or chills"


# -- when the evidence has gone -------------------------------------------------------------------

def _view(kind, details=None):
    return AlertView(1, kind, "high", "open", SURGERY, 0, "", details or {})


@pytest.mark.parametrize(
    ("case", "kind", "as_of", "days", "gone"),
    [
        ("pain under the bound for 7 days, 3 logged", "pain_high", 17, {9: 8, 10: 8, 11: 5, 14: 5, 17: 5}, True),
        ("only 2 logged pain values in the 7 days", "pain_high", 17, {9: 8, 10: 8, 14: 5, 17: 5}, False),
        ("one day above the bound in the 7 days", "pain_high", 17, {9: 8, 10: 8, 12: 7, 14: 5, 17: 5}, False),
        ("the high row is within the 7 days", "pain_high", 16, {9: 8, 10: 8, 12: 5, 14: 5, 16: 5}, False),
        ("rising pain settled", "pain_rising", 20, {**every_day(4, 6, pain=1), **every_day(7, 9, pain=4), **every_day(10, 20, pain=2)}, True),
        ("pain not improving, back under the bound", "pain_not_improving", 30, every_day(20, 30, pain=4), True),
        ("walking back at its floor", "walking_below_expected", 14, every_day(8, 14, walking_minutes=15), True),
        ("walking, too few logged days to say", "walking_below_expected", 14, every_day(12, 14, walking_minutes=60), False),
        ("opioids stopped", "opioid_prolonged", 46, {43: {"opioid_use": True}, 45: {"opioid_use": False}}, True),
        ("opioids still", "opioid_prolonged", 46, {43: {"opioid_use": True}, 45: {"opioid_use": True}}, False),
        ("a red flag never goes by itself", "red_flag", 30, every_day(10, 30, pain=0), False),
    ],
)
def test_evidence_gone(case, kind, as_of, days, gone):
    assert (evidence_gone(kind, snap(as_of, days), _view(kind)) is not None) == gone, case


def test_missed_checkins_are_gone_when_check_ins_resume():
    details = {"since": (SURGERY + datetime.timedelta(days=5)).isoformat()}
    assert evidence_gone("missed_checkins", snap(8, {5: 3}), _view("missed_checkins", details)) is None
    assert evidence_gone("missed_checkins", snap(8, {5: 3, 8: 2}), _view("missed_checkins", details)) == "Check-ins resumed on day 8"


def test_an_overdue_milestone_is_gone_when_reached():
    details = {"milestones": ["discharged"]}
    s = snap(4, {0: {"milestones": ["first_walk"]}, 3: {"milestones": ["discharged"]}})
    assert evidence_gone("milestone_overdue", s, _view("milestone_overdue", details)) == "Milestone reached: discharged home on day 3"


def test_the_snapshot_drops_days_after_the_date_judged_whatever_it_is_given():
    s = snap(5, {4: 3, 5: 4, 6: 9, 7: 9})
    assert [d.date for d in s.days] == [SURGERY + datetime.timedelta(days=4), SURGERY + datetime.timedelta(days=5)]


# -- the shipped (tuned) numbers: one noisy day reaches nobody, a true deviation still does ---------

def _kinds(s):
    return set(judge(s))


def _normal_mis(first, last, extra=None):
    """A normal MIS recovery: pain within the bounds, walking above the floor, boxes ticked early."""
    days = {d: {"pain": 5 if d < 8 else 4 if d < 15 else 3, "walking_minutes": 40} for d in range(first, last + 1)}
    days[first]["milestones"] = ("first_walk", "discharged", "normal_diet")
    for d, fields in (extra or {}).items():
        days[d] = {**days.get(d, {}), **fields}
    return days


@pytest.mark.parametrize(
    ("case", "as_of", "days", "kind", "holds"),
    [
        # pain_rising: a 5-day mean, and the rise must last 3 logged days.
        ("one noisy day of pain 9 among 3s", 20, _normal_mis(0, 20, {19: {"pain": 9}}), "pain_rising", False),
        ("two noisy days two days apart", 20, _normal_mis(0, 20, {17: {"pain": 8}, 19: {"pain": 8}}), "pain_rising", False),
        ("pain up from 3 to 7 and staying there for 5 days", 24,
         _normal_mis(0, 24, {d: {"pain": 7} for d in range(20, 25)}), "pain_rising", True),
        # pain_not_improving: a week's mean 0.3 above the bound, held 4 days in a row.
        ("a week's mean a little above the bound of 5 (5.1): normal noise", 21,
         _normal_mis(0, 21, {d: {"pain": 5 + (d == 20)} for d in range(15, 22)}), "pain_not_improving", False),
        ("pain of 7 against the bound of 5 for 8 days: the trend holds on days 19 to 22", 22,
         _normal_mis(0, 22, {d: {"pain": 7} for d in range(15, 23)}), "pain_not_improving", True),
        ("pain of 7 against the bound of 5 for a week: the trend has held 3 days only", 21,
         _normal_mis(0, 21, {d: {"pain": 7} for d in range(15, 22)}), "pain_not_improving", False),
        # walking_below_expected: the trend must hold 4 days in a row.
        ("walking low for one week's mean, on its first day only", 9,
         {**_normal_mis(0, 9), **{d: {"pain": 4, "walking_minutes": 3} for d in range(3, 10)}}, "walking_below_expected", False),
        ("walking at 3 minutes for 10 days against a floor of 15", 12,
         {**_normal_mis(0, 12), **{d: {"pain": 4, "walking_minutes": 3} for d in range(3, 13)}}, "walking_below_expected", True),
        # missed_checkins keeps clinical.md's count (2 full days through day 14, 3 after).
        ("after day 14, a weekend without a check-in (2 days)", 20, _normal_mis(0, 18), "missed_checkins", False),
        ("3 full days without a check-in", 11, _normal_mis(0, 8), "missed_checkins", True),
    ],
)
def test_the_shipped_numbers_ignore_noise_and_keep_deviations(case, as_of, days, kind, holds):
    s = snap(as_of, days, plan=TUNED["mis_lumbar_fusion"])
    assert (kind in _kinds(s)) is holds, case


def _unticked_discharge(last, extra=None):
    """Checks in every day from home, pain and walking as expected, but never ticks 'discharged'."""
    days = _normal_mis(0, last, extra)
    days[0]["milestones"] = ("first_walk", "normal_diet")
    return days


def _asked(code, asked_day, answer=None, answered_day=None):
    return {code: Question(code, SURGERY + datetime.timedelta(days=asked_day), answer,
                           SURGERY + datetime.timedelta(days=answered_day) if answered_day is not None else None)}


@pytest.mark.parametrize(
    ("case", "as_of", "days", "questions", "expected", "owed"),
    [
        # MIS: discharged is overdue after day 2; its question is owed once day 2 has ended.
        ("on track, discharge unticked on day 1: not overdue yet", 1, _unticked_discharge(1), {}, None, ()),
        ("on track, discharge unticked once day 2 has ended: the patient is asked, no alert", 2, _unticked_discharge(2), {},
         None, ("discharged",)),
        ("asked on day 3, not answered yet on day 3", 3, _unticked_discharge(3), _asked("discharged", 3), None, ()),
        ("asked on day 3, checked in, no answer once day 4 has ended: high alert", 4, _unticked_discharge(4),
         _asked("discharged", 3), ("high", ["discharged"]), ()),
        ("asked on day 3, no check-in since: silence is missed_checkins', the question waits", 4, _unticked_discharge(2),
         _asked("discharged", 3), None, ()),
        ("asked on day 3, answered no on day 3: high alert", 3, _unticked_discharge(3),
         _asked("discharged", 3, False, 3), ("high", ["discharged"]), ()),
        ("asked on day 3, answered yes on day 3: reached, no alert", 9, _unticked_discharge(9),
         _asked("discharged", 3, True, 3), None, ()),
        ("off track (pain 8 twice) with the discharge unticked: high at once, nobody asked", 6,
         _unticked_discharge(6, {4: {"pain": 8}, 5: {"pain": 8}}), {}, ("high", ["discharged"]), ()),
        ("asked, then pain high twice before the answer: high at once", 6,
         _unticked_discharge(6, {4: {"pain": 8}, 5: {"pain": 8}}), _asked("discharged", 3), ("high", ["discharged"]), ()),
        ("walking logged, first walk never ticked: no alert, nothing to ask", 5,
         {d: {"pain": 4, "walking_minutes": 30, "milestones": ("discharged", "normal_diet") if d == 0 else ()} for d in range(0, 6)},
         {}, None, ()),
    ],
)
def test_an_unticked_milestone_of_a_patient_on_track_is_asked_before_the_nurse_is_alerted(case, as_of, days, questions, expected, owed):
    from recovery.rules import milestone_questions_owed

    s = snap(as_of, days, plan=TUNED["mis_lumbar_fusion"], questions=questions)
    finding = judge(s).get("milestone_overdue")
    got = (finding.severity, sorted(finding.details["milestones"])) if finding else None
    assert got == expected, case
    assert milestone_questions_owed(s) == owed, case


def test_the_alert_after_a_question_says_what_the_patient_answered():
    s = snap(3, _unticked_discharge(3), plan=TUNED["mis_lumbar_fusion"], questions=_asked("discharged", 3, False, 3))
    assert "asked on day 3, the patient answered no on day 3" in judge(s)["milestone_overdue"].message
    s = snap(4, _unticked_discharge(4), plan=TUNED["mis_lumbar_fusion"], questions=_asked("discharged", 3))
    assert "asked on day 3, no answer within 2 days" in judge(s)["milestone_overdue"].message


def test_normal_diet_is_asked_and_only_a_no_alerts():
    # clinical.md: normal_diet does not alert when overdue (MIS: after day 2). Asked, a "no" is the
    # patient's own report of a deviation; silence still alerts nobody.
    from recovery.rules import milestone_questions_owed

    days = _normal_mis(0, 6)
    days[0]["milestones"] = ("first_walk", "discharged")
    plan_ = TUNED["mis_lumbar_fusion"]
    assert milestone_questions_owed(snap(2, days, plan=plan_)) == ("normal_diet",)
    assert "milestone_overdue" not in judge(snap(6, days, plan=plan_, questions=_asked("normal_diet", 3)))
    said_no = judge(snap(4, days, plan=plan_, questions=_asked("normal_diet", 3, False, 4)))["milestone_overdue"]
    assert (said_no.severity, said_no.details["milestones"]) == ("routine", ["normal_diet"])


def test_a_milestone_held_without_a_question_still_waits_its_hold():
    # A clinic that keeps the hold (no question): 21 days past the overdue day while on track.
    held = {"on day 8": (8, None), "past the 21-day hold": (24, ("routine", ["discharged"]))}
    for case, (as_of, expected) in held.items():
        finding = judge(snap(as_of, _unticked_discharge(as_of), plan=HELD["mis_lumbar_fusion"])).get("milestone_overdue")
        assert ((finding.severity, sorted(finding.details["milestones"])) if finding else None) == expected, case


def test_an_asked_milestone_is_late_not_overdue_in_the_one_state_function():
    from recovery.rules import milestone_states

    asked = milestone_states(snap(3, _unticked_discharge(3), plan=TUNED["mis_lumbar_fusion"], questions=_asked("discharged", 3)))
    assert asked["discharged"] == "late"
    assert asked["first_walk"] == "reached"
    said_yes = milestone_states(snap(4, _unticked_discharge(4), plan=TUNED["mis_lumbar_fusion"],
                                     questions=_asked("discharged", 3, True, 4)))
    assert said_yes["discharged"] == "reached"
    off_track = milestone_states(snap(6, _unticked_discharge(6, {4: {"pain": 8}, 5: {"pain": 8}}), plan=TUNED["mis_lumbar_fusion"]))
    assert off_track["discharged"] == "overdue"


@pytest.mark.parametrize(
    ("case", "as_of", "checkin_days", "expected"),
    [
        ("a daily reporter, 2 full days missed early on: alerted", 9, [*range(0, 8)], 2),
        ("a weekend skipper (days 5-6 off), 2 missed again on days 12-13: their usual gap", 13,
         [0, 1, 2, 3, 4, 7, 8, 9, 10, 11], None),
        ("the same skipper, a third day missed: alerted", 14, [0, 1, 2, 3, 4, 7, 8, 9, 10, 11], 3),
        ("a patient who once skipped 4 days, silent 3 days after day 14: the cap of 3 holds", 23,
         [*range(0, 9), *range(13, 21)], 3),
    ],
)
def test_missed_checkins_count_against_the_patients_own_habit(case, as_of, checkin_days, expected):
    s = snap(as_of, {d: {"pain": 3, "walking_minutes": 40} for d in checkin_days}, plan=TUNED["mis_lumbar_fusion"])
    finding = found("missed_checkins", s)
    assert (finding.details["missed_days"] if finding else None) == expected, case
