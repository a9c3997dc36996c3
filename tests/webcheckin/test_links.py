"""The links of the web check-in: random, stored hashed, one patient and day, expiring, used once."""

import datetime
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from webcheckin.links import checkin_link_claim, checkin_link_find, checkin_link_issue, link_expiry, link_state, token_hash
from webcheckin.models import CheckinLink

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 20, 23, 0, tzinfo=datetime.UTC)  # 17:00 in Chicago


@pytest.fixture
def patient_a(make_patient):
    return make_patient(first_name="Alma", last_name="Testcase", surgery_date=datetime.date(2026, 11, 1))


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_a_link_carries_only_a_random_token_and_the_table_only_its_hash(patient_a, settings):
    url = checkin_link_issue(patient=patient_a, now=NOW)
    assert url.startswith(settings.PUBLIC_BASE_URL.rstrip("/") + "/c/")
    token = _token(url)
    # 128 random bits, URL-safe: 22 characters, nothing else in the address.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", token)
    assert url == settings.PUBLIC_BASE_URL.rstrip("/") + "/c/" + token
    for secret in (str(patient_a.public_id), patient_a.phone[1:], patient_a.last_name, "2026-11-20", "20261120"):
        assert secret not in url
    link = CheckinLink.objects.get(token_hash=token_hash(token))
    assert link.token_hash == token_hash(token) and token not in link.token_hash
    assert (link.patient_id, link.date) == (patient_a.pk, datetime.date(2026, 11, 20))


def test_every_link_is_a_new_token(patient_a):
    tokens = {_token(checkin_link_issue(patient=patient_a, now=NOW)) for _ in range(50)}
    assert len(tokens) == 50


def test_a_link_expires_at_the_end_of_the_next_patient_local_day():
    expiry = link_expiry(date=datetime.date(2026, 11, 20), timezone_name="America/Chicago")
    assert expiry == datetime.datetime(2026, 11, 22, 0, 0, tzinfo=ZoneInfo("America/Chicago"))
    # Across the change to daylight saving time the local midnight still holds.
    spring = link_expiry(date=datetime.date(2026, 3, 7), timezone_name="America/Chicago")
    assert spring.astimezone(ZoneInfo("America/Chicago")).replace(tzinfo=None) == datetime.datetime(2026, 3, 9, 0, 0)


def test_a_link_is_open_until_it_expires(patient_a):
    link = checkin_link_find(_token(checkin_link_issue(patient=patient_a, now=NOW)))
    assert link_state(link, now=NOW) == "open"
    assert link_state(link, now=link.expires_at - datetime.timedelta(seconds=1)) == "open"
    assert link_state(link, now=link.expires_at) == "expired"


@pytest.mark.parametrize("change", ["last", "first", "short", "long", "case"])
def test_a_tampered_token_finds_nothing(patient_a, change):
    token = _token(checkin_link_issue(patient=patient_a, now=NOW))
    tampered = {
        "last": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "first": ("A" if token[0] != "A" else "B") + token[1:],
        "short": token[:-1],
        "long": token + "A",
        "case": token.swapcase(),
    }[change]
    assert checkin_link_find(tampered) is None
    assert checkin_link_find(token) is not None


def test_a_link_checks_in_once_and_a_second_tap_of_the_same_form_is_the_same_check_in(patient_a):
    link = checkin_link_find(_token(checkin_link_issue(patient=patient_a, now=NOW)))
    first, other = uuid.uuid4(), uuid.uuid4()
    with transaction.atomic():
        assert checkin_link_claim(link=link, client_id=first, now=NOW)
    with transaction.atomic():
        assert checkin_link_claim(link=link, client_id=first, now=NOW)  # the same form again
    with transaction.atomic():
        assert not checkin_link_claim(link=link, client_id=other, now=NOW)
    link.refresh_from_db()
    assert link.used_client_id == first and link_state(link, now=NOW) == "used"


def test_an_expired_link_cannot_be_claimed(patient_a):
    link = checkin_link_find(_token(checkin_link_issue(patient=patient_a, now=NOW)))
    with transaction.atomic():
        assert not checkin_link_claim(link=link, client_id=uuid.uuid4(), now=link.expires_at)
