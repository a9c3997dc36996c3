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
    patients = alert_quality.replay(cohort, surgery_date=SURGERY, submit=submit_and_evaluate, through_day=30)
    quality = alert_quality.measure(cohort, patients, surgery_date=SURGERY, through_day=30)

    # Every red flag is an alert on the day it was reported.
    assert quality.red_flags_reported > 0
    assert quality.red_flags_on_the_day == quality.red_flags_reported, quality.red_flag_misses
    # At least 90% of the patients with a complication are alerted within 3 days of its onset.
    assert quality.deviating >= 5
    assert quality.share_within_3 >= 0.9, quality.per_group
    # At most 1 false alert per 100 patient-weeks of normal recovery.
    assert quality.false_per_100_weeks <= 1.0, quality.false_by_kind
