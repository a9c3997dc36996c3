"""Sign-in: staff tokens, refresh with rotation, logout that revokes, patient enrollment by code, and
the wall between staff and patient tokens."""

import datetime
import threading

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from patients.models import AuditEvent, EnrollmentCode, Patient
from patients.tokens import tokens_for_patient, tokens_for_staff

PASSWORD = "a-long-test-password-1"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_a_nurse_signs_in_with_username_and_password(nurse_a):
    response = APIClient().post("/api/v1/auth/token/", {"username": "nurse.a", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


@pytest.mark.parametrize("body", [{"username": "nurse.a", "password": "wrong"}, {"username": "nobody", "password": PASSWORD}])
def test_bad_credentials_are_a_401(nurse_a, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_user_without_a_clinic_gets_no_staff_token(db):
    get_user_model().objects.create_user(username="outsider", password=PASSWORD)
    response = APIClient().post("/api/v1/auth/token/", {"username": "outsider", "password": PASSWORD}, format="json")
    assert response.status_code == 401


def test_missing_fields_are_a_400(db):
    response = APIClient().post("/api/v1/auth/token/", {"username": "x"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_repeated_failures_lock_the_username_out_even_with_the_right_password(nurse_a, settings):
    client = APIClient()
    answers = [
        client.post("/api/v1/auth/token/", {"username": "nurse.a", "password": "wrong"}, format="json").status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The failure that reaches the limit is answered as a lockout already.
    assert answers == [401] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post("/api/v1/auth/token/", {"username": "nurse.a", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert "detail" in locked.json()


def test_refresh_keeps_the_role_and_rotates_the_refresh_token(nurse_a, patient_client_a):
    pair = APIClient().post("/api/v1/auth/token/", {"username": "nurse.a", "password": PASSWORD}, format="json").json()
    refreshed = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 200
    fresh = refreshed.json()
    assert set(fresh) == {"access", "refresh"}
    # The new access token is still a staff token: refused on patient calls.
    assert bearer(fresh["access"]).get("/api/v1/me/").status_code == 403
    # The old refresh token is spent.
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401
    # The next one works, once.
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": fresh["refresh"]}, format="json").status_code == 200


def test_a_patient_refresh_keeps_the_patient_role(patient_a):
    pair = tokens_for_patient(patient_a.user)
    fresh = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").json()
    assert bearer(fresh["access"]).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("refresh", ["", "garbage", "a.b.c"])
def test_a_bad_refresh_token_is_refused(db, refresh):
    response = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert response.status_code in (400, 401)


def test_an_access_token_is_not_a_refresh_token(patient_a):
    pair = tokens_for_patient(patient_a.user)
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["access"]}, format="json").status_code == 401


def test_a_refresh_token_of_a_deleted_user_is_a_401_not_a_500(db):
    user = get_user_model().objects.create_user(username="gone")
    pair = tokens_for_staff(user)
    user.delete()
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_a_nurse_removed_from_every_clinic_cannot_refresh(nurse_a):
    pair = tokens_for_staff(nurse_a)
    nurse_a.clinic_memberships.all().delete()
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_logout_revokes_the_refresh_token(patient_a):
    pair = tokens_for_patient(patient_a.user)
    assert APIClient().post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401


def test_logout_with_a_bad_token_is_a_401(db):
    assert APIClient().post("/api/v1/auth/logout/", {"refresh": "nope"}, format="json").status_code == 401
    assert APIClient().post("/api/v1/auth/logout/", {}, format="json").status_code == 400


# --- enrollment ---------------------------------------------------------------------------------


def test_a_patient_enrolls_with_the_code_and_gets_patient_tokens(make_patient):
    patient = make_patient(enrolled=False)
    response = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": patient.enrollment_code}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "patient"}
    assert body["patient"]["id"] == str(patient.public_id)
    assert body["patient"]["recovery_day"] == 10
    patient.refresh_from_db()
    assert patient.user is not None
    assert not patient.user.has_usable_password()
    assert bearer(body["access"]).get("/api/v1/me/").status_code == 200
    assert AuditEvent.objects.filter(patient=patient, resource="enrollment").exists()


@pytest.mark.parametrize("mangle", [str.lower, lambda c: c.replace("-", ""), lambda c: " " + c.replace("-", " - ") + " "])
def test_the_code_is_taken_in_any_case_with_or_without_dashes(make_patient, mangle):
    patient = make_patient(enrolled=False)
    response = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": mangle(patient.enrollment_code)}, format="json")
    assert response.status_code == 200


def test_look_alike_letters_are_read_as_the_symbols_they_resemble(make_patient):
    from patients.services import enrollment_code_hash

    patient = make_patient(enrolled=False)
    EnrollmentCode.objects.create(
        patient=patient, code_hash=enrollment_code_hash("10VABCDEF1"), expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    # I and L read as 1, O as 0, U as V: the alphabet has none of them.
    response = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": "lOuab-cdefI"}, format="json")
    assert response.status_code == 200


def test_a_code_works_once(make_patient):
    patient = make_patient(enrolled=False)
    first = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": patient.enrollment_code}, format="json")
    second = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": patient.enrollment_code}, format="json")
    assert first.status_code == 200
    assert second.status_code == 400
    assert "enrollment_code" in second.json()


def test_an_expired_code_is_refused(make_patient):
    patient = make_patient(enrolled=False)
    EnrollmentCode.objects.filter(patient=patient).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": patient.enrollment_code}, format="json")
    assert response.status_code == 400
    assert Patient.objects.get(pk=patient.pk).user is None


@pytest.mark.parametrize("code", ["AAAAA-AAAAA", "", "x" * 65, "12345", 12345, None, ["AAAAA-AAAAA"]])
def test_a_wrong_code_is_a_400(db, code):
    response = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": code}, format="json")
    assert response.status_code == 400
    assert "enrollment_code" in response.json()


def test_guessing_is_throttled_per_client(db, settings):
    client = APIClient()
    # Counted in hourly windows: stay inside one.
    with time_machine.travel(datetime.datetime(2026, 3, 5, 12, 30, tzinfo=datetime.UTC), tick=False):
        answers = [client.post("/api/v1/auth/enroll/", {"enrollment_code": f"AAAAA-AAA{n:02d}"}, format="json").status_code for n in range(12)]
    # THROTTLE_ENROLL is 10 an hour by default.
    assert answers[:10] == [400] * 10
    assert answers[10:] == [429, 429]


def test_enrolling_again_with_a_new_code_signs_out_the_earlier_phone(make_patient):
    from patients.services import enrollment_code_issue

    patient = make_patient(enrolled=False)
    old = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": patient.enrollment_code}, format="json").json()
    new_code = enrollment_code_issue(patient=patient)
    new = APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": new_code}, format="json")
    assert new.status_code == 200
    assert new.json()["patient"]["id"] == old["patient"]["id"]
    assert APIClient().post("/api/v1/auth/token/refresh/", {"refresh": old["refresh"]}, format="json").status_code == 401
    assert get_user_model().objects.filter(username__startswith="patient-").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_enrollments_with_one_code_give_one_pair_of_tokens(make_patient):
    patient = make_patient(enrolled=False)
    barrier = threading.Barrier(2)
    answers = []

    def enroll():
        try:
            barrier.wait()
            answers.append(APIClient().post("/api/v1/auth/enroll/", {"enrollment_code": patient.enrollment_code}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=enroll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 400]
    assert get_user_model().objects.filter(username__startswith="patient-").count() == 1


# --- the wall between staff and patient tokens --------------------------------------------------

PATIENT_CALLS = [
    ("get", "/api/v1/me/"),
    ("patch", "/api/v1/me/"),
    ("get", "/api/v1/me/progress/"),
    ("get", "/api/v1/checkins/"),
    ("post", "/api/v1/checkins/"),
    ("post", "/api/v1/checkins/sync/"),
]


@pytest.mark.parametrize(("method", "url"), PATIENT_CALLS)
def test_a_staff_token_is_refused_on_patient_calls(staff_client_a, method, url):
    assert getattr(staff_client_a, method)(url, {}, format="json").status_code == 403


@pytest.mark.parametrize(("method", "url"), PATIENT_CALLS)
def test_no_token_or_a_bad_one_is_a_401_on_patient_calls(db, method, url):
    assert getattr(APIClient(), method)(url, {}, format="json").status_code == 401
    assert getattr(bearer("not.a.token"), method)(url, {}, format="json").status_code == 401


def test_a_patient_token_is_refused_on_staff_calls(patient_client_a, nurse_a):
    """Staff calls check IsStaff: a patient token never passes it, whatever the view."""
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from patients.permissions import IsStaff

    class StaffOnly(APIView):
        permission_classes = [IsAuthenticated, IsStaff]

        def get(self, request):
            return Response({"ok": True})

    patient = Patient.objects.get(first_name="Alma")
    factory = APIRequestFactory()
    patient_request = factory.get("/staff-only/", HTTP_AUTHORIZATION="Bearer " + tokens_for_patient(patient.user)["access"])
    staff_request = factory.get("/staff-only/", HTTP_AUTHORIZATION="Bearer " + tokens_for_staff(nurse_a)["access"])
    assert StaffOnly.as_view()(patient_request).status_code == 403
    assert StaffOnly.as_view()(staff_request).status_code == 200


def test_a_patient_token_is_refused_on_the_staff_patient_list_where_it_exists(patient_client_a):
    response = patient_client_a.get("/api/v1/patients/")
    # 404 until the staff calls are mounted; 403 once they are: never 200.
    assert response.status_code in (403, 404)


def test_a_token_of_a_patient_whose_user_was_unlinked_is_refused(patient_a):
    access = tokens_for_patient(patient_a.user)["access"]
    Patient.objects.filter(pk=patient_a.pk).update(user=None)
    assert bearer(access).get("/api/v1/me/").status_code == 401




@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_with_one_token_give_one_new_pair(patient_a):
    refresh = tokens_for_patient(patient_a.user)["refresh"]
    barrier = threading.Barrier(2)
    answers = []

    def use_it():
        try:
            barrier.wait()
            answers.append(APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=use_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 401]
