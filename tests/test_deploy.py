"""docker-compose.yml: Debian's docker-compose accepts it, with exactly one beat and health checks."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "SECRET_KEY": "a-production-secret-key-" + "k7Qx9Zp2" * 6,
    "POSTGRES_PASSWORD": "a-database-password",
    "ALLOWED_HOSTS": "recovery.example.org",
    "PUBLIC_BASE_URL": "https://recovery.example.org",
}

needs_compose = pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")


def compose(*args, environment):
    # Only the given variables: nothing from the caller's shell (or an .env file's absence) leaks in.
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **environment}
    return subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@needs_compose
def test_docker_compose_accepts_the_file():
    result = compose("config", "-q", environment=PRODUCTION)
    assert result.returncode == 0, result.stderr


@needs_compose
def test_it_runs_postgresql_redis_web_worker_and_exactly_one_beat_with_health_checks():
    result = compose("config", environment=PRODUCTION)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]

    assert set(services) == {"db", "redis", "migrate", "web", "worker", "urgent-worker", "beat"}
    # Pages have a worker of their own; the routine worker takes them too when free.
    urgent = services["urgent-worker"]["command"]
    assert urgent[urgent.index("--queues") + 1] == "urgent"
    assert [name for name, service in services.items() if "beat" in service.get("command", [])] == ["beat"]
    assert "gunicorn" in services["web"]["command"]
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("db", "redis", "web", "worker", "urgent-worker"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("web", "worker", "urgent-worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://recovery:")
        assert environment["SECRET_KEY"] == PRODUCTION["SECRET_KEY"]
        assert environment["PUBLIC_BASE_URL"] == PRODUCTION["PUBLIC_BASE_URL"]
        assert {"REDIS_URL", "CELERY_BROKER_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"} <= set(environment)
        # Production's defaults: JSON logs, two-factor sign-in for every staff account.
        assert environment["LOG_FORMAT"] == "json" and environment["STAFF_2FA_REQUIRED"] == "true"


@needs_compose
def test_it_refuses_to_start_without_a_secret_key_naming_it():
    result = compose("config", "-q", environment={k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
