"""A Spanish-speaking nurse uses the dashboard in Spanish, in a real headless Chromium: signs in, switches
the language in the header, and works through the worklist, a patient's page and the alerts.

The shift (four patients of clinic A, one urgent red flag) and the browser are test_browser.py's.
Screenshots land in tests/artifacts/ (not committed).
"""

import re

import pytest

from tests.dashboard.test_browser import ARTIFACTS, _login, browser, page, shift  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_switches_the_dashboard_to_spanish(page, live_server, shift):  # noqa: F811 - fixtures
    base = live_server.url
    _login(page, base, "nurse.a")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Worklist"

    # The switch in the header: Django's set_language, then back to the page the nurse was on.
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "es"

    # The worklist: headings, columns, badges, cells and the navigation in Spanish.
    assert page.get_by_role("heading", level=1).inner_text() == "Lista de trabajo"
    assert page.get_by_role("heading", level=2).first.inner_text().startswith("4 pacientes")
    header = page.locator("table.worklist thead").text_content()
    for column in ("Paciente", "Estado", "Día", "Último control", "Último dolor", "Alertas abiertas"):
        assert column in header
    rows = page.locator("table.worklist tbody tr")
    assert rows.count() == 4
    assert "Alerta" in rows.nth(0).inner_text() and "Síntoma de alarma" in rows.nth(0).inner_text()
    assert "Según lo previsto" in rows.nth(3).inner_text()
    nav = page.get_by_role("navigation", name="Principal")
    assert nav.get_by_role("link", name=re.compile("^Alertas")).is_visible()
    assert page.get_by_role("button", name="Cerrar sesión").is_visible()
    assert page.get_by_label("Estado").is_visible()
    page.screenshot(path=str(ARTIFACTS / "es-worklist.png"), full_page=True)

    # A patient's page: the summary, the sections, the labels of milestones and alerts, the forms.
    page.get_by_role("link", name="Urgentcase, Ursula").click()
    page.wait_for_url(re.compile(r"/patients/\d+/$"))
    summary = page.locator("#patient-summary").inner_text()
    assert summary.startswith("De un vistazo:") and "día 13 después de" in summary
    assert "Síntoma de alarma" in page.locator("#open-alerts").inner_text()
    titles = {"alerts": "Alertas", "milestones": "Metas", "records": "Registros diarios", "sms": "Historial de SMS",
              "contact": "Contacto y recordatorios", "caregivers": "Cuidadores"}
    for section, title in titles.items():
        assert page.locator(f"#{section}-title").text_content().startswith(title)
    assert "Primera caminata" in page.locator("#milestones").inner_text()
    assert page.get_by_role("button", name="Guardar datos de contacto").is_visible()
    assert page.get_by_label("Idioma de los mensajes").is_visible()
    page.screenshot(path=str(ARTIFACTS / "es-patient.png"), full_page=True)
    for section in ("charts", "milestones", "records"):
        page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / f"es-patient-{section}.png"))
    # The charts' own words too.
    assert page.locator("svg#pain-chart title").first.text_content() == "Dolor por día posoperatorio"
    assert "Día posoperatorio" in page.locator("svg#walking-chart").text_content()

    # Acknowledging says so in Spanish.
    open_list = page.locator("#open-alerts")
    open_list.get_by_role("textbox", name="Nota (opcional)").fill("Llamé a la paciente.")
    open_list.get_by_role("button", name="Reconocer").click()
    page.wait_for_selector(".flash-success")
    assert page.locator(".flash-success").inner_text().startswith("Alerta reconocida: Síntoma de alarma de ")
    assert page.locator("#open-alerts").inner_text().strip() == "No hay alertas abiertas."

    # The alerts page.
    nav = page.get_by_role("navigation", name="Principal")
    nav.get_by_role("link", name=re.compile("^Alertas")).click()
    page.wait_for_url(f"{base}/alerts/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alertas"
    assert page.locator("#open-title").inner_text().startswith("Abiertas")
    assert "Reconocidas, en curso" in page.locator("#ack-title").inner_text()
    table = page.locator("#open-alerts-table thead").text_content()
    for column in ("Gravedad", "Paciente", "Alerta", "Emitida"):
        assert column in table
    assert "Alta" in page.locator("#open-alerts tr").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "es-alerts.png"), full_page=True)

    # The choice holds for the next page, and switching back gives the English again.
    page.get_by_label("Idioma", exact=True).select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    page.wait_for_url(f"{base}/alerts/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alerts"
