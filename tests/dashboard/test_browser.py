"""The dashboard in a real headless Chromium: a nurse's shift from login to an acknowledged alert.

Drives Debian's /usr/bin/chromium through Playwright against pytest-django's live server. Screenshots
land in tests/artifacts/ (not committed).
"""

import datetime
import importlib
import os
import pathlib
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = pathlib.Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "a-long-test-password-1"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
    # plain synchronous code, so Django's async-safety guard is told so.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    # Playwright's wait_for_function evaluates its predicate in the page, which the site's CSP (no
    # eval) refuses: these tests bypass it; test_no_page_breaks_the_content_security_policy does not.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def default_protocols():
    """Load the default protocols again: a transactional test before this one flushed the data that
    the migration loaded. (serialized_rollback cannot restore it here: Playwright's sync API gives the
    test a fresh database connection object, without the serialized copy.)"""
    from django.apps import apps

    importlib.import_module("recovery.migrations.0002_default_protocols").load_defaults(apps, None)


def _login(page, base_url, username):
    page.goto(f"{base_url}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def shift(nurse_a, nurse_b, make_patient, log_days, raise_alert):
    """Four patients of clinic A, one in each state, with two weeks of check-ins."""
    from recovery.models import Alert

    default_protocols()
    now = datetime.datetime.now(datetime.UTC)
    on_track = make_patient(first_name="Otto", last_name="Ontrack", surgery_days_ago=14)
    watch = make_patient(first_name="Wanda", last_name="Watchcase", surgery_days_ago=12)
    high = make_patient(first_name="Hector", last_name="Highcase", surgery_days_ago=9)
    urgent = make_patient(first_name="Ursula", last_name="Urgentcase", surgery_days_ago=13)
    log_days(on_track, {d: {"pain": max(1, 7 - d // 2), "walking_minutes": 8 + 2 * d} for d in range(0, 14)})
    log_days(watch, {d: {"pain": 5, "walking_minutes": 4} for d in range(1, 12)})
    log_days(high, {d: {"pain": min(9, 4 + d // 2), "walking_minutes": 10} for d in range(1, 9)})
    urgent_days = {d: {"pain": 6 - d // 4, "walking_minutes": 5 + 3 * d} for d in range(0, 13)}
    urgent_days[0]["milestones"] = ["first_walk"]
    urgent_days[2]["milestones"] = ["discharged", "normal_diet"]
    urgent_days[11] = {"pain": 8, "walking_minutes": 10, "symptoms": ["fever", "wound_drainage"]}
    log_days(urgent, urgent_days)
    from notifications.models import Message

    Message.objects.create(
        patient=urgent,
        purpose="reminder",
        status="delivered",
        to_phone=urgent.phone,
        body="Time for your daily recovery check-in. Reply HELP for help.",
    )
    Message.objects.create(
        patient=urgent, direction="in", purpose="inbound", status="received", to_phone="+15550100000", body="PAIN 8 FEVER"
    )
    Message.objects.create(
        patient=urgent,
        purpose="reminder",
        status="undelivered",
        to_phone=urgent.phone,
        body="Time for your daily recovery check-in.",
        error_code="30003",
        error_message="Unreachable destination handset",
    )
    # The day-11 check-in with fever and drainage opened its urgent red-flag alert itself, at once.
    red_flag = Alert.objects.get(patient=urgent, kind="red_flag", severity="urgent")
    Alert.objects.filter(pk=red_flag.pk).update(created_at=now - datetime.timedelta(hours=2))
    red_flag.refresh_from_db()
    alerts = {
        "urgent": red_flag,
        "high": raise_alert(
            high,
            severity="high",
            day=8,
            message="Pain 8 or more on 2 logged days in a row.",
            created_at=now - datetime.timedelta(hours=5),
        ),
        "watch": raise_alert(
            watch,
            severity="routine",
            day=11,
            message="Walking below the expected 15 minutes a day.",
            created_at=now - datetime.timedelta(hours=9),
        ),
    }
    return {"patients": {"on_track": on_track, "watch": watch, "high": high, "urgent": urgent}, "alerts": alerts}


def test_a_nurse_works_through_the_shift(page, live_server, shift):
    base = live_server.url
    _login(page, base, "nurse.a")

    # The worklist puts the patients who need attention first.
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 4
    names = [rows.nth(i).locator("th a").inner_text() for i in range(4)]
    assert names == ["Urgentcase, Ursula", "Highcase, Hector", "Watchcase, Wanda", "Ontrack, Otto"]
    assert page.get_by_role("button", name="Log out").is_visible()
    assert "Clinic A" in page.locator("header").inner_text()
    assert "nurse.a" in page.locator("header").inner_text()
    page.screenshot(path=str(ARTIFACTS / "worklist.png"), full_page=True)

    # Filtering refreshes the results without a full page load.
    page.evaluate("window.__stayed = true")
    page.get_by_label("Status").select_option("on_track")
    page.wait_for_function("document.querySelectorAll('table.worklist tbody tr').length === 1")
    assert page.evaluate("window.__stayed") is True
    assert "status=on_track" in page.url
    page.get_by_role("link", name="Clear").click()
    page.wait_for_function("document.querySelectorAll('table.worklist tbody tr').length === 4")

    # The urgent patient's page: the pain chart with its expected band and points, red flags marked.
    page.get_by_role("link", name="Urgentcase, Ursula").click()
    page.wait_for_url(re.compile(r"/patients/\d+/$"))
    chart = page.locator("svg#pain-chart")
    assert chart.is_visible()
    assert chart.locator(".band-area").count() >= 1
    assert chart.locator(".point").count() == 13
    assert chart.locator(".red-flag").count() == 1
    assert "red-flag" in chart.locator(".red-flag title").text_content()
    assert page.locator("svg#walking-chart .band-area").count() >= 1
    assert page.locator("svg#milestone-chart .reached-mark").count() == 3
    assert "Day 13" in page.locator("#patient-summary").inner_text() or "day 13" in page.locator("#patient-summary").inner_text()
    page.screenshot(path=str(ARTIFACTS / "patient.png"), full_page=True)
    for section in ("alerts", "charts", "milestones", "records", "sms", "contact"):
        page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / f"patient-{section}.png"))
    page.locator(".patient-head").screenshot(path=str(ARTIFACTS / "patient-head.png"))

    # Acknowledge from the patient's page (a plain form post): the alert leaves the open list.
    open_list = page.locator("#open-alerts")
    assert "Red-flag symptom" in open_list.inner_text()
    open_list.get_by_role("textbox", name="Note (optional)").fill("Called the patient; wound review booked today.")
    open_list.get_by_role("button", name="Acknowledge").click()
    page.wait_for_selector(".flash-success")
    assert page.locator("#open-alerts").inner_text().strip() == "No open alerts."
    assert "Red-flag symptom" in page.locator("#acknowledged-alerts").inner_text()
    assert "wound review booked" in page.locator("#acknowledged-alerts").inner_text()

    # The alerts inbox: one click acknowledges without a reload, the row moves to the acknowledged list.
    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Alerts")).click()
    page.wait_for_url(f"{base}/alerts/")
    open_rows = page.locator("#open-alerts tr")
    assert open_rows.count() == 2
    assert "Highcase" in open_rows.nth(0).inner_text()  # high before routine
    page.screenshot(path=str(ARTIFACTS / "alerts.png"), full_page=True)
    page.evaluate("window.__stayed = true")
    open_rows.nth(0).get_by_role("button", name=re.compile("^Acknowledge")).click()
    page.wait_for_function("document.querySelectorAll('#open-alerts tr').length === 1")
    assert page.evaluate("window.__stayed") is True
    assert "Highcase" in page.locator("#acknowledged-alerts").inner_text()
    assert "Highcase" not in page.locator("#open-alerts").inner_text()
    shift["alerts"]["high"].refresh_from_db()
    assert shift["alerts"]["high"].status == "acknowledged"

    page.get_by_role("link", name="Cohort").click()
    page.wait_for_url(f"{base}/cohort/")
    assert page.locator("svg#cohort-mis_lumbar_fusion").is_visible()
    page.screenshot(path=str(ARTIFACTS / "cohort.png"), full_page=True)


def test_a_nurse_of_another_clinic_gets_a_404_on_that_patients_page(page, live_server, shift):
    _login(page, live_server.url, "nurse.b")
    assert page.locator("table.worklist").count() == 0
    assert "No patients match" in page.locator("main").inner_text()
    response = page.goto(f"{live_server.url}/patients/{shift['patients']['urgent'].pk}/")
    assert response.status == 404
    assert "Urgentcase" not in page.content()


def test_the_worklist_reads_well_on_a_tablet(browser, live_server, shift):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True, is_mobile=True)
    page = context.new_page()
    _login(page, live_server.url, "nurse.a")
    # Each patient is a card: no sideways scrolling on a tablet held upright.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "worklist-tablet.png"), full_page=True)
    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Urgentcase, Ursula").click()
    assert navigation.value.status == 200
    assert page.locator("svg#pain-chart").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(ARTIFACTS / "patient-tablet.png"), full_page=True)
    context.close()


def test_the_keyboard_reaches_the_main_content_first(page, live_server, shift):
    _login(page, live_server.url, "nurse.a")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
    .map(el => el.outerHTML)"""


def test_every_control_is_labelled_and_the_keyboard_acknowledges_an_alert(page, live_server, shift):
    base = live_server.url
    _login(page, base, "nurse.a")
    urgent = shift["patients"]["urgent"]
    for path in ("/", f"/patients/{urgent.pk}/", "/alerts/", "/cohort/"):
        page.goto(base + path)
        assert page.evaluate(UNLABELLED_CONTROLS) == [], path
        # Landmarks: banner, navigation, main, contentinfo.
        for role in ("banner", "navigation", "main", "contentinfo"):
            assert page.get_by_role(role).first.is_visible(), (path, role)
        # Every chart is an image with a title and a description.
        assert page.evaluate(
            "[...document.querySelectorAll('svg.chart')].every(s => s.getAttribute('role') === 'img' && s.querySelector('title') && s.querySelector('desc'))"
        )

    # On the alerts inbox, Tab reaches the first Acknowledge button and Enter acknowledges.
    page.goto(base + "/alerts/")
    assert page.locator("#open-alerts tr").count() == 3
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Acknowledge":
            break
    else:
        raise AssertionError("the keyboard never reached an Acknowledge button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.locator("#open-alerts tr").first.screenshot(path=str(ARTIFACTS / "focus-acknowledge.png"))
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('#open-alerts tr').length === 2")
    # Focus stays in the list, on the next alert's button, for the next keystroke.
    assert page.evaluate("document.activeElement.textContent.trim()") == "Acknowledge"
    # Screen readers hear the outcome through the live region.
    page.wait_for_function("document.getElementById('live-status').textContent.includes('acknowledged list')")


def test_a_nurse_reads_a_patients_messages_and_the_count_falls(page, live_server, shift):
    from recovery.services import patient_message_record

    urgent = shift["patients"]["urgent"]
    now = datetime.datetime.now(datetime.UTC)
    for text, channel, reason, hours in (
        ("I fell this morning and my leg feels weak", "app", "note", 1),
        ("my incision is leaking", "sms", "not_understood", 3),
    ):
        patient_message_record(
            clinic_id=urgent.clinic_id, patient_id=urgent.pk, text=text, channel=channel, reason=reason,
            received_at=now - datetime.timedelta(hours=hours),
        )
    base = live_server.url
    _login(page, base, "nurse.a")

    # The count stands beside Alerts; the patient's worklist row is marked.
    nav = page.get_by_role("navigation", name="Main")
    assert nav.locator("#unread-messages-count").inner_text() == "2"
    row = page.locator(f'table.worklist tr[data-patient-id="{urgent.pk}"]')
    assert "2 unread messages" in row.inner_text()
    row.screenshot(path=str(ARTIFACTS / "worklist-unread.png"))

    # The messages page, newest first, each with its patient.
    nav.get_by_role("link", name=re.compile("^Messages")).click()
    page.wait_for_url(f"{base}/messages/")
    items = page.locator("#patient-messages li")
    assert items.count() == 2
    assert "I fell this morning" in items.nth(0).inner_text()
    assert "Urgentcase, Ursula" in items.nth(0).inner_text()
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.screenshot(path=str(ARTIFACTS / "messages.png"), full_page=True)

    # Open the patient from the message: the texts on the patient's page, unread first.
    items.nth(1).get_by_role("link", name="Urgentcase, Ursula").click()
    page.wait_for_url(re.compile(r"/patients/\d+/#inbox$"))
    inbox = page.locator("#patient-inbox")
    assert "my incision is leaking" in inbox.inner_text()
    assert "Text the service could not fully read" in inbox.inner_text()
    page.locator("#inbox").screenshot(path=str(ARTIFACTS / "patient-inbox.png"))

    # Mark one read (a form post with its CSRF token): it shows who read it, and the count falls.
    inbox.locator("li", has_text="my incision is leaking").get_by_role("button", name=re.compile("^Mark read")).click()
    page.wait_for_selector(".flash-success")
    assert page.get_by_role("navigation", name="Main").locator("#unread-messages-count").inner_text() == "1"
    assert "Read by nurse.a" in page.locator("#patient-inbox li", has_text="my incision is leaking").inner_text()
    from recovery.models import PatientMessage

    assert PatientMessage.objects.get(text="my incision is leaking").read_by.get_username() == "nurse.a"


def test_a_nurse_labels_an_alert_on_resolving_and_the_cohort_counts_it(page, live_server, shift):
    from patients.models import Patient

    # The four patients were added on their surgery day: 14 + 12 + 9 + 13 = 48 monitored days.
    for patient in shift["patients"].values():
        Patient.objects.filter(pk=patient.pk).update(
            created_at=datetime.datetime.combine(patient.surgery_date, datetime.time(12), tzinfo=datetime.UTC)
        )
    base = live_server.url
    _login(page, base, "nurse.a")
    page.goto(f"{base}/patients/{shift['patients']['urgent'].pk}/")
    open_list = page.locator("#open-alerts")
    open_list.get_by_role("textbox", name=re.compile("^What was done")).fill("Sent to the emergency department.")
    # One click resolves and says whether the alert was useful.
    open_list.get_by_role("button", name="Yes, it needed action").click()
    page.wait_for_selector(".flash-success")
    assert "Alert resolved (needed action)" in page.locator(".flash-success").inner_text()
    shift["alerts"]["urgent"].refresh_from_db()
    assert (shift["alerts"]["urgent"].status, shift["alerts"]["urgent"].useful) == ("resolved", "needed_action")

    page.goto(f"{base}/patients/{shift['patients']['watch'].pk}/")
    page.locator("#open-alerts").get_by_role("button", name="No, not needed").click()
    page.wait_for_selector(".flash-success")

    page.get_by_role("link", name="Cohort").click()
    page.wait_for_url(f"{base}/cohort/")
    table = page.locator("table#rule-usefulness")
    assert table.is_visible()
    red_flag = table.locator('tr[data-kind="red_flag"]')
    assert red_flag.locator("td.useful").inner_text().strip().startswith("100%")
    # 1 alert over 48/7 patient-weeks: 14.6 per 100 patient-weeks.
    assert red_flag.locator("td.rate").inner_text() == "14.6"
    walking = table.locator('tr[data-kind="walking_below_expected"]')
    assert walking.locator("td.useful").inner_text().strip().startswith("0%")
    assert "none labelled" in table.locator('tr[data-kind="pain_high"] td.useful').inner_text()
    table.screenshot(path=str(ARTIFACTS / "cohort-usefulness.png"))


def test_no_page_breaks_the_content_security_policy(browser, live_server, shift):
    """Chromium reports every script, style or image the policy blocks on the console: the dashboard's
    pages, the admin's login and the API docs must block nothing, and the docs must still draw."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    base = live_server.url
    _login(page, base, "nurse.a")
    urgent = shift["patients"]["urgent"]
    for path in ("/", f"/patients/{urgent.pk}/", "/alerts/", "/cohort/", "/admin/login/", "/api/docs/"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
    assert page.locator(".swagger-ui .info").first.is_visible()
    assert refused == []
    context.close()
