"""Which requests follow the reader's language: the pages do (the dashboard, the admin's sign-in), the
APIs do not (their messages are the contract's, in English, whatever Accept-Language asks)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_api_answers_in_english_whatever_the_client_asks():
    answer = Client().post("/api/v1/auth/token/", {"username": "nobody"}, content_type="application/json", headers={"accept-language": "es"})
    assert answer.status_code == 400
    # DRF's own message, which its Spanish catalogue would translate, stays as the contract has it.
    assert answer.json()["password"] == ["This field is required."]
    assert "Content-Language" not in answer


def test_a_language_left_active_by_a_page_does_not_reach_the_next_api_call():
    client = Client()
    assert "Iniciar sesión" in client.get("/login/", headers={"accept-language": "es"}).content.decode()
    answer = client.post("/api/v1/auth/token/", {"username": "nobody"}, content_type="application/json")
    assert answer.json()["password"] == ["This field is required."]


def test_the_pages_say_which_language_they_are_in():
    page = Client().get("/login/", headers={"accept-language": "es"})
    assert page["Content-Language"] == "es" and "Accept-Language" in page["Vary"]
