"""Alert quality, the fast version of bench/alert_quality.py: a small synthetic cohort with known
complications replayed through the real check-in path and the real sweep for its first 30 days.

The cohort is seeded, so the figures are the same on every run; the full measure (420 patients,
90 days) is `make bench-quality`, reported in docs/alert-quality.md.
"""

import datetime

import pytest

from bench import alert_quality
from recovery.services import checkin_submit

pytestmark = pytest.mark.django_db
SURGERY = datetime.date(2026, 1, 5)


@pytest.fixture
def submit_and_evaluate(monkeypatch, django_capture_on_commit_callbacks):
    """checkin_submit, then what it queued on commit, run in-process as a worker would."""
    from recovery.tasks import judge_marked_task

    monkeypatch.setattr(judge_marked_task, "apply_async", lambda args=(), kwargs=None, **o: judge_marked_task.apply())
    monkeypatch.setattr("django.conf.settings.CELERY_TASK_ALWAYS_EAGER", True)

    def submit(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return checkin_submit(**kwargs)

    return submit


def test_a_small_cohort_meets_the_alert_quality_targets(submit_and_evaluate):
    cohort = alert_quality.build_cohort(28, seed=3)
    assert {p.group for p in cohort} >= {"normal", "infection", "stops_answering"}
    patients = alert_quality.replay(cohort, surgery_date=SURGERY, submit=submit_and_evaluate, through_day=30)
    quality = alert_quality.measure(cohort, patients, surgery_date=SURGERY, through_day=30)

    # Every red flag is an alert on the day it was reported.
    assert quality.red_flags_reported > 0
    assert quality.red_flags_on_the_day == quality.red_flags_reported, quality.red_flag_misses
    # Every patient with a complication is alerted within 2 days of its onset (the held-out figures of
    # the full benchmark are in docs/alert-quality.md).
    assert quality.deviating >= 5
    assert quality.share_within == 1.0, quality.late
    # On the base cohort (every box ticked, mild noise), the only false alerts are missed_checkins on
    # patients who did skip 2 full days in a row: no pain trend, no milestone.
    assert set(quality.false_by_kind) <= {"missed_checkins"}, quality.false_by_kind


def test_patients_who_never_tick_are_asked_and_a_truly_late_milestone_still_alerts(submit_and_evaluate):
    # The tuning cohort T2 (never-ticked boxes, truly late milestones), its first 45 patients, 12 days.
    from dataclasses import replace

    from bench import cohorts
    from recovery.models import MilestoneQuestion

    cohort = cohorts.build(replace(cohorts.TUNING[2], patients=45))
    patients = alert_quality.replay(cohort, surgery_date=SURGERY, submit=submit_and_evaluate, through_day=12)
    quality = alert_quality.measure(cohort, patients, surgery_date=SURGERY, through_day=12)
    never_ticked = [p for p in cohort if p.group == "normal" and "discharged" not in
                    {m for d in p.days.values() for m in d.get("milestones", ())}]
    assert never_ticked
    # They were asked, said yes (the generator knows they are home), and no nurse was alerted.
    asked = MilestoneQuestion.objects.filter(patient__in=[patients[p.index] for p in never_ticked], milestone="discharged")
    assert asked.filter(state="yes").exists()
    assert quality.false_by_kind["milestone_overdue"] == 0, quality.false_by_kind
    # A patient whose discharge or normal diet is truly late said no, and was alerted within 2 days.
    late = [p for p in cohort if p.group == "milestone_late" and p.onset <= 9]
    assert late
    assert quality.per_group["milestone_late"]["within"] == len(late), quality.late
