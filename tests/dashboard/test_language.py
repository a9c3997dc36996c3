"""The dashboard in the nurse's language: the browser's (Accept-Language), or the one chosen with the
switch in the header (Django's set_language, a cookie), whichever the nurse chose last; form errors too."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_browsers_language_decides_without_a_choice(nurse_client_a, make_patient):
    make_patient(first_name="Ana", last_name="Example")
    spanish = nurse_client_a.get("/", headers={"accept-language": "es-MX,es;q=0.9"}).content.decode()
    assert '<html lang="es">' in spanish and "<h1>Lista de trabajo</h1>" in spanish and "Cerrar sesión" in spanish
    english = nurse_client_a.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="en">' in english and "<h1>Worklist</h1>" in english


def test_the_switch_holds_for_the_next_pages_and_returns_where_the_nurse_was(nurse_client_a):
    switched = nurse_client_a.post("/i18n/setlang/", {"language": "es", "next": "/alerts/"}, headers={"accept-language": "en"})
    assert switched.status_code == 302 and switched["Location"] == "/alerts/"
    page = nurse_client_a.get("/alerts/", headers={"accept-language": "en"}).content.decode()
    assert '<html lang="es">' in page and "<h1>Alertas</h1>" in page
    # The switch shows the language in use, each language in its own words.
    assert '<option value="es" lang="es" selected>Español</option>' in page
    assert '<option value="en" lang="en">English</option>' in page


def test_the_login_page_has_the_switch_too():
    from django.test import Client

    page = Client().get("/login/", headers={"accept-language": "es"}).content.decode()
    assert "<h1 id=\"login-title\">Iniciar sesión</h1>" in page and 'name="language"' in page


def test_a_form_error_is_in_the_nurses_language(nurse_client_a, patient_a):
    answer = nurse_client_a.post(
        f"/patients/{patient_a.pk}/contact/",
        {"phone": "12", "language": "en", "timezone": "Mars/Olympus_Mons", "reminder_time": "18:00", "sms_opt_in": "on"},
        headers={"accept-language": "es"},
    )
    html = answer.content.decode()
    assert answer.status_code == 400
    assert "No se guardó nada." in html
    assert "Escriba un número de teléfono posible" in html
    assert "Zona horaria IANA desconocida" in html


def test_a_flash_message_is_in_the_nurses_language(nurse_client_a, patient_a):
    answer = nurse_client_a.post(
        f"/patients/{patient_a.pk}/contact/",
        {"phone": patient_a.phone, "language": patient_a.language, "timezone": patient_a.timezone,
         "reminder_time": patient_a.reminder_time.strftime("%H:%M"), "sms_opt_in": "on" if patient_a.sms_opt_in else ""},
        headers={"accept-language": "es"},
        follow=True,
    )
    assert "No cambió nada." in answer.content.decode()
