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


@pytest.fixture
def default_guidance(db):
    """The default guidance, as the migration loads it (a transactional test flushed it before)."""
    import importlib

    from django.apps import apps

    importlib.import_module("webcheckin.migrations.0002_default_guidance").load_defaults(apps, None)


from tests.dashboard.conftest import log_days, nurse_client_a, raise_alert  # noqa: E402, F401 - shared fixtures
