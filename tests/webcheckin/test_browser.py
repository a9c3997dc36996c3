"""The web check-in in a real headless Chromium, as a phone (390 px) and a desktop open it: a patient taps
the link of a reminder, checks in with a red flag and reads the advice, and the nurse's worklist shows the
alert; an expired and a tampered link. Screenshots land in tests/artifacts/ (not committed)."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from tests.dashboard.test_browser import ARTIFACTS, UNLABELLED_CONTROLS, _login, browser, default_protocols  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _guidance():
    import importlib

    from django.apps import apps

    importlib.import_module("webcheckin.migrations.0002_default_guidance").load_defaults(apps, None)


@pytest.fixture
def patient(make_patient):
    default_protocols()
    _guidance()
    return make_patient(first_name="Rita", last_name="Redflag", surgery_days_ago=4, timezone_name="America/Chicago")


def _reminder_link(patient, live_server, settings) -> str:
    """Write the patient's reminder as the reminder job does, at 18:30 of the patient's local today,
    and return its link pointed at the test server."""
    from notifications.models import Message
    from notifications.services import reminders

    tz = ZoneInfo(patient.timezone)
    evening = datetime.datetime.combine(patient.local_today(), datetime.time(18, 30), tzinfo=tz)
    assert reminders.reminders_enqueue(now=evening.astimezone(datetime.UTC)) == 1
    return _live_link(Message.objects.get(patient=patient, purpose="reminder"), live_server, settings, evening)


def _live_link(message, live_server, settings, now) -> str:
    """The link of an outbox message as the send puts it in (the row holds it masked), at the test server."""
    from tests.webcheckin.conftest import sent_text

    url = re.search(r"\S+/c/[A-Za-z0-9_-]{22}", sent_text(message, now=now)).group(0)
    return url.replace(settings.PUBLIC_BASE_URL.rstrip("/"), live_server.url)


def _context(chromium, size: str, **kwargs):
    mobile = size == "phone"
    return chromium.new_context(viewport=SIZES[size], is_mobile=mobile, has_touch=mobile, **kwargs)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_patient_checks_in_with_a_red_flag_from_the_reminder_and_the_nurse_sees_the_alert(
    browser, live_server, settings, patient, nurse_a, size  # noqa: F811
):
    url = _reminder_link(patient, live_server, settings)
    context = _context(browser, size, java_script_enabled=False)  # the page needs no script
    page = context.new_page()
    page.set_default_timeout(10_000)
    response = page.goto(url)
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "How was today?"
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / f"webcheckin-form-{size}.png"), full_page=True)

    page.get_by_role("group", name="Your worst pain today").get_by_label("7", exact=True).check()
    page.get_by_label("Minutes of walking today").fill("10")
    page.get_by_role("group", name="Did you take opioid pain medicine today?").get_by_label("Yes").check()
    chest = page.get_by_role("checkbox", name=re.compile("chest|breath", re.I))
    chest.check()
    page.get_by_label("First walk").check()
    page.get_by_role("button", name="Send my check-in").click()

    advice = page.get_by_role("alert")
    assert "Call emergency services (911) now." in advice.inner_text()
    assert "What to expect now" in page.content()
    page.screenshot(path=str(ARTIFACTS / f"webcheckin-advice-{size}.png"), full_page=True)

    # The patient's own recovery, from the same link.
    page.get_by_role("link", name="My recovery").click()
    assert page.locator("svg#pain-chart .band-area").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / f"webcheckin-recovery-{size}.png"), full_page=True)
    context.close()

    from recovery.models import Alert, DailyRecord
    from recovery.services.evaluation import Trigger, recovery_evaluate

    assert DailyRecord.objects.get(patient=patient).channel == "web"
    # What the worker does with the check-in's evaluation task.
    recovery_evaluate(patient_ids=[patient.pk], trigger=Trigger.CHECKIN)
    assert Alert.objects.filter(patient=patient, kind="red_flag", severity="urgent").exists()

    nurse = _context(browser, size)
    staff = nurse.new_page()
    staff.set_default_timeout(10_000)
    _login(staff, live_server.url, "nurse.a")
    first = staff.locator("table.worklist tbody tr").first
    assert "Redflag, Rita" in first.inner_text()
    assert first.is_visible() and first.bounding_box()["y"] < SIZES[size]["height"]  # on the first screen
    staff.screenshot(path=str(ARTIFACTS / f"webcheckin-worklist-{size}.png"))
    nurse.close()


def test_the_page_holds_with_the_text_size_doubled(browser, live_server, settings, patient):  # noqa: F811
    url = _reminder_link(patient, live_server, settings)
    # The style below is injected by the test, which the page's CSP would rightly refuse.
    context = _context(browser, "phone", bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    # The browser's text size doubled: every size on the page is in rem.
    page.add_style_tag(content="html { font-size: 200% !important; }")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    button = page.get_by_role("button", name="Send my check-in")
    button.scroll_into_view_if_needed()
    assert button.is_visible()
    box = page.get_by_role("group", name="Your worst pain today").get_by_text("10", exact=True).bounding_box()
    assert box["x"] + box["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "webcheckin-form-text-200.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_expired_and_a_tampered_link_show_no_form(browser, live_server, settings, patient, size):  # noqa: F811
    from webcheckin.models import CheckinLink

    url = _reminder_link(patient, live_server, settings)
    context = _context(browser, size)
    page = context.new_page()
    tampered = url[:-3] + ("xyz" if not url.endswith("xyz") else "abc")
    response = page.goto(tampered)
    assert response.status == 404
    assert page.locator("form").count() == 0
    assert "not one we sent" in page.content() and "Rita" not in page.content()
    page.screenshot(path=str(ARTIFACTS / f"webcheckin-tampered-{size}.png"), full_page=True)

    CheckinLink.objects.filter(patient=patient).update(expires_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    response = page.goto(url)
    assert response.status == 410
    assert page.get_by_role("radio").count() == 0
    assert "expired" in page.content()
    page.screenshot(path=str(ARTIFACTS / f"webcheckin-expired-{size}.png"), full_page=True)
    page.get_by_role("button", name="Text me a new link").click()
    assert "A new link is on its way" in page.get_by_role("status").inner_text()
    context.close()


def test_a_caregiver_checks_in_for_the_patient_through_the_link(browser, live_server, settings, patient):  # noqa: F811
    from caregivers.models import Caregiver, CaregiverCheckin

    caregiver = Caregiver.objects.create(patient=patient, name="Carl Caregiver", relationship="son", phone="+15550400002")
    url = _reminder_link(patient, live_server, settings)
    context = _context(browser, "phone", java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    page.get_by_role("group", name="Who is answering?").get_by_label("Carl Caregiver (son)").check()
    page.get_by_role("group", name="Your worst pain today").get_by_label("4", exact=True).check()
    page.get_by_role("button", name="Send my check-in").click()
    assert page.get_by_role("status").inner_text() == "Thank you, recorded."
    page.screenshot(path=str(ARTIFACTS / "webcheckin-caregiver-phone.png"), full_page=True)
    context.close()
    assert CaregiverCheckin.objects.get().caregiver_id == caregiver.pk


def test_a_caregiver_checks_in_by_their_own_link_another_by_sms_and_the_nurse_sees_both(
    browser, live_server, settings, patient, nurse_a  # noqa: F811
):
    """One caregiver gets a copy of the reminder (in Spanish) and answers through the link in it, on a
    phone; another answers the day by SMS; the nurse's patient page names both under the day."""
    from django.test import Client

    from caregivers.models import CaregiverCheckin
    from caregivers.services import caregiver_add
    from notifications.models import Message
    from notifications.services import reminders
    from notifications.twilio import webhook_token
    from tests.notifications.conftest import sign

    common = {"patient": patient, "user": None, "channel": "api", "sms_opt_in": True}
    by_link = caregiver_add(name="Sara Spouse", relationship="spouse", phone="+15550400011", language="es", receives="reminders", **common)
    by_sms = caregiver_add(name="Dana Daughter", relationship="daughter", phone="+15550400012", language="en", receives="nothing", **common)
    evening = datetime.datetime.combine(patient.local_today(), datetime.time(18, 30), tzinfo=ZoneInfo(patient.timezone))
    assert reminders.reminders_enqueue(now=evening.astimezone(datetime.UTC)) == 2
    url = _live_link(Message.objects.get(caregiver=by_link, purpose="caregiver_copy"), live_server, settings, evening)

    context = _context(browser, "phone", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    assert page.goto(url).status == 200
    assert "Usted responde por Rita" in page.content() and page.get_by_role("group", name="¿Quién responde?").count() == 0
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("group", name="Su peor dolor de hoy").get_by_label("5", exact=True).check()
    page.get_by_role("button", name="Enviar mi control").click()
    assert page.get_by_role("status").inner_text() == "Gracias, registrado."
    page.screenshot(path=str(ARTIFACTS / "webcheckin-caregiver-own-link-phone.png"), full_page=True)
    context.close()

    # The other caregiver replies to the clinic's number, as Twilio posts it.
    params = {"MessageSid": "SM" + "b" * 32, "AccountSid": "AC" + "0" * 31 + "1", "From": by_sms.phone, "To": "+15550009999",
              "Body": "walked 20 min", "NumMedia": "0"}
    signature = sign(settings.PUBLIC_BASE_URL + "/webhooks/twilio/sms/", params, token=webhook_token())
    answer = Client().post("/webhooks/twilio/sms/", params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert answer.status_code == 200 and "recorded for Rita today" in answer.content.decode()
    assert sorted(CaregiverCheckin.objects.values_list("caregiver_id", "channel")) == sorted([(by_link.pk, "web"), (by_sms.pk, "sms")])

    for size in ("phone", "desktop"):
        nurse = _context(browser, size)
        staff = nurse.new_page()
        staff.set_default_timeout(10_000)
        _login(staff, live_server.url, "nurse.a")
        staff.goto(f"{live_server.url}/patients/{patient.pk}/#records")
        today_row = staff.locator("#records table.records tbody tr").first
        assert "by Sara Spouse (spouse), Dana Daughter (daughter)" in today_row.inner_text()
        caregivers = staff.locator("#caregiver-list").inner_text()
        assert "Sara Spouse" in caregivers and "Dana Daughter" in caregivers
        staff.locator("#records").screenshot(path=str(ARTIFACTS / f"patient-page-caregivers-answered-{size}.png"))
        staff.locator("#caregivers").screenshot(path=str(ARTIFACTS / f"patient-page-caregivers-{size}.png"))
        nurse.close()
