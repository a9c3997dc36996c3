"""A patient's page: charts against the expected band, milestones, records, SMS history, contact settings."""

import datetime
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import Message
from patients.models import AuditEvent, Patient
from recovery.models import Alert
from recovery.services import patient_message_record


def _url(patient):
    return reverse("dashboard:patient", args=[patient.pk])


def _contact_url(patient):
    return reverse("dashboard:patient-contact", args=[patient.pk])


def test_the_page_draws_pain_and_walking_against_the_expected_band(nurse_client_a, make_patient, log_days):
    patient = make_patient(surgery_days_ago=10)
    log_days(
        patient,
        {
            0: {"milestones": ["first_walk"]},
            1: {"pain": 7, "walking_minutes": 4},
            2: {"pain": 6, "walking_minutes": 8, "milestones": ["discharged"]},
            5: {"pain": 8, "walking_minutes": 12, "symptoms": ["fever"]},
            6: {"pain": 5},
        },
    )
    response = nurse_client_a.get(_url(patient))
    assert response.status_code == 200
    html = response.content.decode()
    pain_svg = re.search(r'<svg class="chart" id="pain-chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in pain_svg and 'aria-labelledby="pain-chart-title pain-chart-desc"' in pain_svg
    assert pain_svg.count('class="band-area"') == 1
    # Four logged pains: three within the band (circles), one above it (a diamond, not just a colour).
    assert pain_svg.count('<circle class="point"') == 3
    assert pain_svg.count('<polygon class="point outside"') == 1
    assert "Day 5 (" in pain_svg and "pain 8, expected at most 7 — above expected" in pain_svg
    # The red-flag day carries a triangle with "!" and says what was reported.
    assert pain_svg.count('class="red-flag"') == 1 and "red-flag symptom reported: fever" in pain_svg
    walking_svg = re.search(r'<svg class="chart" id="walking-chart".*?</svg>', html, re.S).group(0)
    assert walking_svg.count('class="point outside"') == 1  # 4 minutes on day 1, expected at least 5
    # The text alternative: a summary and the table of the same data.
    assert "Latest pain 5 on day 6 (expected at most 7)" in html
    assert "1 red-flag day." in html
    assert response.context["logged_count"] == 5
    assert [d["recovery_day"] for d in response.context["days_desc"]] == [6, 5, 2, 1, 0]
    assert "▲</span> red flag:</span> Fever or chills" in html


def test_milestones_are_laid_against_their_windows_with_their_state_in_words(nurse_client_a, make_patient, log_days):
    from recovery.models import MilestoneQuestion

    patient = make_patient(surgery_days_ago=10, added_on_day=0)
    log_days(patient, {0: {"milestones": ["first_walk"]}, 3: {"pain": 4}})
    # Asked today whether they had gone home, the patient has not answered yet: late, not overdue.
    question = MilestoneQuestion.objects.create(patient=patient, milestone="discharged", asked_on=patient.local_today())
    states = {m["code"]: m["state"] for m in nurse_client_a.get(_url(patient)).context["progress"]["milestones"]}
    assert states["discharged"] == "late"
    # The patient said no: overdue, as the engine alerts it.
    MilestoneQuestion.objects.filter(pk=question.pk).update(state="no", answered_on=patient.local_today())
    response = nurse_client_a.get(_url(patient))
    states = {m["code"]: m["state"] for m in response.context["progress"]["milestones"]}
    assert states["first_walk"] == "reached" and states["discharged"] == "overdue" and states["driving"] == "upcoming"
    # Normal diet is past its overdue day too, but its protocol raises no alert for it: late.
    assert states["normal_diet"] == "late"
    html = response.content.decode()
    timeline = re.search(r'<svg class="chart timeline".*?</svg>', html, re.S).group(0)
    assert timeline.count('class="reached-mark"') == 1
    assert "✕ overdue" in timeline and "✓ reached day 0" in timeline
    assert "overdue: discharged home; late: normal diet." in html


def test_the_page_shows_the_sms_history_with_delivery_status(nurse_client_a, make_patient):
    patient = make_patient()
    Message.objects.create(
        patient=patient, purpose="reminder", status="delivered", to_phone=patient.phone, body="Time for your daily check-in."
    )
    Message.objects.create(
        patient=patient,
        purpose="reminder",
        status="undelivered",
        to_phone=patient.phone,
        body="Second reminder",
        error_code="30003",
        error_message="Unreachable handset",
    )
    Message.objects.create(
        patient=patient, direction="in", purpose="inbound", status="received", to_phone="+15550009999", body="PAIN 4"
    )
    Message.objects.create(patient=patient, purpose="page", status="sent", to_phone="+15550101001", body="Recovery alert (urgent)")
    html = nurse_client_a.get(_url(patient)).content.decode()
    sms = html[html.index('id="sms"') :]
    assert "Delivered" in sms and "Undelivered" in sms and "30003 Unreachable handset" in sms
    assert "from patient" in sms and "PAIN 4" in sms
    # A page about the patient went to the nurse, not to the patient.
    page_row = next(row for row in sms.split("<tr>") if "Recovery alert (urgent)" in row)
    assert "to the on-call nurse" in page_row and "to patient" not in page_row


def test_another_clinics_patient_is_a_404_and_tells_nothing(nurse_client_b, make_patient):
    patient = make_patient(last_name="Secretcase")
    response = nurse_client_b.get(_url(patient))
    assert response.status_code == 404
    assert b"Secretcase" not in response.content
    assert nurse_client_b.get(reverse("dashboard:patient", args=[999999])).status_code == 404
    assert nurse_client_b.post(_contact_url(patient), {"phone": "+15550001111"}).status_code == 404


def test_viewing_a_patient_writes_an_audit_row(nurse_a, nurse_client_a, make_patient):
    patient = make_patient()
    nurse_client_a.get(_url(patient), REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(resource="patient")
    assert (event.actor_id, event.patient_id, event.action, event.channel, event.ip_address) == (
        nurse_a.pk,
        patient.pk,
        "view",
        "dashboard",
        "10.1.2.3",
    )


def test_the_patient_page_takes_a_fixed_number_of_queries(
    nurse_client_a, make_patient, log_days, raise_alert, django_assert_num_queries
):
    # Queries: 1 session, 2 user, 3 the nurse's clinics, 4 the patient with the summary (scoped to
    # the nurse's clinics), 5-7 the protocol, its milestones, its bands, 8 the daily records,
    # 9 the milestone questions, 10 the alerts, 11 the SMS history, 12 the patient's messages waiting
    # for a nurse, 13 the caregivers, 14 who of them answered which day, 15 the active outcome
    # questionnaires (none loaded: their time points are not read), 16 the patient's questionnaire
    # responses, 17 the audit row, 18 the navigation's counts (open alerts and unread messages, one
    # statement).
    short = make_patient(surgery_days_ago=5)
    log_days(short, {1: {"pain": 5}})
    with django_assert_num_queries(18):
        nurse_client_a.get(_url(short))
    long = make_patient(surgery_days_ago=60)
    log_days(
        long, {d: {"pain": 6 - d // 12, "walking_minutes": d, "symptoms": ["fever"] if d % 9 == 0 else []} for d in range(60)}
    )
    # The fevers opened the urgent red-flag alert at their check-ins; one alert of each other severity.
    assert Alert.objects.filter(patient=long, kind="red_flag", severity="urgent").count() == 1
    for severity in ("high", "routine"):
        raise_alert(long, severity=severity, kind={"high": "pain_high", "routine": "missed_checkins"}[severity])
    for n in range(30):
        Message.objects.create(patient=long, purpose="reminder", status="delivered", to_phone=long.phone, body=f"Reminder {n}")
    for n in range(8):
        patient_message_record(
            clinic_id=long.clinic_id, patient_id=long.pk, text=f"Note {n}", channel="app", reason="note", received_at=timezone.now()
        )
    with django_assert_num_queries(18):
        nurse_client_a.get(_url(long))


def _contact(patient, **changes):
    data = {
        "phone": patient.phone,
        "language": patient.language,
        "timezone": patient.timezone,
        "reminder_time": patient.reminder_time.strftime("%H:%M"),
        "sms_opt_in": "on" if patient.sms_opt_in else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_nurse_updates_contact_and_reminder_settings(nurse_a, nurse_client_a, make_patient):
    patient = make_patient()
    response = nurse_client_a.post(
        _contact_url(patient), _contact(patient, phone="+15550427777", reminder_time="19:30", language="es")
    )
    assert response.status_code == 302
    assert response["Location"] == _url(patient) + "#contact"
    patient.refresh_from_db()
    assert (patient.phone, patient.reminder_time, patient.language) == ("+15550427777", datetime.time(19, 30), "es")
    event = AuditEvent.objects.get(resource="contact")
    assert (event.actor_id, event.patient_id, event.action, event.channel) == (nurse_a.pk, patient.pk, "update", "dashboard")
    assert event.detail == "changed phone, language, reminder_time"
    assert "+15550427777" not in event.detail  # the audit names fields, not values


def test_withdrawing_and_giving_sms_consent_records_when(nurse_client_a, make_patient):
    patient = make_patient()
    assert patient.sms_opt_in and patient.sms_consent_at is not None and patient.sms_opt_out_at is None
    nurse_client_a.post(_contact_url(patient), _contact(patient, sms_opt_in=""))
    patient.refresh_from_db()
    assert patient.sms_opt_in is False and patient.sms_opt_out_at is not None
    first_consent = patient.sms_consent_at
    nurse_client_a.post(_contact_url(patient), _contact(patient, sms_opt_in="on"))
    patient.refresh_from_db()
    assert patient.sms_opt_in is True and patient.sms_consent_at > first_consent
    details = list(AuditEvent.objects.filter(resource="contact").order_by("id").values_list("detail", flat=True))
    assert details == ["changed sms_opt_in (SMS consent withdrawn)", "changed sms_opt_in (SMS consent given)"]


def test_a_new_phone_number_is_no_longer_marked_unreachable(nurse_client_a, make_patient):
    from django.utils import timezone

    patient = make_patient()
    Patient.objects.filter(pk=patient.pk).update(phone_invalid_at=timezone.now())
    patient.refresh_from_db()
    assert b"cannot receive SMS" in nurse_client_a.get(_url(patient)).content
    nurse_client_a.post(_contact_url(patient), _contact(patient, phone="+15550428888"))
    patient.refresh_from_db()
    assert patient.phone_invalid_at is None


def test_saving_unchanged_settings_writes_nothing(nurse_client_a, make_patient):
    patient = make_patient()
    before = Patient.objects.get(pk=patient.pk).updated_at
    response = nurse_client_a.post(_contact_url(patient), _contact(patient), follow=True)
    assert b"Nothing changed." in response.content
    assert Patient.objects.get(pk=patient.pk).updated_at == before
    assert not AuditEvent.objects.filter(resource="contact").exists()


def test_invalid_contact_settings_are_refused_with_the_field_named_and_nothing_changes(nurse_client_a, make_patient):
    patient = make_patient()
    cases = [
        ({"phone": "555-0100"}, "phone", "possible phone number"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Unknown IANA time zone"),
        ({"reminder_time": "23:15"}, "reminder_time", "quiet hours"),
        ({"reminder_time": "25:99"}, "reminder_time", "valid time"),
        ({"language": "fr"}, "language", "valid choice"),
    ]
    for change, field, words in cases:
        response = nurse_client_a.post(_contact_url(patient), _contact(patient, **change))
        assert response.status_code == 400, change
        assert field in response.context["contact_form"].errors, change
        assert words in str(response.context["contact_form"].errors[field]), change
        html = response.content.decode()
        assert "Nothing was saved" in html
        assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    fresh = Patient.objects.get(pk=patient.pk)
    assert (fresh.phone, fresh.timezone, fresh.reminder_time, fresh.language) == (
        patient.phone,
        patient.timezone,
        patient.reminder_time,
        patient.language,
    )
    assert not AuditEvent.objects.filter(resource="contact").exists()


def test_changing_contact_settings_needs_the_csrf_token(nurse_a, make_patient):
    patient = make_patient()
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse_a)
    response = client.post(_contact_url(patient), _contact(patient, phone="+15550429999"))
    assert response.status_code == 403
    assert Patient.objects.get(pk=patient.pk).phone == patient.phone
    # With the token from the page, the same post goes through.
    page = client.get(_url(patient))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(_contact_url(patient), {**_contact(patient, phone="+15550429999"), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Patient.objects.get(pk=patient.pk).phone == "+15550429999"


def test_the_contact_form_only_accepts_posts(nurse_client_a, make_patient):
    assert nurse_client_a.get(_contact_url(make_patient())).status_code == 405


def test_a_milestone_past_its_window_without_an_overdue_day_is_shown_as_late(nurse_client_a, make_patient):
    # MIS: physical therapy is expected from day 7 to day 28 and never becomes overdue.
    patient = make_patient(surgery_days_ago=35)
    response = nurse_client_a.get(_url(patient))
    therapy = next(m for m in response.context["progress"]["milestones"] if m["code"] == "physical_therapy_started")
    assert therapy["state"] == "late"
    html = response.content.decode()
    assert "◐</span> late (expected by day 28)" in html
    assert "◐ late" in re.search(r'<svg class="chart timeline".*?</svg>', html, re.S).group(0)
    # Added today, on day 35: nothing fell overdue while the patient was monitored.
    assert "late: first walk, normal diet, discharged home, off opioids, physical therapy started, driving." in html


def test_a_phone_typed_as_a_nurse_types_it_is_kept_in_e164(nurse_client_a, make_patient):
    patient = make_patient()
    response = nurse_client_a.post(_contact_url(patient), _contact(patient, phone="(312) 555-0142"))
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+13125550142"


def test_a_phone_another_clinics_active_patient_holds_is_refused_without_naming_the_clinic(nurse_client_a, make_patient, clinic_b):
    patient = make_patient()
    other = make_patient(clinic=clinic_b)
    response = nurse_client_a.post(_contact_url(patient), _contact(patient, phone=other.phone))
    assert response.status_code == 400
    errors = str(response.context["contact_form"].errors["phone"])
    assert "another clinic" in errors and clinic_b.name not in response.content.decode()
    patient.refresh_from_db()
    assert patient.phone != other.phone
