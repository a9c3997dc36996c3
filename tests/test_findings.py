"""Findings of a probe from outside, each reproduced: client addresses taken from a header anyone can
send, 5xx from bad input, and missing headers. (One person one record: tests/patients/test_patient_create.py;
enrollment codes at rest: tests/notifications/test_invitation.py; the admin's audit: tests/test_admin.py.)"""

import datetime
import io
import json
import logging

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ENROLL = "/api/v1/auth/enroll/"
TOKEN = "/api/v1/auth/token/"
ONE_HOUR = datetime.datetime(2026, 3, 5, 12, 30, tzinfo=datetime.UTC)  # windows are hourly: stay in one


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Dozens of sign-ins: a fast hasher keeps them quick (the password plays no part)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _forwarded(n: int) -> dict:
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n % 250 + 1}"}


# -- X-Forwarded-For is not the client's to choose ------------------------------------------------------


def test_rotating_x_forwarded_for_does_not_escape_the_enrollment_throttle():
    client = APIClient()
    with time_machine.travel(ONE_HOUR, tick=False):
        answers = [client.post(ENROLL, {"enrollment_code": f"AAAAA-AAA{n:02d}"}, format="json", **_forwarded(n)).status_code for n in range(12)]
    assert answers[:10] == [400] * 10
    assert answers[10:] == [429, 429]


def test_rotating_x_forwarded_for_does_not_escape_the_staff_login_throttle(settings):
    settings.AXES_ENABLED = False  # the address limit alone (20 an hour by default), not the lockout
    client = APIClient()
    with time_machine.travel(ONE_HOUR, tick=False):
        answers = [
            client.post(TOKEN, {"username": f"who{n}", "password": "x"}, format="json", **_forwarded(n)).status_code for n in range(22)
        ]
    assert answers[:20] == [401] * 20
    assert answers[20:] == [429, 429]


@pytest.mark.parametrize("login", ["dashboard:login", "admin:login"])
def test_the_dashboard_and_admin_logins_are_throttled_per_address_too(settings, login):
    settings.AXES_ENABLED = False
    client = Client()
    url = reverse(login)
    with time_machine.travel(ONE_HOUR, tick=False):
        answers = [client.post(url, {"username": f"who{n}", "password": "x"}, **_forwarded(n)).status_code for n in range(22)]
    assert answers[:20] == [200] * 20  # the form again, with its error
    assert answers[20:] == [429, 429]


def test_with_one_proxy_the_address_it_appended_is_the_client(settings, nurse_a):
    from patients.models import AuditEvent
    from patients.tokens import tokens_for_staff

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens_for_staff(nurse_a)["access"])
    client.get("/api/v1/patients/", HTTP_X_FORWARDED_FOR="198.51.100.7, 192.0.2.44")
    # Throttles and the audit trail agree: the rightmost address, which our proxy wrote.
    from patients.network import client_ip

    class Req:
        META = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 192.0.2.44"}

    assert client_ip(Req) == "192.0.2.44"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert client_ip(Req) == "10.0.0.1"
    assert not AuditEvent.objects.filter(ip_address="198.51.100.7").exists()


# -- no 5xx from bad input --------------------------------------------------------------------------------

_DEEP = "[" * 1000 + "]" * 1000


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("path", [ENROLL, TOKEN, "/api/v1/auth/token/refresh/", "/api/v1/checkins/", "/api/v1/patients/", "/api/v1/checkins/sync/"])
def test_json_nested_a_thousand_deep_is_a_400(path, staff_client_a, patient_client_a):
    client = patient_client_a if path.startswith("/api/v1/checkins") else staff_client_a
    for body in (_DEEP, '{"a": ' * 1000 + "1" + "}" * 1000, json.dumps({"checkins": [_nested(40)]})):
        response = client.post(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.status_code)
        assert "detail" in response.json()


@pytest.mark.parametrize("path", [ENROLL, "/api/v1/checkins/", "/api/v1/patients/", "/me/"])
def test_a_lone_surrogate_in_any_string_is_a_400(path, staff_client_a, patient_client_a):
    if path == "/me/":
        response = patient_client_a.patch("/api/v1/me/", '{"language": "\\ud800"}', content_type="application/json")
    else:
        client = patient_client_a if path.startswith("/api/v1/checkins") else staff_client_a
        body = {
            ENROLL: '{"enrollment_code": "\\ud800"}',
            "/api/v1/checkins/": '{"client_id": "0b6e1c1e-5d0c-4f1e-9a59-2a8f3d6c7b10", "date": "2026-03-05", "symptoms": ["\\ud800"], "note": "\\udfff"}',
            "/api/v1/patients/": '{"first_name": "A\\ud800", "last_name": "B", "phone": "+15550309999", "procedure": "\\ud800", "surgery_date": "2026-03-01"}',
        }[path]
        response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    response.json()


def test_a_client_id_ending_in_a_newline_is_a_400_naming_client_id(patient_client_a, patient_a):
    day = (patient_a.surgery_date + datetime.timedelta(days=1)).isoformat()
    body = {"client_id": "0b6e1c1e-5d0c-4f1e-9a59-2a8f3d6c7b10\n", "date": day, "pain": 3}
    response = patient_client_a.post("/api/v1/checkins/", body, format="json")
    assert response.status_code == 400
    assert "client_id" in response.json()


@pytest.mark.parametrize("field", ["date", "reminder_time"])
def test_a_date_or_time_ending_in_a_newline_is_a_400_naming_it(patient_client_a, patient_a, field):
    if field == "date":
        day = (patient_a.surgery_date + datetime.timedelta(days=1)).isoformat() + "\n"
        response = patient_client_a.post("/api/v1/checkins/", {"client_id": "0b6e1c1e-5d0c-4f1e-9a59-2a8f3d6c7b10", "date": day, "pain": 3}, format="json")
    else:
        response = patient_client_a.patch("/api/v1/me/", {"reminder_time": "18:00\n"}, format="json")
    assert response.status_code == 400
    assert field in response.json()


_LONG = "u" * 300


def test_a_username_over_255_characters_is_a_normal_refusal_on_the_token_login():
    response = APIClient().post(TOKEN, {"username": _LONG, "password": "x"}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("login", ["dashboard:login", "admin:login"])
def test_a_username_over_255_characters_is_a_normal_refusal_on_the_form_logins(login):
    response = Client().post(reverse(login), {"username": _LONG, "password": "x"})
    assert response.status_code == 200
    assert b"name=\"username\"" in response.content


def test_a_username_over_255_characters_counts_toward_the_lockout_like_any(settings):
    # Cut to fit axes' column; the attempts still add up.
    client = APIClient()
    answers = [client.post(TOKEN, {"username": _LONG, "password": "x"}, format="json").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers[-1] == 429


# -- headers ----------------------------------------------------------------------------------------------


def _policy(response) -> dict:
    policy = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("path", ["dashboard:login", "admin:login", "api-docs", "dashboard:worklist"])
def test_every_page_carries_a_content_security_policy_with_no_inline_script(path, nurse_a):
    client = Client()
    if path == "dashboard:worklist":
        client.force_login(nurse_a)
    response = client.get(reverse(path))
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html and " style=\"" not in html


def test_api_answers_and_pages_with_patient_data_are_not_stored(staff_client_a, patient_client_a, patient_a, nurse_a):
    client = Client()
    client.force_login(nurse_a)
    for response in (
        staff_client_a.get("/api/v1/patients/"),
        staff_client_a.get(f"/api/v1/patients/{patient_a.pk}/"),
        patient_client_a.get("/api/v1/me/"),
        client.get(reverse("dashboard:worklist")),
        client.get(reverse("dashboard:patient", args=[patient_a.pk])),
    ):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


def test_the_access_log_names_the_path_but_never_the_search():
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from config import gunicorn as ours

    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", ours.access_log_format)
    logger = Logger(config)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.handlers = [handler]

    class Response:
        status = "200 OK"
        response_length = 10
        sent = 10
        headers = []

    class Request:
        headers = []
        method = "GET"
        path = "/"
        query = "q=Alma+5550142"
        uri = "/?q=Alma+5550142"
        version = (1, 1)

    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": "/?q=Alma+5550142", "PATH_INFO": "/", "QUERY_STRING": "q=Alma+5550142",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "192.0.2.1", "HTTP_REFERER": "https://x.example/?q=Alma",
        "HTTP_USER_AGENT": "test",
    }
    logger.access(Response(), Request(), environ, datetime.timedelta(milliseconds=12))
    line = stream.getvalue()
    assert '"GET / HTTP/1.1" 200' in line
    assert "Alma" not in line and "5550142" not in line


def test_django_request_logs_drop_the_query_string(staff_client_a, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("django.server").info('"%s" %s %s', "GET /?q=Alma+5550142 HTTP/1.1", 200, 10)
    staff_client_a.get("/api/v1/patients/?search=Alma&page=99")  # a 400, logged as a warning
    assert "Alma" not in caplog.text and "5550142" not in caplog.text
