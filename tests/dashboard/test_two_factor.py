"""Two-factor sign-in (TOTP) for nurses and admins: after the password, a code from the
authenticator app for an account that has one; with STAFF_2FA_REQUIRED, setting one up first.
The dashboard, the admin and the staff token endpoint all ask for it; nobody is signed in between
the two steps."""

import time

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from dashboard.auth import PENDING

LOGIN = reverse("dashboard:login")
CODE = reverse("dashboard:login-code")
SETUP = reverse("dashboard:two-factor-setup")
WORKLIST = reverse("dashboard:worklist")
TOKEN = "/api/v1/auth/token/"
PASSWORD = "a-long-test-password-1"


def code_of(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the authenticator app shows now (or at `at`)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(code_of(device)) + 1) % 10**6:06d}"


@pytest.fixture
def device_a(nurse_a):
    return TOTPDevice.objects.create(user=nurse_a, name="Authenticator app", confirmed=True)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root.admin", password=PASSWORD)


def _password_step(client, username="nurse.a", next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def test_a_nurse_with_an_authenticator_gives_its_code_after_the_password(device_a, client):
    response = _password_step(client)
    assert response.status_code == 302 and response["Location"].startswith(CODE)
    # Between the two steps nobody is signed in: no page, no API call.
    assert client.get(WORKLIST).status_code == 302
    assert client.get("/api/v1/patients/").status_code in (401, 403)
    page = client.get(CODE)
    assert b"Code from your authenticator app" in page.content and b'autocomplete="one-time-code"' in page.content

    response = client.post(CODE, {"code": code_of(device_a)})

    assert response.status_code == 302 and response["Location"] == WORKLIST
    assert client.get(WORKLIST).status_code == 200


def test_a_wrong_code_is_refused_and_signs_nobody_in(device_a, client):
    _password_step(client)

    response = client.post(CODE, {"code": wrong_code(device_a)})

    assert response.status_code == 200
    assert b"This code is not right" in response.content
    assert client.get(WORKLIST).status_code == 302


def test_a_code_goes_back_to_the_page_asked_for(device_a, make_patient, client):
    target = reverse("dashboard:patient", args=[make_patient().pk])
    response = _password_step(client, next_url=target)
    response = client.post(response["Location"], {"code": code_of(device_a), "next": target})
    assert response["Location"] == target


def test_the_code_step_lapses_after_five_minutes(device_a, client):
    _password_step(client)
    session = client.session
    session[PENDING] = {**session[PENDING], "at": time.time() - 301}
    session.save()

    response = client.post(CODE, {"code": code_of(device_a)})

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get(WORKLIST).status_code == 302


def test_after_five_wrong_codes_the_password_is_asked_again(device_a, client):
    _password_step(client)
    for _ in range(5):
        client.post(CODE, {"code": wrong_code(device_a)})
    response = client.post(CODE, {"code": code_of(device_a)})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_the_code_page_without_a_password_step_sends_to_the_login(client, db):
    response = client.get(CODE)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_a_nurse_without_an_authenticator_signs_in_with_the_password_alone_by_default(nurse_a, client, settings):
    # As the demo users of `make run` do.
    assert settings.STAFF_2FA_REQUIRED is False
    response = _password_step(client)
    assert response["Location"] == WORKLIST
    assert client.get(WORKLIST).status_code == 200


def test_when_two_factor_is_required_a_nurse_without_one_sets_it_up_before_signing_in(nurse_a, client, settings):
    settings.STAFF_2FA_REQUIRED = True

    response = _password_step(client)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    assert client.get(WORKLIST).status_code == 302
    page = client.get(SETUP)
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=nurse_a)
    assert not device.confirmed
    assert "otpauth://totp/Recovery%20tracking%3Anurse.a?secret=" in html and "<svg" in html
    # The same secret on a reload: the app the nurse just set up keeps working.
    assert client.get(SETUP).content.decode().count(device.config_url.split("secret=")[1].split("&")[0]) >= 1
    assert TOTPDevice.objects.filter(user=nurse_a).count() == 1

    refused = client.post(SETUP, {"code": wrong_code(device)})
    assert refused.status_code == 200 and b"This code is not right" in refused.content

    # The wrong try makes the next one wait (django-otp's throttle); the nurse tries again later.
    with time_machine.travel(time.time() + device.step, tick=False):
        response = client.post(SETUP, {"code": code_of(device)})

    assert response.status_code == 302 and response["Location"] == WORKLIST
    assert TOTPDevice.objects.get(user=nurse_a).confirmed
    assert client.get(WORKLIST).status_code == 200


def test_a_signed_in_nurse_can_turn_two_factor_on_by_choice(nurse_a):
    client = Client()
    _password_step(client)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=nurse_a)

    response = client.post(SETUP, {"code": code_of(device)})

    assert response["Location"] == WORKLIST
    assert client.get(WORKLIST).status_code == 200  # this session counts as verified
    assert b"Two-factor sign-in is on" in client.get(SETUP).content
    # The next sign-in asks for the code.
    client.post(reverse("dashboard:logout"))
    assert _password_step(client)["Location"].startswith(CODE)


def test_a_session_opened_before_two_factor_was_required_is_ended(nurse_client_a, settings):
    assert nurse_client_a.get(WORKLIST).status_code == 200
    settings.STAFF_2FA_REQUIRED = True
    assert nurse_client_a.get(WORKLIST).status_code == 302
    assert "_auth_user_id" not in nurse_client_a.session


def test_a_session_of_an_account_with_an_authenticator_but_no_code_is_ended(nurse_a, device_a):
    client = Client()
    client.force_login(nurse_a)  # a session that never gave the code
    assert client.get(WORKLIST).status_code == 302


def test_the_admin_signs_in_through_the_same_two_steps(superuser, client):
    device = TOTPDevice.objects.create(user=superuser, name="Authenticator app", confirmed=True)

    # The admin's address shows the dashboard's form, which goes back to the admin.
    page = client.get("/admin/login/").content.decode()
    assert f'action="{LOGIN}"' in page and 'name="next" value="/admin/"' in page
    response = _password_step(client, username="root.admin", next_url="/admin/")
    assert response["Location"].startswith(CODE)
    assert client.get("/admin/").status_code == 302
    response = client.post(CODE, {"code": code_of(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_admin_session_that_owes_its_code_is_not_let_into_the_admin(superuser):
    TOTPDevice.objects.create(user=superuser, name="Authenticator app", confirmed=True)
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 302


# --- the staff token endpoint -------------------------------------------------------------------


def test_the_token_endpoint_is_unchanged_for_a_nurse_without_an_authenticator(nurse_a):
    response = APIClient().post(TOKEN, {"username": "nurse.a", "password": PASSWORD}, format="json")
    assert response.status_code == 200 and set(response.json()) == {"access", "refresh"}


def test_the_token_endpoint_asks_a_nurse_with_an_authenticator_for_the_code(device_a):
    api = APIClient()
    missing = api.post(TOKEN, {"username": "nurse.a", "password": PASSWORD}, format="json")
    wrong = api.post(TOKEN, {"username": "nurse.a", "password": PASSWORD, "otp": wrong_code(device_a)}, format="json")

    assert missing.status_code == 401 and "otp" in missing.json()["detail"]
    assert wrong.status_code == 401 and "not right" in wrong.json()["detail"]

    with time_machine.travel(time.time() + device_a.step, tick=False):  # the wrong try's throttle has passed
        right = api.post(TOKEN, {"username": "nurse.a", "password": PASSWORD, "otp": code_of(device_a)}, format="json")
    assert right.status_code == 200 and set(right.json()) == {"access", "refresh"}


def test_a_wrong_password_with_a_right_code_is_the_usual_401(device_a):
    response = APIClient().post(TOKEN, {"username": "nurse.a", "password": "not-it", "otp": code_of(device_a)}, format="json")
    assert response.status_code == 401 and response.json()["detail"] == "No active staff account found with the given credentials."


def test_an_overlong_code_is_a_400_naming_the_field(device_a):
    response = APIClient().post(TOKEN, {"username": "nurse.a", "password": PASSWORD, "otp": "1" * 13}, format="json")
    assert response.status_code == 400 and "otp" in response.json()


def test_when_two_factor_is_required_a_nurse_without_one_gets_no_token(nurse_a, settings):
    settings.STAFF_2FA_REQUIRED = True
    response = APIClient().post(TOKEN, {"username": "nurse.a", "password": PASSWORD}, format="json")
    assert response.status_code == 401 and "set it up on the dashboard" in response.json()["detail"]


def test_wrong_codes_count_towards_the_lockout(device_a, settings):
    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post(TOKEN, {"username": "nurse.a", "password": PASSWORD, "otp": wrong_code(device_a)}, format="json")

    with time_machine.travel(time.time() + 60, tick=False):  # past the device's own throttle (16 s), within the lockout (15 min)
        response = api.post(TOKEN, {"username": "nurse.a", "password": PASSWORD, "otp": code_of(device_a)}, format="json")

    assert response.status_code == 429


def test_a_signed_in_admin_who_opens_the_admin_login_goes_to_the_admin(superuser, client):
    client.force_login(superuser)
    response = client.get("/admin/login/?next=/admin/recovery/")
    assert response.status_code == 302 and response["Location"] == "/admin/recovery/"


def test_a_signed_in_nurse_who_opens_the_admin_login_goes_back_to_the_dashboard(nurse_client_a):
    response = nurse_client_a.get("/admin/login/")
    assert response.status_code == 302 and response["Location"] == WORKLIST
