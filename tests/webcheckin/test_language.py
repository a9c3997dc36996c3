"""What a patient reads is in the patient's language, whatever the browser or the request asks for; the
on-call nurse's page is in the service's language, whatever language the patient's request runs in."""

import pytest
from django.test import Client
from django.utils import translation

from notifications import texts

pytestmark = pytest.mark.django_db


def test_the_check_in_page_follows_the_patient_not_the_browser(make_patient, link_for):
    english = make_patient(language="en")
    spanish = make_patient(language="es")
    page = Client().get(link_for(english), headers={"accept-language": "es"}).content.decode()
    assert '<html lang="en">' in page and "How was today?" in page
    page = Client().get(link_for(spanish), headers={"accept-language": "en"}).content.decode()
    assert '<html lang="es">' in page and "¿Cómo fue hoy?" in page


def test_a_form_error_on_the_check_in_page_is_in_the_patients_language(make_patient, link_for):
    import re

    browser = Client()
    path = link_for(make_patient(language="es"))
    html = browser.get(path, headers={"accept-language": "en"}).content.decode()
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    answer = browser.post(path, {"client_id": client_id, "walking_minutes": "lots"}, headers={"accept-language": "en"})
    # Django's own message for a field that is not a number, from Django's Spanish catalogue.
    assert answer.status_code == 400 and "Introduzca un número entero." in answer.content.decode()


def test_an_sms_is_in_the_patients_language_whatever_language_is_active():
    with translation.override("en"):
        assert texts.received_text(language="es").startswith("Gracias por su mensaje.")
    with translation.override("es"):
        assert texts.received_text(language="en").startswith("Thank you for your message.")
        # A language with no catalogue gets the default.
        assert texts.received_text(language="xx").startswith("Thank you for your message.")


def test_the_page_to_the_nurse_is_in_the_services_language(settings):
    page = dict(severity="urgent", initials="A.E.", patient_id=7, kind="red_flag", url="https://r.example/p/7/",
                escalated_minutes=None, symptoms=["fever"])
    with translation.override("es"):
        assert texts.page_text(**page) == "Recovery alert (urgent): patient A.E. #7, red-flag symptom: fever. Open: https://r.example/p/7/"
    settings.LANGUAGE_CODE = "es"
    assert texts.page_text(**page).startswith("Alerta de recuperacion (urgente): paciente A.E. #7, sintoma de alarma: fiebre.")
