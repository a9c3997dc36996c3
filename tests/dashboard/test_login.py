"""Logging in and out of the dashboard with the nurse's own account (django-axes guards the door)."""

from django.test import Client
from django.urls import reverse

LOGIN = reverse("dashboard:login")
PASSWORD = "a-long-test-password-1"


def test_the_login_page_carries_a_csrf_token_and_labelled_fields(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_username">Username</label>' in html and '<label for="id_password">Password</label>' in html


def test_a_nurse_logs_in_and_lands_on_the_worklist(nurse_a):
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)
    token = client.cookies["csrftoken"].value
    response = client.post(LOGIN, {"username": "nurse.a", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:worklist")
    page = client.get(reverse("dashboard:worklist"))
    assert page.status_code == 200
    assert b"Clinic A" in page.content and b"nurse.a" in page.content and b"Log out" in page.content


def test_a_login_goes_back_to_the_page_asked_for(nurse_a, make_patient, client):
    patient = make_patient()
    target = reverse("dashboard:patient", args=[patient.pk])
    response = client.get(target)
    assert response.status_code == 302
    response = client.post(response["Location"], {"username": "nurse.a", "password": PASSWORD, "next": target})
    assert response["Location"] == target


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(nurse_a, client):
    response = client.post(LOGIN, {"username": "nurse.a", "password": "not-it"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert client.get(reverse("dashboard:worklist")).status_code == 302


def test_repeated_failures_lock_the_account_out(nurse_a, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "nurse.a", "password": "guess"})
    response = client.post(LOGIN, {"username": "nurse.a", "password": PASSWORD})
    assert response.status_code == 429
    assert client.get(reverse("dashboard:worklist")).status_code == 302


def test_logging_out_takes_a_post_and_ends_the_session(nurse_client_a):
    assert nurse_client_a.get(reverse("dashboard:logout")).status_code == 405
    response = nurse_client_a.post(reverse("dashboard:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert nurse_client_a.get(reverse("dashboard:worklist")).status_code == 302
