"""Routine judging in batches: check-ins ask for a batch at most once an interval; a batch claims the
marks (SKIP LOCKED), judges them in the queries of one chunk, and leaves a mark set meanwhile."""

import datetime
import threading
import uuid

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from recovery.models import Alert, EvaluationState
from recovery.services import checkin_submit
from recovery.services.evaluation import _claim_marks, recovery_judge_marked


def _day(patient, day):
    return patient.surgery_date + datetime.timedelta(days=day)


@pytest.mark.django_db
def test_many_check_ins_ask_for_one_judging_batch_which_judges_them_all(make_patient, django_capture_on_commit_callbacks, monkeypatch):
    from recovery.tasks import judge_marked_task

    published = []
    monkeypatch.setattr(judge_marked_task, "apply_async", lambda args=(), kwargs=None, **options: published.append(options))
    patients = [make_patient() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        for patient in patients:
            checkin_submit(patient=patient, client_id=uuid.uuid4(), date=_day(patient, 4), fields={"pain": 9})
            checkin_submit(patient=patient, client_id=uuid.uuid4(), date=_day(patient, 5), fields={"pain": 9})
    # Ten check-ins inside the interval: one batch, published to run when the interval has passed.
    assert [options["countdown"] for options in published] == [1.0]
    assert EvaluationState.objects.filter(needs_evaluation_since__isnull=False).count() == 5

    assert recovery_judge_marked() == 5
    assert Alert.objects.filter(kind="pain_high").count() == 5
    assert not EvaluationState.objects.filter(needs_evaluation_since__isnull=False).exists()
    assert not EvaluationState.objects.filter(claimed_until__isnull=False).exists()
    assert recovery_judge_marked() == 0  # nothing left: one query, and done


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_ten_patients_as_for_two(make_patient, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    def judged(n):
        for _ in range(n):
            patient = make_patient()
            checkin_submit(patient=patient, client_id=uuid.uuid4(), date=_day(patient, 5), fields={"pain": 3})
        with CaptureQueriesContext(connection) as ctx:
            assert recovery_judge_marked() == n
        return len(ctx.captured_queries)

    assert judged(2) == judged(10)


@pytest.mark.django_db
def test_a_check_in_that_comes_while_its_batch_judges_keeps_its_mark(make_patient, monkeypatch):
    from recovery.services import evaluation

    patient = make_patient()
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=_day(patient, 5), fields={"pain": 3})
    real = evaluation.recovery_evaluate

    def with_a_check_in_meanwhile(**kwargs):
        summary = real(**kwargs)
        EvaluationState.objects.filter(patient=patient).update(needs_evaluation_since=timezone.now())
        return summary

    monkeypatch.setattr(evaluation, "recovery_evaluate", with_a_check_in_meanwhile)
    recovery_judge_marked(budget_seconds=0)
    state = EvaluationState.objects.get(patient=patient)
    assert state.needs_evaluation_since is not None and state.claimed_until is None


@pytest.mark.django_db
def test_a_batch_whose_worker_died_is_taken_over_when_its_claim_runs_out(make_patient):
    patient = make_patient()
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=_day(patient, 5), fields={"pain": 3})
    now = timezone.now()
    assert _claim_marks(now=now, limit=10) == [patient.pk]
    # Claimed, and its worker gone: no other batch takes it while the claim holds ...
    assert _claim_marks(now=now + datetime.timedelta(seconds=60), limit=10) == []
    # ... and the next one does once it has run out.
    assert _claim_marks(now=now + datetime.timedelta(minutes=3), limit=10) == [patient.pk]


@pytest.mark.django_db(transaction=True)
def test_two_batches_at_once_never_claim_the_same_patients(make_patient, default_protocols):
    """A batch holding its claim's row locks: a second batch skips those rows instead of waiting."""
    patients = [make_patient() for _ in range(4)]
    for patient in patients:
        checkin_submit(patient=patient, client_id=uuid.uuid4(), date=_day(patient, 5), fields={"pain": 3})
    settings = connection.settings_dict
    other = psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432, user=settings["USER"],
                            dbname=settings["NAME"], autocommit=False)
    try:
        locked = [p.pk for p in patients[:2]]
        other.execute("SELECT 1 FROM recovery_evaluationstate WHERE patient_id = ANY(%s) FOR UPDATE", [locked])
        result = {}

        def claim():
            try:
                result["ids"] = _claim_marks(now=timezone.now(), limit=10)
            finally:
                connection.close()  # the thread's own connection

        thread = threading.Thread(target=claim)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the claim waited on the other batch's locks"
        assert sorted(result["ids"]) == sorted(p.pk for p in patients[2:])
    finally:
        other.rollback()
        other.close()
