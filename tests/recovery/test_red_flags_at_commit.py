"""Red flags decided at commit: the check-in's transaction opens the alert and records the page owed;
the page leaves on the urgent queue; a new urgent symptom pages again and the history tells the truth."""

import datetime
import uuid

import pytest

from notifications.models import Message
from recovery.models import Alert, AlertEvent
from recovery.services import alert_acknowledge, checkin_submit

pytestmark = pytest.mark.django_db


def _submit(patient, day, **fields):
    return checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date + datetime.timedelta(days=day), fields=fields)


def _pages(patient):
    return list(Message.objects.filter(purpose=Message.Purpose.PAGE, patient=patient).order_by("id"))


def _paged_events(alert):
    return list(AlertEvent.objects.filter(alert=alert, action=AlertEvent.Action.PAGED).order_by("id"))


def test_a_red_flag_is_an_alert_and_a_page_before_the_answer_with_no_worker(patient_client_a, patient_a, nurse_a,
                                                                          django_capture_on_commit_callbacks, monkeypatch):
    from notifications.tasks import send_message_task

    published = []
    monkeypatch.setattr(send_message_task, "apply_async", lambda args=(), kwargs=None, **options: published.append((args, options)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = patient_client_a.post(
            "/api/v1/checkins/",
            {"client_id": str(uuid.uuid4()), "date": patient_a.local_today().isoformat(), "symptoms": ["chest_pain_breathless"]},
            format="json",
        )
    assert response.status_code == 201, response.content
    assert "911" in response.json()["advice"]
    # Nothing has run after the commit yet, and no worker at all: the alert and its page are rows already.
    alert = Alert.objects.get(patient=patient_a, kind="red_flag")
    assert (alert.severity, alert.status, alert.page_required) == ("urgent", "open", True)
    (page,) = _pages(patient_a)
    assert page.recipient_user == nurse_a and page.status == Message.Status.QUEUED
    assert "chest pain or trouble breathing" in page.body
    assert patient_a.first_name not in page.body and patient_a.phone not in page.body
    for callback in callbacks:
        callback()
    # The send goes out on the urgent queue, which routine work never occupies.
    assert [(args, options.get("queue")) for args, options in published] == [((page.pk,), "urgent")]


def test_a_new_urgent_symptom_on_an_open_red_flag_pages_again_naming_it(patient_a, nurse_a):
    _submit(patient_a, 5, symptoms=["fever"])
    _submit(patient_a, 5, symptoms=["chest_pain_breathless"])
    alert = Alert.objects.get(patient=patient_a, kind="red_flag")
    pages = _pages(patient_a)
    assert len(pages) == 2
    assert "fever" in pages[0].body and "chest" not in pages[0].body
    assert pages[1].body.startswith(f"Recovery alert (urgent): patient A.T. #{patient_a.pk}, red-flag symptom: chest pain or trouble breathing, fever.")
    assert "New symptom reported." in pages[1].body
    # The history says "paged" exactly where a page message was written.
    assert len(_paged_events(alert)) == len(pages) == 2
    assert {p.recipient_user for p in pages} == {nurse_a}


def test_an_acknowledged_red_flag_given_a_new_urgent_symptom_opens_again_and_pages_the_same_nurse(patient_a, nurse_a):
    _submit(patient_a, 5, symptoms=["wound_drainage"])
    alert = Alert.objects.get(patient=patient_a, kind="red_flag")
    alert_acknowledge(alert=alert, user=nurse_a, note="calling the patient")
    _submit(patient_a, 6, symptoms=["calf_pain_swelling"])
    alert.refresh_from_db()
    assert alert.status == "open" and alert.acknowledged_by is None
    assert "calf pain" in alert.message.lower() or "swollen" in alert.message.lower()
    pages = _pages(patient_a)
    assert [p.recipient_user for p in pages] == [nurse_a, nurse_a]
    assert len(_paged_events(alert)) == 2


def test_a_repeat_or_a_lesser_symptom_adds_to_the_alert_without_paging_again(patient_a, nurse_a):
    _submit(patient_a, 5, symptoms=["fever"])
    _submit(patient_a, 5, symptoms=["fever"])  # the same report again: nothing new
    _submit(patient_a, 5, symptoms=["uncontrolled_pain"])  # a high one on an urgent alert: recorded, not paged
    alert = Alert.objects.get(patient=patient_a, kind="red_flag")
    assert sorted(r[1] for r in alert.details["reports"]) == ["fever", "uncontrolled_pain"]
    assert len(_pages(patient_a)) == len(_paged_events(alert)) == 1
    assert AlertEvent.objects.filter(alert=alert, action=AlertEvent.Action.UPDATED).count() == 1


def test_a_high_red_flag_is_an_alert_at_once_and_is_not_paged(patient_a, nurse_a):
    _submit(patient_a, 5, symptoms=["uncontrolled_pain"])
    alert = Alert.objects.get(patient=patient_a, kind="red_flag")
    assert (alert.severity, alert.page_required) == ("high", False)
    assert _pages(patient_a) == []


def test_a_red_flag_after_the_program_has_ended_is_still_an_alert(patient_a, nurse_a):
    from django.utils import timezone

    patient_a.monitoring_ended_at = timezone.now()
    patient_a.save(update_fields=["monitoring_ended_at"])
    _submit(patient_a, 9, symptoms=["new_weakness"])
    alert = Alert.objects.get(patient=patient_a, kind="red_flag")
    assert alert.severity == "urgent" and len(_pages(patient_a)) == 1


def test_a_replayed_red_flag_check_in_raises_nothing_more(patient_a, nurse_a):
    client_id = uuid.uuid4()
    date = patient_a.surgery_date + datetime.timedelta(days=4)
    for _ in range(2):
        checkin_submit(patient=patient_a, client_id=client_id, date=date, fields={"symptoms": ["bladder_bowel"]})
    assert Alert.objects.filter(patient=patient_a).count() == 1
    assert len(_pages(patient_a)) == 1


def test_a_red_flag_check_in_costs_a_fixed_number_of_queries(make_patient, nurse_a, django_assert_num_queries):
    patient = make_patient()
    _submit(patient, 3, pain=4)
    # A red flag is rare beside routine check-ins; its cost is pinned all the same:
    # 1-4   the transaction (a savepoint in the test's), the check-in statement in a savepoint, released;
    # 5-7   a savepoint for the alert, the patient's red-flag alerts read, the alert inserted;
    # 8     its "raised" event;
    # 9-10  the page's savepoints (the signal's receiver, alert_page);
    # 11-13 the alert locked with its patient, the on-call roster with the nurses' profiles, this page
    #       level's earlier message (a replayed relay writes no second "paged");
    # 14-17 message_enqueue: its dedupe look-up, a savepoint, the message, the release;
    # 18-19 the alert's page columns, the "paged" event;
    # 20-23 the releases.
    with django_assert_num_queries(23):
        _submit(patient, 4, symptoms=["fever"])
