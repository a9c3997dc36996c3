"""A dashboard session ends after SESSION_IDLE_MINUTES without a request from its nurse (shared
ward computers are left signed in). The clock is the session's own record of the last activity,
set back by the tests: nothing sleeps."""

import time

from django.urls import reverse

from dashboard.sessions import LAST_ACTIVITY

LOGIN = reverse("dashboard:login")
WORKLIST = reverse("dashboard:worklist")


def _idle_for(client, minutes: float) -> None:
    session = client.session
    session[LAST_ACTIVITY] = time.time() - minutes * 60
    session.save()


def test_signing_in_records_the_activity(nurse_client_a):
    assert abs(nurse_client_a.session[LAST_ACTIVITY] - time.time()) < 60


def test_a_session_idle_for_less_than_the_limit_goes_on_and_counts_as_active_again(nurse_client_a, settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    _idle_for(nurse_client_a, 29)

    assert nurse_client_a.get(WORKLIST).status_code == 200
    assert time.time() - nurse_client_a.session[LAST_ACTIVITY] < 60


def test_a_session_idle_past_the_limit_is_signed_out_with_a_message(nurse_client_a):
    _idle_for(nurse_client_a, 31)

    response = nurse_client_a.get(WORKLIST)

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in nurse_client_a.session
    page = nurse_client_a.get(response["Location"])
    assert b"You were signed out after 30 minutes without activity" in page.content
    # And it stays signed out.
    assert nurse_client_a.get(WORKLIST).status_code == 302


def test_the_limit_is_a_setting(nurse_client_a, settings):
    settings.SESSION_IDLE_MINUTES = 5
    _idle_for(nurse_client_a, 6)
    assert nurse_client_a.get(WORKLIST).status_code == 302


def test_the_worklists_own_periodic_refresh_does_not_keep_the_session_alive(nurse_client_a):
    _idle_for(nurse_client_a, 10)
    before = nurse_client_a.session[LAST_ACTIVITY]

    response = nurse_client_a.get(WORKLIST, {"fragment": "1"}, HTTP_X_BACKGROUND_REFRESH="1", HTTP_X_REQUESTED_WITH="fetch")

    assert response.status_code == 200
    assert nurse_client_a.session[LAST_ACTIVITY] == before
    # A nurse's own click does.
    nurse_client_a.get(WORKLIST, {"fragment": "1"}, HTTP_X_REQUESTED_WITH="fetch")
    assert nurse_client_a.session[LAST_ACTIVITY] > before


def test_the_refresh_of_an_idle_session_is_sent_to_the_login_page(nurse_client_a):
    _idle_for(nurse_client_a, 45)
    response = nurse_client_a.get(WORKLIST, {"fragment": "1"}, HTTP_X_BACKGROUND_REFRESH="1")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_the_admin_session_ends_too(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root.admin", password="a-long-admin-password-1")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    _idle_for(client, 31)
    assert client.get("/admin/").status_code == 302


def test_the_activity_is_written_at_most_once_a_minute(nurse_client_a):
    # A request within the minute changes nothing in the session: no write.
    _idle_for(nurse_client_a, 0.5)
    before = nurse_client_a.session[LAST_ACTIVITY]
    nurse_client_a.get(WORKLIST)
    assert nurse_client_a.session[LAST_ACTIVITY] == before
