"""The alert-quality cohorts: fixed, varied as real patients report, and knowing every onset (no database)."""

from bench import cohorts
from bench.quality_measure import Raised, measure


def test_the_held_out_cohorts_are_fixed_and_apart_from_the_tuning_ones():
    assert {s.role for s in cohorts.TUNING} == {"tuning"} and {s.role for s in cohorts.HELD_OUT} == {"held_out"}
    assert {s.role for s in cohorts.EARLIER_HELD_OUT} == {"earlier_held_out"}
    seeds = [s.seed for s in cohorts.COHORTS]
    assert len(seeds) == len(set(seeds))
    spec = cohorts.HELD_OUT[0]
    first, again = cohorts.build(spec, patients=28), cohorts.build(spec, patients=28)
    assert [p.days for p in first] == [p.days for p in again]


def test_a_realistic_cohort_reports_as_real_patients_do():
    sims = cohorts.build(cohorts.HELD_OUT[1])
    normal = [p for p in sims if p.group == "normal"]
    never_later = [p for p in normal if not any("normal_activities" in d.get("milestones", ()) for d in p.days.values())]
    assert 0.2 < len(never_later) / len(normal) < 0.8  # never tick later milestones (or not by day 90)
    assert any("round" in p.traits for p in normal) and any("weekend" in p.traits for p in normal)
    assert {p.procedure for p in sims} == {"mis_lumbar_fusion", "open_lumbar_fusion", "acdf", "posterior_cervical_fusion"}
    # Every deviating patient's onset is known; a normal patient has none.
    assert all(p.onset is not None for p in sims if p.group != "normal")
    assert all(p.onset is None for p in normal)


def test_an_alert_is_true_only_on_or_after_the_complication_began():
    sims = cohorts.build(cohorts.BASE, patients=14)
    normal = next(p for p in sims if p.group == "normal")
    infected = next(p for p in sims if p.group == "infection")
    raised = {normal.index: [Raised("pain_rising", 20)],
              infected.index: [Raised("pain_high", infected.start - 1), Raised("red_flag", infected.onset + 1)]}
    q = measure("t", [normal, infected], raised)
    assert (q.false_alerts, q.per_rule["pain_rising"]["true"], q.per_rule["red_flag"]["true"]) == (2, 0, 1)
    assert q.per_rule["red_flag"]["delays"] == [1] and q.deviating_within == 1


def test_the_second_held_out_sets_add_anchored_reporters_late_milestones_and_answers():
    sims = cohorts.build(cohorts.HELD_OUT[0])
    late = [p for p in sims if p.group == "milestone_late"]
    assert late and all(p.onset is not None and p.start == p.onset for p in late)
    # A truly late patient says no on the day after the overdue day; a normal one who never ticks says yes.
    for p in late:
        code = next(t[len("late_"):] for t in p.traits if t.startswith("late_"))
        answers = [p.answers(code, p.onset + k) for k in range(5)]
        assert False in answers and True not in answers
    never = next(p for p in sims if p.group == "normal" and "discharged" not in
                 {m for d in p.days.values() for m in d.get("milestones", ())})
    assert {never.answers("discharged", 30 + k) for k in range(10)} <= {True, None}
    assert any("anchored" in p.traits for p in sims)
    # Anchored reporters' pain moves less from one logged day to the next.
    def mean_step(group):
        steps = [abs(a - b) for p in group for a, b in zip(
            [d["pain"] for _, d in sorted(p.days.items())], [d["pain"] for _, d in sorted(p.days.items())][1:], strict=False)]
        return sum(steps) / len(steps)
    normal = [p for p in sims if p.group == "normal" and "round" not in p.traits]
    assert mean_step([p for p in normal if "anchored" in p.traits]) < mean_step([p for p in normal if "anchored" not in p.traits])


def test_the_earlier_cohorts_draw_what_they_drew_before_the_second_sets_were_added():
    # The first patient of T1, as it was drawn when T1 was frozen: the new traits use a stream of their own.
    first = cohorts.build(cohorts.TUNING[1], patients=1)[0]
    assert (first.procedure, first.days[5]) == ("mis_lumbar_fusion", {"pain": 7, "walking_minutes": 19, "steps": 2225, "opioid_use": True})


def test_a_cohort_is_the_same_draw_whatever_is_run_before_it():
    spec = cohorts.HELD_OUT[1]
    alone = cohorts.build(spec, patients=20)
    after_others = cohorts.build(spec, first_index=280, patients=20)
    first_of_more = cohorts.build(spec, patients=60)[:20]
    for a, b, c in zip(alone, after_others, first_of_more, strict=True):
        assert a.days == b.days == c.days and a.traits == b.traits == c.traits
        assert [a.answers("discharged", d) for d in range(20)] == [b.answers("discharged", d) for d in range(20)]
