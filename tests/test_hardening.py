"""Hardening not covered elsewhere: the staff token's logout and rotation end to end, a lockout that
holds one username only, and the security headers and cookies of a production (https) deployment.

Covered elsewhere: the lockout of the token endpoint (tests/patients/test_api_auth.py) and of the
dashboard login (tests/dashboard/test_login.py), `check --deploy` (tests/test_settings.py), the admin
for superusers only (tests/test_admin.py)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse
from rest_framework.test import APIClient

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-test-password-1"
TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"


def _sign_in(username: str) -> dict:
    response = APIClient().post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_nurse_who_logs_out_cannot_refresh_with_that_token(nurse_a):
    pair = _sign_in("nurse.a")
    assert APIClient().post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert APIClient().post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    # Logging out twice with the same token is refused too: it is already revoked.
    assert APIClient().post(LOGOUT, {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_a_refresh_token_replaced_by_rotation_is_refused_and_the_chain_goes_on(nurse_a):
    first = _sign_in("nurse.a")
    second = APIClient().post(REFRESH, {"refresh": first["refresh"]}, format="json").json()
    third = APIClient().post(REFRESH, {"refresh": second["refresh"]}, format="json").json()
    # Every token of the chain but the newest is spent.
    for spent in (first["refresh"], second["refresh"]):
        assert APIClient().post(REFRESH, {"refresh": spent}, format="json").status_code == 401
    assert APIClient().post(LOGOUT, {"refresh": third["refresh"]}, format="json").status_code == 204
    assert APIClient().post(REFRESH, {"refresh": third["refresh"]}, format="json").status_code == 401


def test_a_locked_out_username_does_not_lock_out_a_colleague(nurse_a, clinic_a, settings):
    from patients.services import nurse_create

    nurse_create(username="nurse.c", password=PASSWORD, clinic_name=clinic_a.name, phone="+15550101003", on_call=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        APIClient().post(TOKEN, {"username": "nurse.a", "password": "guess"}, format="json")
    assert APIClient().post(TOKEN, {"username": "nurse.a", "password": PASSWORD}, format="json").status_code == 429
    assert APIClient().post(TOKEN, {"username": "nurse.c", "password": PASSWORD}, format="json").status_code == 200


def test_the_dashboard_lockout_also_closes_the_token_endpoint(nurse_a, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("dashboard:login"), {"username": "nurse.a", "password": "guess"})
    assert APIClient().post(TOKEN, {"username": "nurse.a", "password": PASSWORD}, format="json").status_code == 429


# A production process (https public address) asked for its settings and for one page over https.
_PRODUCTION_PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

response = Client().get("/login/", secure=True, HTTP_HOST="recovery.example.org")
csrf = response.cookies.get("csrftoken")
print(json.dumps({
    "status": response.status_code,
    "headers": {name: response.headers.get(name) for name in (
        "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
        "Cross-Origin-Opener-Policy")},
    "csrf_cookie_secure": bool(csrf and csrf["secure"]),
    "plain_http": Client().get("/login/", HTTP_HOST="recovery.example.org").status_code,
    "settings": {name: getattr(settings, name) for name in (
        "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "DEBUG")},
}))
"""


def test_a_production_deployment_sends_the_security_headers_and_secure_cookies():
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-key-" + "k7Qx9Zp2" * 6,
        "PUBLIC_BASE_URL": "https://recovery.example.org",
        "ALLOWED_HOSTS": "recovery.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STATIC_MANIFEST": "false",
    }
    result = subprocess.run([sys.executable, "-c", _PRODUCTION_PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["status"] == 200
    headers = probe["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert probe["csrf_cookie_secure"] is True
    # Plain http is sent to https.
    assert probe["plain_http"] == 301
    assert probe["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "DEBUG": False,
    }
