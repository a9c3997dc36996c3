"""`manage.py create_nurse`, as operators and the contract's outside checks call it."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from patients.models import Clinic, ClinicMembership

pytestmark = pytest.mark.django_db


def can_log_in(username: str, password: str) -> bool:
    # django-axes wants the request that a login comes with.
    return authenticate(RequestFactory().post("/login/"), username=username, password=password) is not None


def create_nurse(*args):
    out, err = StringIO(), StringIO()
    call_command("create_nurse", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_creates_the_clinic_the_nurse_and_an_on_call_membership_with_a_phone():
    out, _ = create_nurse(
        "--username", "kim.rivers", "--password", "a-long-nurse-password", "--clinic", "Northside Spine",
        "--phone", "+15551230000", "--on-call",
    )  # fmt: skip

    clinic = Clinic.objects.get(name="Northside Spine")
    membership = ClinicMembership.objects.select_related("user__nurse_profile").get(clinic=clinic)
    assert membership.user.username == "kim.rivers"
    assert membership.on_call is True
    assert membership.user.nurse_profile.phone == "+15551230000"
    assert can_log_in("kim.rivers", "a-long-nurse-password")
    assert "Created nurse 'kim.rivers' of clinic 'Northside Spine' (on call, pages to +15551230000)" in out


def test_a_nurse_without_on_call_is_not_on_the_roster_and_has_no_phone():
    create_nurse("--username", "lee", "--password", "a-long-nurse-password", "--clinic", "Northside Spine")

    membership = ClinicMembership.objects.get(user__username="lee")
    assert membership.on_call is False
    assert membership.user.nurse_profile.phone == ""


def test_a_second_clinic_adds_a_membership_and_an_existing_clinic_is_reused():
    create_nurse("--username", "lee", "--password", "a-long-nurse-password", "--clinic", "Northside Spine")
    create_nurse("--username", "sam", "--password", "a-long-nurse-password", "--clinic", "Northside Spine")
    out, _ = create_nurse("--username", "lee", "--password", "a-new-long-password", "--clinic", "Harbor Spine", "--on-call")

    assert Clinic.objects.filter(name="Northside Spine").count() == 1
    assert set(ClinicMembership.objects.filter(user__username="lee").values_list("clinic__name", "on_call")) == {
        ("Northside Spine", False),
        ("Harbor Spine", True),
    }
    assert can_log_in("lee", "a-new-long-password")
    assert out.startswith("Updated nurse 'lee'")


@pytest.mark.parametrize("phone", ["555-0100", "+1555", "+1 555 123 0000 99", "+0555123", "call me"])
def test_it_refuses_a_bad_phone_and_creates_nothing(phone):
    with pytest.raises(CommandError, match="--phone"):
        create_nurse("--username", "kim", "--password", "a-long-nurse-password", "--clinic", "Northside Spine", "--phone", phone)

    assert not get_user_model().objects.filter(username="kim").exists()
    assert not Clinic.objects.filter(name="Northside Spine").exists()


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--username", "bad name!", "--password", "a-long-nurse-password", "--clinic", "C"], "--username"),
        (["--username", "kim", "--password", "", "--clinic", "C"], "--password"),
        (["--username", "kim", "--password", "a-long-nurse-password", "--clinic", "   "], "--clinic"),
    ],
)
def test_it_refuses_a_bad_argument_naming_it(args, named):
    with pytest.raises(CommandError, match=named):
        create_nurse(*args)
    assert not Clinic.objects.exists()


def test_it_warns_about_a_weak_password_but_creates_the_nurse():
    _, err = create_nurse("--username", "kim", "--password", "1234", "--clinic", "Northside Spine")

    assert "weak password" in err
    assert can_log_in("kim", "1234")
