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
