"""The dashboard on a phone (390 px wide, in a real Chromium): the worklist shows patients on the first
screen with its filters folded away, the patient page puts the open alerts first, chart text stays readable."""

import pytest

from tests.dashboard.test_browser import ARTIFACTS, _login, browser, shift  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):  # noqa: F811
    # Playwright's wait_for_function evaluates a string in the page, which the CSP refuses (as the
    # other browser tests do, the CSP is bypassed for the test's own scripts only).
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_worklist_shows_patients_on_the_first_screen_with_the_filters_folded(phone, live_server, shift):  # noqa: F811
    _login(phone, live_server.url, "nurse.a")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    rows = phone.locator("table.worklist tbody tr")
    assert rows.count() == 4
    first = rows.first.bounding_box()
    assert first["y"] + 60 < PHONE["height"], first  # the first patient's name and status, above the fold
    assert "Urgentcase, Ursula" in rows.first.inner_text()
    assert not phone.get_by_label("Status").is_visible()
    phone.screenshot(path=str(ARTIFACTS / "worklist-phone.png"))

    # The filters unfold with one tap, and filtering still works.
    phone.locator("#filters-fold summary").click()
    phone.get_by_label("Status").select_option("on_track")
    phone.wait_for_function("document.querySelectorAll('table.worklist tbody tr').length === 1")
    phone.screenshot(path=str(ARTIFACTS / "worklist-phone-filters.png"), full_page=True)


def test_the_patient_page_puts_open_alerts_first_and_chart_text_stays_readable(phone, live_server, shift):  # noqa: F811
    _login(phone, live_server.url, "nurse.a")
    phone.goto(f"{live_server.url}/patients/{shift['patients']['urgent'].pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    alerts = phone.locator("#open-alerts").bounding_box()
    assert alerts["y"] < PHONE["height"], alerts
    order = phone.evaluate("[...document.querySelectorAll('main section.card')].map(s => s.id || s.className)")
    assert order.index("alerts") < order.index("details") < order.index("charts")
    phone.screenshot(path=str(ARTIFACTS / "patient-phone.png"))
    # Tick labels and axis titles of the charts render at 10 px or more on screen.
    smallest = phone.evaluate(
        "Math.min(...[...document.querySelectorAll('svg#pain-chart text.tick, svg#pain-chart text.axis-label')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 10, smallest
    phone.locator("#charts").screenshot(path=str(ARTIFACTS / "patient-phone-charts.png"))
