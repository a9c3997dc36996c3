"""The questionnaire page in a real headless Chromium with scripts off, as a phone opens it from the offer
SMS: one question a screen with the progress, stopped half-way and resumed from the same link, finished
with the score; in Spanish too; then the nurse's patient page charts the score. Screenshots land in
tests/artifacts/ (not committed)."""

import datetime
import re

import pytest

from tests.dashboard.test_browser import ARTIFACTS, UNLABELLED_CONTROLS, _login, browser, default_protocols  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def _offer_link(patient, live_server, settings) -> str:
    """Offer the due questionnaire as the beat task does, at noon of the patient's local today; its link
    pointed at the test server."""
    from notifications.models import Message
    from outcomes.services import questionnaires_offer

    noon = datetime.datetime.combine(patient.local_today(), datetime.time(12, 0), tzinfo=patient.tz)
    assert questionnaires_offer(now=noon.astimezone(datetime.UTC)) == 1
    body = Message.objects.get(patient=patient, dedupe_key__startswith="questionnaire:").body
    url = re.search(r"\S+/q/[A-Za-z0-9_-]{22}", body).group(0)
    return url.replace(settings.PUBLIC_BASE_URL.rstrip("/"), live_server.url)


def _phone(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def _choose(page, name: str, label: str, button: str) -> None:
    page.get_by_role("group", name=name).get_by_label(label, exact=True).check()
    page.get_by_role("button", name=button).click()


def test_a_patient_answers_from_the_sms_link_stops_resumes_and_the_nurse_sees_the_score(
    browser, live_server, settings, make_patient, instrument, answer, nurse_a  # noqa: F811
):
    default_protocols()
    patient = make_patient(first_name="Olive", last_name="Outcome", surgery_days_ago=40)
    answer(patient, "baseline", [3, 3, 3, 3, 3])  # 75 before surgery, entered by a nurse
    url = _offer_link(patient, live_server, settings)

    context, page = _phone(browser)
    assert page.goto(url).status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Recovery status"
    assert page.get_by_text("Question 1 of 5").is_visible()
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "questionnaire-first-phone.png"), full_page=True)
    # Next with nothing chosen: asked again.
    page.get_by_role("button", name="Next").click()
    assert "Choose one answer." in page.get_by_role("alert").inner_text()
    _choose(page, "Over the past week, how much has back or neck pain limited your day?", "A little", "Next")
    assert page.get_by_text("Question 2 of 5").is_visible()
    _choose(page, "How long can you walk before you have to stop?", "More than 30 minutes", "Next")
    context.close()  # the patient stops here

    context, page = _phone(browser)
    page.goto(url)
    assert page.get_by_text("Question 3 of 5").is_visible()
    page.get_by_role("link", name="Previous question").click()
    assert page.get_by_label("More than 30 minutes", exact=True).is_checked()
    page.get_by_role("button", name="Next").click()
    _choose(page, "Over the past week, how often has pain woken you at night?", "Never", "Next")
    _choose(page, "How much help do you need to wash and dress?", "None", "Next")
    assert page.get_by_text("Question 5 of 5").is_visible()
    _choose(page, "How much of your usual activities (work, housework, hobbies) can you do?", "Most of them", "Send my answers")
    assert page.get_by_role("status").inner_text() == "Thank you, your answers are recorded."
    assert "Your score: 15." in page.locator("main").inner_text()
    page.screenshot(path=str(ARTIFACTS / "questionnaire-done-phone.png"), full_page=True)
    # The link is spent.
    assert page.goto(url).status == 410
    context.close()

    nurse = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = nurse.new_page()
    staff.set_default_timeout(10_000)
    _login(staff, live_server.url, "nurse.a")
    staff.goto(f"{live_server.url}/patients/{patient.pk}/#outcomes")
    chart = staff.locator("svg#outcome-recovery-status")
    assert chart.is_visible()
    assert chart.locator("circle.point.in-range").count() == 1  # 15 against 75: the MCID reached
    row = staff.locator("#outcome-recovery-status-scores tr", has_text="6 weeks")
    assert "15" in row.inner_text() and "reached" in row.inner_text()
    staff.locator("#outcomes").screenshot(path=str(ARTIFACTS / "questionnaire-patient-page.png"))
    nurse.close()


def test_the_page_speaks_spanish_and_holds_with_the_text_size_doubled(browser, live_server, settings, make_patient, instrument):  # noqa: F811
    patient = make_patient(first_name="Sofia", last_name="Encuesta", surgery_days_ago=40, language="es")
    url = _offer_link(patient, live_server, settings)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text() == "Estado de la recuperación"
    assert page.get_by_text("Pregunta 1 de 5").is_visible()
    page.add_style_tag(content="html { font-size: 200% !important; }")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _choose(page, "Durante la última semana, ¿cuánto le ha limitado el día el dolor de espalda o de cuello?", "Mucho", "Siguiente")
    assert page.get_by_text("Pregunta 2 de 5").is_visible()
    page.screenshot(path=str(ARTIFACTS / "questionnaire-es-text-200.png"), full_page=True)
    context.close()
