"""Fixtures of the web check-in tests: a link for a patient, and the path it opens."""

import datetime
from urllib.parse import urlsplit

import pytest


@pytest.fixture
def link_for():
    """link_for(patient, date=None, now=None): the path of a fresh link (what the SMS carries, less the host)."""
    from django.utils import timezone

    from webcheckin.links import checkin_link_issue

    def make(patient, *, date: datetime.date | None = None, now: datetime.datetime | None = None) -> str:
        url = checkin_link_issue(patient=patient, now=now or timezone.now(), date=date)
        return urlsplit(url).path

    return make


def sent_text(message, *, now: datetime.datetime | None = None) -> str:
    """The text of an outbox message as the send hands it over: the stored body, whose check-in link is
    masked, with the live link put in (notifications.link_bodies)."""
    from django.utils import timezone

    from notifications.link_bodies import link_bodies_render

    assert not link_bodies_render([message], now=now or timezone.now()), "the message's link can no longer go"
    return message.outgoing_body


@pytest.fixture
def default_guidance(db):
    """The default guidance, as the migration loads it (a transactional test flushed it before)."""
    import importlib

    from django.apps import apps

    importlib.import_module("webcheckin.migrations.0002_default_guidance").load_defaults(apps, None)


from tests.dashboard.conftest import log_days, nurse_client_a, raise_alert  # noqa: E402, F401 - shared fixtures
