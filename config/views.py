"""The health check that load balancers and docker-compose poll, and the API's JSON 404."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from kombu import Connection

from monitoring.selectors import beat_health


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not answering"
        return f"unavailable: {exc.__class__.__name__}"
    return "ok"


# A load balancer's probe must get an answer: every step of the broker check is bounded.
BROKER_TIMEOUT_SECONDS = 2


def _broker_state() -> str:
    options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        # Redis: a listener that accepts but never answers would otherwise block the read forever.
        "socket_timeout": BROKER_TIMEOUT_SECONDS,
        "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    }
    try:
        with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=BROKER_TIMEOUT_SECONDS) as conn:
            # One attempt, no retries: the probe reports the state now, it does not wait for a recovery.
            conn.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # noqa: BLE001
        return f"unavailable: {exc.__class__.__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the broker both answer; 503 naming the one that does not.

    Beat's state (`"beat"`: each periodic task's last completed run, "late" past twice its period)
    is reported but never makes the answer a 503: a late beat is no reason for a load balancer to stop
    sending requests to this web process. /metrics carries it for alerting."""
    checks = {"database": _database_state(), "broker": _broker_state()}
    failing = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if not failing else "unavailable", "checks": checks}
    if failing:
        body["failing"] = failing
    body["beat"] = _beat_state() if checks["database"] == "ok" else {"status": "unknown"}
    return JsonResponse(body, status=503 if failing else 200)


def _beat_state() -> dict:
    try:
        return beat_health()
    except Exception as exc:  # noqa: BLE001 - the probe answers whatever fails
        return {"status": f"unknown: {exc.__class__.__name__}"}


def not_found(request, exception):
    """A 404 for an address nothing answers at: JSON under /api/ (what a client of the API reads, as
    every other API error is), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
