"""Two identical check-ins racing, with real threads against the real database: one submission, one
answer. And two different check-ins racing to create the same day: one record holding both."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from patients.tokens import tokens_for_patient
from recovery.models import CheckinSubmission, DailyRecord

pytestmark = pytest.mark.django_db(transaction=True)


def race(patient, bodies):
    """Post each body from its own thread (its own connection), all released at once."""
    access = tokens_for_patient(patient.user)["access"]
    barrier = threading.Barrier(len(bodies))
    answers = [None] * len(bodies)

    def post(index, body):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        try:
            barrier.wait()
            answers[index] = client.post("/api/v1/checkins/", body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize("attempt", range(5))
def test_two_concurrent_identical_checkins_make_one_submission_and_the_same_answer(make_patient, attempt):
    patient = make_patient()
    body = {"client_id": str(uuid.uuid4()), "date": patient.local_today().isoformat(), "pain": 5, "symptoms": ["fever"]}
    first, second = race(patient, [body, body])
    assert sorted([first.status_code, second.status_code]) == [200, 201]
    assert first.json() == second.json()
    assert CheckinSubmission.objects.filter(client_id=body["client_id"]).count() == 1
    record = DailyRecord.objects.get(patient=patient)
    assert (record.pain, record.symptoms) == (5, ["fever"])


def test_two_concurrent_checkins_for_a_new_day_merge_into_one_record(make_patient):
    patient = make_patient()
    today = patient.local_today().isoformat()
    answers = race(
        patient,
        [
            {"client_id": str(uuid.uuid4()), "date": today, "pain": 5, "symptoms": ["fever"]},
            {"client_id": str(uuid.uuid4()), "date": today, "walking_minutes": 30, "symptoms": ["new_numbness"]},
        ],
    )
    assert sorted(a.status_code for a in answers) == [200, 201]
    record = DailyRecord.objects.get(patient=patient)
    assert (record.pain, record.walking_minutes) == (5, 30)
    assert sorted(record.symptoms) == ["fever", "new_numbness"]
    assert CheckinSubmission.objects.filter(patient=patient).count() == 2


def test_a_twin_that_commits_first_wins_and_the_late_one_answers_as_the_twin_did(make_patient):
    """The moment of the race made certain: a twin of the same client_id holds its row uncommitted
    while the check-in's statement runs; the statement waits, fails when the twin commits, undoes its
    own merge, and answers with the twin's answer."""
    import psycopg
    from django.conf import settings
    from django.utils import timezone

    from recovery.services.checkins import _CHECKIN_SQL, checkin_submit

    patient = make_patient()
    client_id = uuid.uuid4()
    today = patient.local_today()
    now = timezone.now()
    database = settings.DATABASES["default"]
    twin = psycopg.connect(
        host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"], dbname=database["NAME"],
        password=database["PASSWORD"] or None,
    )
    try:
        # The twin: the same statement with pain 5, not yet committed.
        twin.execute(
            _CHECKIN_SQL,
            {"client_id": client_id, "patient": patient.pk, "date": today, "channel": "app", "now": now, "payload": "{}",
             "date_text": today.isoformat(), "now_text": now.isoformat(), "recovery_day": (today - patient.surgery_date).days,
             "extra": "{}", "pain": 5, "walking_minutes": None, "steps": None, "opioid_use": None, "note": None,
             "symptoms": "[]", "milestones": "[]"},
        )
        answers = []

        def late():
            try:
                answers.append(checkin_submit(patient=patient, client_id=client_id, date=today, fields={"pain": 9}))
            finally:
                connection.close()

        thread = threading.Thread(target=late)
        thread.start()
        # Wait until the late statement is blocked behind the twin's uncommitted rows.
        with psycopg.connect(host=database["HOST"], port=database["PORT"] or 5432, user=database["USER"],
                             dbname=database["NAME"], password=database["PASSWORD"] or None, autocommit=True) as watcher:
            for _ in range(500):
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [database["NAME"]]
                ).fetchone()[0]
                if waiting:
                    break
                thread.join(timeout=0.01)
            assert waiting, "the late check-in never waited for its twin"
        twin.commit()
        thread.join(timeout=30)
    finally:
        twin.close()
    assert len(answers) == 1
    assert answers[0].status == "duplicate"
    assert answers[0].body["pain"] == 5
    assert DailyRecord.objects.get(patient=patient, date=today).pain == 5
    assert CheckinSubmission.objects.filter(client_id=client_id).count() == 1
