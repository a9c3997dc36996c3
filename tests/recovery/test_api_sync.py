"""POST /api/v1/checkins/sync/: check-ins kept offline, each with its own result."""

import datetime
import uuid

from recovery.models import CheckinSubmission, DailyRecord

URL = "/api/v1/checkins/sync/"


def item(patient, days, **fields):
    return {"client_id": str(uuid.uuid4()), "date": str(patient.surgery_date + datetime.timedelta(days=days)), **fields}


def test_each_checkin_gets_its_own_result_and_a_bad_one_rejects_no_other(patient_client_a, patient_a):
    first = item(patient_a, 1, pain=6)
    items = [
        first,
        item(patient_a, 1, walking_minutes=10),
        {**first, "pain": 2},  # sent again: a duplicate
        item(patient_a, 2, pain=42),
        item(patient_a, 3, symptoms=["fever"]),
        "not a check-in",
        {"date": str(patient_a.surgery_date), "pain": 1},
    ]
    response = patient_client_a.post(URL, {"checkins": items}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "merged", "duplicate", "invalid", "created", "invalid", "invalid"]
    assert results[0]["client_id"] == first["client_id"]
    assert "pain" in results[3]["errors"]
    assert "advice" in results[4]["record"]
    assert results[5]["client_id"] is None
    assert "client_id" in results[6]["errors"]
    day1 = DailyRecord.objects.get(patient=patient_a, date=patient_a.surgery_date + datetime.timedelta(days=1))
    assert (day1.pain, day1.walking_minutes, day1.channel) == (6, 10, "sync")
    assert CheckinSubmission.objects.filter(patient=patient_a).count() == 3
    assert not DailyRecord.objects.filter(patient=patient_a, date=patient_a.surgery_date + datetime.timedelta(days=2)).exists()


def test_a_whole_sync_sent_again_changes_nothing(patient_client_a, patient_a):
    items = [item(patient_a, day, pain=day % 10) for day in range(5)]
    patient_client_a.post(URL, {"checkins": items}, format="json")
    again = patient_client_a.post(URL, {"checkins": items}, format="json").json()["results"]
    assert {r["status"] for r in again} == {"duplicate"}
    assert CheckinSubmission.objects.filter(patient=patient_a).count() == 5


def test_at_most_100_checkins_in_one_sync(patient_client_a, patient_a):
    items = [item(patient_a, 0, steps=n) for n in range(101)]
    response = patient_client_a.post(URL, {"checkins": items}, format="json")
    assert response.status_code == 400
    assert "checkins" in response.json()
    assert not CheckinSubmission.objects.exists()
    assert patient_client_a.post(URL, {"checkins": items[:100]}, format="json").status_code == 200


def test_a_body_without_a_list_is_a_400(patient_client_a):
    for body in ({}, {"checkins": "x"}, {"checkins": {"a": 1}}, [1, 2]):
        response = patient_client_a.post(URL, body, format="json")
        assert response.status_code == 400
        assert "checkins" in response.json()
