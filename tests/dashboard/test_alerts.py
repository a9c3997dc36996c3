"""The alerts inbox and the acknowledge and resolve actions."""

import re

from django.test import Client
from django.urls import reverse

from patients.models import AuditEvent
from recovery.models import Alert, AlertEvent

INBOX = reverse("dashboard:alerts")


def _ack(alert):
    return reverse("dashboard:alert-acknowledge", args=[alert.pk])


def _resolve(alert):
    return reverse("dashboard:alert-resolve", args=[alert.pk])


def test_the_inbox_lists_open_then_acknowledged_alerts_urgent_first(nurse_client_a, make_patient, raise_alert, clinic_b):
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    routine = raise_alert(make_patient(), severity="routine", created_at=now - datetime.timedelta(days=2))
    urgent = raise_alert(make_patient(), severity="urgent", created_at=now - datetime.timedelta(hours=1))
    high_old = raise_alert(make_patient(), severity="high", created_at=now - datetime.timedelta(hours=8))
    high_new = raise_alert(make_patient(), severity="high", created_at=now - datetime.timedelta(hours=2))
    handled = raise_alert(make_patient(), severity="urgent", status="acknowledged")
    raise_alert(make_patient(), severity="urgent", status="resolved")
    raise_alert(make_patient(clinic=clinic_b, last_name="Otherclinic"), severity="urgent")
    response = nurse_client_a.get(INBOX)
    assert response.status_code == 200
    assert [a.pk for a in response.context["open_alerts"]] == [urgent.pk, high_old.pk, high_new.pk, routine.pk]
    assert [a.pk for a in response.context["acknowledged_alerts"]] == [handled.pk]
    assert b"Otherclinic" not in response.content
    assert {e.patient_id for e in AuditEvent.objects.filter(resource="alert", action="list")} == {
        a.patient_id for a in (routine, urgent, high_old, high_new, handled)
    }


def test_the_inbox_filters_by_severity_and_refuses_an_unknown_one(nurse_client_a, make_patient, raise_alert):
    raise_alert(make_patient(), severity="routine")
    urgent = raise_alert(make_patient(), severity="urgent")
    response = nurse_client_a.get(INBOX, {"severity": "urgent"})
    assert [a.pk for a in response.context["open_alerts"]] == [urgent.pk]
    response = nurse_client_a.get(INBOX, {"severity": "catastrophic"})
    assert response.status_code == 400
    assert "severity" in response.context["form"].errors


def test_the_inbox_takes_a_fixed_number_of_queries(nurse_client_a, make_patient, raise_alert, django_assert_num_queries):
    # Queries: session, user, clinics, count of active alerts, the page of alerts with their
    # patients and clinics, the audit rows, the navigation's counts
    # (open alerts and unread messages, one statement).
    raise_alert(make_patient(), severity="urgent")
    with django_assert_num_queries(7):
        response = nurse_client_a.get(INBOX)
    assert response.status_code == 200
    for n in range(20):
        raise_alert(make_patient(), severity=("urgent", "high", "routine")[n % 3], status=("open", "acknowledged")[n % 2])
    with django_assert_num_queries(7):
        response = nurse_client_a.get(INBOX)
    assert response.status_code == 200
    # All 21 shown: a page that rendered none of them would take fewer queries, not the same.
    assert len(response.context["open_alerts"]) + len(response.context["acknowledged_alerts"]) == 21


def test_one_click_acknowledges_an_alert_and_records_who(nurse_a, nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent")
    response = nurse_client_a.post(_ack(alert), {"next": INBOX})
    assert response.status_code == 302 and response["Location"] == INBOX
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by_id) == ("acknowledged", nurse_a.pk)
    assert alert.acknowledged_at is not None
    assert AlertEvent.objects.filter(alert=alert, action="acknowledged", actor=nurse_a).count() == 1
    event = AuditEvent.objects.get(resource="alert")
    assert (event.patient_id, event.action, event.channel) == (alert.patient_id, "update", "dashboard")
    inbox = nurse_client_a.get(INBOX)
    assert inbox.context["open_alerts"] == [] and [a.pk for a in inbox.context["acknowledged_alerts"]] == [alert.pk]


def test_acknowledging_with_a_note_from_the_patient_page_returns_there(nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="high")
    response = nurse_client_a.post(_ack(alert), {"note": "Called; pain plan adjusted."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboard:patient", args=[alert.patient_id]) + "#alerts"
    alert.refresh_from_db()
    assert alert.acknowledge_note == "Called; pain plan adjusted."
    assert "Called; pain plan adjusted." in response.content.decode()


def test_the_script_gets_the_acknowledged_row_back_as_json(nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(last_name="Jsoncase"), severity="urgent")
    response = nurse_client_a.post(_ack(alert), {"next": INBOX}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == alert.pk and data["status"] == "acknowledged"
    assert f'data-alert-id="{alert.pk}"' in data["row"] and "Jsoncase" in data["row"] and "nurse.a" in data["row"]


def test_a_resolved_alert_cannot_be_acknowledged(nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent", status="resolved")
    response = nurse_client_a.post(_ack(alert), HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert "status" in response.json()["errors"]
    response = nurse_client_a.post(_ack(alert), follow=True)
    assert b"already resolved" in response.content
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.acknowledged_at is None


def test_another_clinics_alert_is_a_404_and_stays_open(nurse_client_b, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent")
    assert nurse_client_b.post(_ack(alert)).status_code == 404
    assert nurse_client_b.post(_resolve(alert), {"note": "Not mine"}).status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"


def test_resolving_needs_a_note_saying_what_was_done(nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent")
    response = nurse_client_a.post(_resolve(alert), {"note": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what was done before resolving the alert." in html
    assert f'aria-describedby="resolve-error-{alert.pk}"' in html
    alert.refresh_from_db()
    assert alert.status == "open"


def test_a_nurse_resolves_an_alert_with_a_note(nurse_a, nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent", status="acknowledged")
    response = nurse_client_a.post(_resolve(alert), {"note": "Wound reviewed in clinic; antibiotics started."}, follow=True)
    assert response.status_code == 200
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by_id, alert.resolution_note) == (
        "resolved",
        nurse_a.pk,
        "Wound reviewed in clinic; antibiotics started.",
    )
    assert b"Recently resolved (1)" in response.content
    assert AuditEvent.objects.filter(resource="alert", detail__startswith="resolved alert").count() == 1


def test_alert_actions_need_a_post_with_the_csrf_token(nurse_a, nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent")
    assert nurse_client_a.get(_ack(alert)).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse_a)
    assert client.post(_ack(alert)).status_code == 403
    assert client.post(_resolve(alert), {"note": "x"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == "open"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get(INBOX).content.decode()).group(1)
    assert client.post(_ack(alert), {"csrfmiddlewaretoken": token}).status_code == 302


def test_a_next_address_off_the_site_is_ignored(nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent")
    response = nurse_client_a.post(_ack(alert), {"next": "https://evil.example/phish"})
    assert response["Location"] == reverse("dashboard:patient", args=[alert.patient_id]) + "#alerts"


def test_the_navigation_counts_open_alerts(nurse_client_a, make_patient, raise_alert):
    raise_alert(make_patient(), severity="urgent")
    raise_alert(make_patient(), severity="routine")
    raise_alert(make_patient(), severity="high", status="acknowledged")
    assert b'<span class="count" aria-label="2 open">2</span>' in nurse_client_a.get(INBOX).content


def test_alert_rows_without_alerts_say_so(nurse_client_a, make_patient):
    response = nurse_client_a.get(INBOX)
    assert b"No open alerts." in response.content
    assert Alert.objects.count() == 0


def test_one_click_resolves_and_labels_whether_the_alert_was_useful(nurse_a, nurse_client_a, make_patient, raise_alert):
    patient = make_patient()
    urgent = raise_alert(patient, severity="urgent")
    routine = raise_alert(patient, severity="routine", kind="milestone_overdue")
    html = nurse_client_a.get(reverse("dashboard:patient", args=[patient.pk])).content.decode()
    # Each resolve form offers the three labels as its submit buttons: one click says both.
    for value in ("needed_action", "not_needed", "duplicate"):
        assert f'name="useful" value="{value}"' in html
    response = nurse_client_a.post(_resolve(urgent), {"note": "Sent to the emergency department", "useful": "needed_action"}, follow=True)
    assert b"Alert resolved (needed action)" in response.content
    # A routine alert needs no note, the same rule as the staff API's.
    nurse_client_a.post(_resolve(routine), {"note": "", "useful": "not_needed"})
    urgent.refresh_from_db()
    routine.refresh_from_db()
    assert (urgent.status, urgent.useful, urgent.resolved_by_id) == ("resolved", "needed_action", nurse_a.pk)
    assert (routine.status, routine.useful, routine.resolution_note) == ("resolved", "not_needed", "")
    response = nurse_client_a.get(reverse("dashboard:patient", args=[patient.pk]))
    assert b"<td>Needed action</td>" in response.content and b"<td>Not needed</td>" in response.content


def test_resolving_a_resolved_alert_says_so_and_changes_nothing(nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="urgent")
    nurse_client_a.post(_resolve(alert), {"note": "Called the patient", "useful": "needed_action"})
    response = nurse_client_a.post(_resolve(alert), {"note": "Another note", "useful": "duplicate"}, follow=True)
    assert b"This alert is already resolved." in response.content
    alert.refresh_from_db()
    assert (alert.resolution_note, alert.useful, alert.events.count()) == ("Called the patient", "needed_action", 1)


def test_a_label_outside_the_three_is_refused(nurse_client_a, make_patient, raise_alert):
    alert = raise_alert(make_patient(), severity="routine")
    assert nurse_client_a.post(_resolve(alert), {"useful": "maybe"}).status_code == 400
    alert.refresh_from_db()
    assert alert.status == "open"
