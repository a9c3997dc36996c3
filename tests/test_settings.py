"""Settings are parsed strictly: a bad value stops start-up with a message that names it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "not a url"),
        ("DATABASE_URL", "mysql://x@y/z"),
        ("PUBLIC_BASE_URL", "ftp://example.test"),
        ("REDIS_URL", "localhost:6379"),
        ("SMS_RATE_PER_SECOND", "fast"),
        ("PAGE_ESCALATION_MINUTES", "0"),
        ("TWILIO_API_URL", "nowhere"),
        ("DEFAULT_PATIENT_TIMEZONE", "Mars/Olympus"),
        ("THROTTLE_LOGIN", "lots"),
        ("THROTTLE_CHECKIN", "10/fortnight"),
        ("CELERY_BROKER_URL", "localhost:6379"),
    ],
)
def test_it_refuses_a_bad_setting_naming_it(name, value):
    environment = {**os.environ, name: value, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_it_refuses_twilio_credentials_without_a_sender():
    environment = {
        **os.environ,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_FROM_NUMBER": "",
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "TWILIO_FROM_NUMBER" in result.stderr


def test_a_public_https_deployment_must_set_its_own_secret_key():
    environment = {**os.environ, "PUBLIC_BASE_URL": "https://recovery.example.org", "DJANGO_SETTINGS_MODULE": "config.settings"}
    environment.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY: this setting is required" in result.stderr


def test_it_reads_a_secret_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    assert env.string("SOME_SECRET") == "from-a-file"


def test_booleans_accept_only_true_and_false_words(monkeypatch):
    monkeypatch.setenv("FLAG", "TRUE")
    assert env.boolean("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env.boolean("FLAG", True) is False
    monkeypatch.setenv("FLAG", "y3s")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env.boolean("FLAG", False)


def test_check_deploy_is_clean_with_production_values():
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-key-" + "k7Qx9Zp2" * 6,
        "PUBLIC_BASE_URL": "https://recovery.example.org",
        "ALLOWED_HOSTS": "recovery.example.org",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
