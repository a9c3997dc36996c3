"""The web check-in page: opened from a link with no password, in the patient's language, stored
through checkin_submit with channel `web`, answered as the API answers, every view audited."""

import datetime
import re

import pytest
from django.test import Client

from notifications.models import Message
from patients.models import AuditEvent
from recovery.models import CheckinSubmission, DailyRecord
from tests.webcheckin.conftest import sent_text
from webcheckin.links import LINK_MASK
from webcheckin.models import CheckinLink
from webcheckin.services import MISSES_PER_HOUR, NEW_LINKS_PER_DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    """A phone's browser: cookies kept, CSRF enforced as in production."""
    return Client(enforce_csrf_checks=True)


def _open(browser, path):
    page = browser.get(path)
    html = page.content.decode()
    fields = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1),
        "client_id": re.search(r'name="client_id" value="([^"]+)"', html).group(1),
    }
    return page, html, fields


def test_the_link_opens_the_days_checkin_with_every_question_labelled(browser, patient_a, link_for):
    page, html, _ = _open(browser, link_for(patient_a))
    assert page.status_code == 200
    assert '<html lang="en">' in html
    assert "How was today?" in html and "0 = no pain" in html and "10 = worst pain you can imagine" in html
    assert "<legend>Your worst pain today</legend>" in html
    assert re.search(r'<label class="check" for="(id_symptoms_\d+)"><input[^>]+value="chest_pain_breathless"[^>]*>\s*<span>Chest pain', html)
    assert 'name="walking_minutes"' in html and 'name="opioid_use"' in html and 'name="note"' in html
    assert "First walk" in html  # a milestone not reached yet
    assert "not watched around the clock" in html and "911" in html
    assert "<script" not in html
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]


def test_a_spanish_speaker_reads_it_in_spanish(browser, make_patient, link_for):
    patient = make_patient(language="es")
    _, html, _ = _open(browser, link_for(patient))
    assert '<html lang="es">' in html and "¿Cómo fue hoy?" in html and "Su peor dolor de hoy" in html
    chest = re.search(r'value="chest_pain_breathless"[^>]*>\s*<span>([^<]+)', html).group(1)
    assert "pecho" in chest or "aire" in chest


def test_a_checkin_with_a_red_flag_is_stored_as_web_and_answered_with_the_advice(browser, patient_a, link_for):
    path = link_for(patient_a)
    _, _, fields = _open(browser, path)
    answer = browser.post(path, {**fields, "pain": "6", "walking_minutes": "15", "opioid_use": "yes",
                                 "symptoms": ["chest_pain_breathless"], "milestones": ["first_walk"], "note": "short of breath"})
    assert answer.status_code == 201
    html = answer.content.decode()
    assert "Call emergency services (911) now." in html and 'role="alert"' in html
    record = DailyRecord.objects.get(patient=patient_a)
    assert record.channel == "web" and record.pain == 6 and record.walking_minutes == 15 and record.opioid_use is True
    assert record.symptoms == ["chest_pain_breathless"] and record.milestones == ["first_walk"] and record.note == "short of breath"
    assert CheckinSubmission.objects.get(patient=patient_a).channel == "web"
    # What to expect now (day 10 of a minimally invasive fusion: weeks 2-6).
    assert "What to expect now" in html and "20 to 30 minutes of walking" in html


def test_a_checkin_without_a_red_flag_is_thanked_in_spanish(browser, make_patient, link_for):
    patient = make_patient(language="es")
    path = link_for(patient)
    _, _, fields = _open(browser, path)
    answer = browser.post(path, {**fields, "pain": "3"})
    html = answer.content.decode()
    assert answer.status_code == 201 and "Gracias, registrado." in html and "Haga esto ahora" not in html
    assert "Qué esperar ahora" in html


def test_the_same_form_sent_twice_is_one_checkin_with_the_same_answer(browser, patient_a, link_for):
    path = link_for(patient_a)
    _, _, fields = _open(browser, path)
    data = {**fields, "pain": "5", "symptoms": ["fever"]}
    first = browser.post(path, data)
    again = browser.post(path, data)
    assert first.status_code == 201 and again.status_code == 200
    assert "Call the clinic today." in again.content.decode()
    assert CheckinSubmission.objects.filter(patient=patient_a).count() == 1


def test_a_used_link_shows_no_form_and_offers_a_new_one_by_sms(browser, patient_a, link_for):
    path = link_for(patient_a)
    _, _, fields = _open(browser, path)
    browser.post(path, {**fields, "pain": "4"})
    page = browser.get(path)
    html = page.content.decode()
    assert page.status_code == 410
    assert "already been used" in html and 'name="pain"' not in html and "Text me a new link" in html
    # Another form posted through the used link stores nothing.
    other = browser.post(path, {**fields, "client_id": "6f1d3c1e-0000-4000-8000-000000000001", "pain": "9"})
    assert other.status_code == 410 and DailyRecord.objects.get(patient=patient_a).pain == 4


def test_an_expired_link_explains_itself_and_a_new_link_goes_out_through_the_outbox(browser, patient_a, link_for):
    path = link_for(patient_a)
    CheckinLink.objects.update(expires_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    page = browser.get(path)
    html = page.content.decode()
    assert page.status_code == 410 and "expired" in html and 'name="pain"' not in html
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    sent = browser.post(path + "/new-link", {"csrfmiddlewaretoken": csrf})
    assert "A new link is on its way" in sent.content.decode()
    message = Message.objects.get(dedupe_key__startswith=f"checkin-link:{patient_a.pk}:")
    assert message.status == "queued" and message.to_phone == patient_a.phone
    assert "/c/" + LINK_MASK in message.body
    new_path = re.search(r"https?://[^/\s]+(/c/[A-Za-z0-9_-]{22})", sent_text(message)).group(1)
    assert browser.get(new_path).status_code == 200


def test_new_links_by_sms_are_limited_per_day(browser, patient_a, link_for):
    path = link_for(patient_a)
    CheckinLink.objects.update(expires_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(path).content.decode()).group(1)
    answers = [browser.post(path + "/new-link", {"csrfmiddlewaretoken": csrf}).content.decode() for _ in range(NEW_LINKS_PER_DAY + 2)]
    assert all("A new link is on its way" in a for a in answers[:NEW_LINKS_PER_DAY])
    assert "several new links today" in answers[-1]
    assert Message.objects.filter(dedupe_key__startswith=f"checkin-link:{patient_a.pk}:").count() == NEW_LINKS_PER_DAY


def test_a_tampered_link_shows_no_form_and_names_nobody(browser, patient_a, link_for):
    path = link_for(patient_a)
    page = browser.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB"))
    html = page.content.decode()
    assert page.status_code == 404 and 'name="pain"' not in html
    assert "not one we sent" in html and "no es uno de los nuestros" in html
    assert patient_a.first_name not in html and "Clinic A" not in html


def test_guessing_tokens_is_cut_off(browser, patient_a, link_for):
    path = link_for(patient_a)
    for n in range(MISSES_PER_HOUR):
        assert browser.get(f"/c/guess{n:017d}").status_code == 404
    assert browser.get("/c/one-more-guess-000000").status_code == 429
    # Even the right token, from that address, for the rest of the hour.
    assert browser.get(path).status_code == 429


def test_a_post_without_the_csrf_token_is_refused(browser, patient_a, link_for):
    path = link_for(patient_a)
    _, _, fields = _open(browser, path)
    refused = browser.post(path, {"client_id": fields["client_id"], "pain": "4"})
    assert refused.status_code == 403 and not DailyRecord.objects.filter(patient=patient_a).exists()


def test_an_empty_or_bad_form_is_sent_back_naming_what_is_wrong(browser, patient_a, link_for):
    path = link_for(patient_a)
    _, _, fields = _open(browser, path)
    empty = browser.post(path, fields)
    assert empty.status_code == 400 and "Answer at least one question" in empty.content.decode()
    bad = browser.post(path, {**fields, "walking_minutes": "5000", "pain": "11"})
    assert bad.status_code == 400 and 'id="walking-error"' in bad.content.decode()
    assert not DailyRecord.objects.filter(patient=patient_a).exists()
    # The link is still open: nothing was claimed.
    assert browser.post(path, {**fields, "pain": "2"}).status_code == 201


def test_every_view_and_submission_is_audited(browser, patient_a, link_for):
    path = link_for(patient_a)
    _, _, fields = _open(browser, path)
    browser.post(path, {**fields, "pain": "4"})
    browser.get(path)
    browser.get(path + "/recovery")
    browser.get("/c/not-a-token-we-sent-000")
    rows = list(AuditEvent.objects.filter(channel="web").order_by("id").values_list("patient_id", "action", "resource"))
    assert rows == [
        (patient_a.pk, "view", "checkin_page"),
        (patient_a.pk, "create", "checkins"),
        (patient_a.pk, "view", "checkin_link"),
        (patient_a.pk, "view", "progress"),
        (None, "view", "checkin_link"),
    ]


def test_my_recovery_draws_pain_and_walking_against_the_expected_range_and_the_milestones_ahead(
    browser, patient_a, link_for, log_days
):
    log_days(patient_a, {d: {"pain": 7 - d // 2, "walking_minutes": 5 + d} for d in range(0, 10)})
    page = browser.get(link_for(patient_a) + "/recovery")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="pain-chart"' in html and 'id="walking-chart"' in html and 'class="band-area"' in html
    assert "Milestones ahead" in html and "Off opioids" in html
    assert "dashboard/charts.css" in html


def test_another_patients_link_shows_only_that_patient(browser, patient_a, make_patient, link_for):
    other = make_patient(first_name="Otra", last_name="Persona")
    html = browser.get(link_for(other) + "/recovery").content.decode()
    assert "Alma" not in html and "Testcase" not in html


def test_the_nurses_sms_history_shows_where_a_link_pointed_but_not_its_token(nurse_client_a, make_patient):
    patient = make_patient(enrolled=False)
    invitation = Message.objects.get(patient=patient, purpose="enrollment")
    token = re.search(r"/c/([A-Za-z0-9_-]{22})", sent_text(invitation)).group(1)
    assert token not in invitation.body
    html = nurse_client_a.get(f"/patients/{patient.pk}/").content.decode()
    assert "/c/…" in html and token not in html and LINK_MASK not in html


def test_the_form_and_a_checkin_take_a_fixed_number_of_queries(browser, patient_a, link_for, log_days, django_assert_num_queries):
    log_days(patient_a, {d: {"pain": 5, "walking_minutes": 10 + d} for d in range(0, 9)})
    path = link_for(patient_a)
    # 1 the link with its patient and clinic, 2-4 the protocol, its milestones, its bands, 5 the daily
    # records (milestones reached), 6 the milestone questions (their states), 7 the caregivers, 8 the
    # questions waiting for an answer, 9 the audit row.
    with django_assert_num_queries(9):
        _, _, fields = _open(browser, path)
    # 1 the link, 2-4 the protocol, 5 the records, 6 the questions' states, 7 the caregivers, 8 the
    # questions waiting, 9 savepoint (the claim and the check-in commit together), 10 the claim, 11 the
    # check-in's own savepoint, 12 the check-in (one statement: day, submission, evaluation mark,
    # audit row), 13-14 release both, 15 the guidance.
    with django_assert_num_queries(15):
        assert browser.post(path, {**fields, "pain": "4"}).status_code == 201


def test_before_surgery_the_invitations_link_waits_for_the_surgery_day(browser, make_patient):
    patient = make_patient(enrolled=False, surgery_days_ago=-3)
    invitation = Message.objects.get(patient=patient, purpose="enrollment")
    path = re.search(r"https?://[^/\s]+(/c/[A-Za-z0-9_-]{22})", sent_text(invitation)).group(1)
    link = CheckinLink.objects.get(patient=patient)
    assert link.date == patient.surgery_date
    page = browser.get(path)
    html = page.content.decode()
    assert page.status_code == 200 and "start on the day of your surgery" in html and 'name="pain"' not in html
    assert browser.get(path + "/recovery").status_code == 200
