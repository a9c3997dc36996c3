"""Where a check-in's CPU goes: the whole request and its parts, in-process, one at a time.

Run after (or instead of) `make bench-api`: `python bench/checkin_cpu.py`. It recreates the benchmark's
database and seeds it (bench/bench_api.py), then times, with time.process_time and the best of three
runs, the bare view and the check-in through the WSGI handler, and the parts of the check-in alone.
The figures are written in docs/api.md.
"""

import datetime
import io
import itertools
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_api  # noqa: E402

RUNS = int(os.environ.get("BENCH_CPU_RUNS", "300"))


def best_of_three(fn) -> float:
    fn()
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(RUNS):
            fn()
        best = min(best, (time.process_time() - started) / RUNS * 1000)
    return best


def main() -> None:
    bench_api.recreate_database()
    bench_api.flush_redis()
    seeded = bench_api.seed(port=8000)

    from django.core.handlers.wsgi import WSGIHandler
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.throttling import ScopedWindowRateThrottle
    from patients.audit import AuditSource
    from patients.authentication import PatientJWTAuthentication
    from patients.models import Patient
    from recovery.api.patient import CheckinSerializer, CheckinsView
    from recovery.services import checkin_submit
    from recovery.services import checkins as checkins_module

    app = WSGIHandler()
    patients = {p.pk: p for p in Patient.objects.select_related("user").order_by()}
    counter = itertools.count()

    def wsgi(path: str, body: dict, token: str | None = None) -> str:
        data = json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
            "wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
            "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
        }
        if token:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        status = []
        b"".join(app(environ, lambda s, h, exc_info=None: status.append(s)))
        return status[0]

    def next_checkin() -> tuple[dict, dict]:
        n = next(counter)
        seed = seeded[n % len(seeded)]
        day = seed["surgery_date"] + datetime.timedelta(days=n // len(seeded) % bench_api.SURGERY_DAYS_AGO)
        return seed, {"client_id": str(uuid.uuid4()), "date": day.isoformat(), "pain": 3, "walking_minutes": 20, "opioid_use": False}

    def bare() -> None:
        seed, body = next_checkin()
        assert wsgi("/bench/bare-checkin/", {**body, "patient_id": seed["id"]}).startswith("201")

    def checkin() -> None:
        seed, body = next_checkin()
        assert wsgi("/api/v1/checkins/", body, seed["access"])[:3] in ("200", "201")

    first = seeded[0]
    patient = patients[first["id"]]
    request = APIRequestFactory().post("/api/v1/checkins/", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {first['access']}")
    authentication = PatientJWTAuthentication()
    view = CheckinsView()
    view.throttle_scope = "checkin"
    drf_request = Request(request)
    drf_request.user = patient.user
    body = {"client_id": str(uuid.uuid4()), "date": patient.local_today().isoformat(), "pain": 3, "walking_minutes": 20}

    def submit() -> None:
        seed, values = next_checkin()
        checkin_submit(patient=patients[seed["id"]], client_id=uuid.uuid4(), date=datetime.date.fromisoformat(values["date"]),
                       fields={"pain": 3, "walking_minutes": 20, "opioid_use": False},
                       audit=AuditSource.of(patients[seed["id"]].user, channel="api"))

    rows = [
        ("bare view, whole request", best_of_three(bare)),
        ("check-in, whole request", best_of_three(checkin)),
        ("patient token checked (JWT, patient and user)", best_of_three(lambda: authentication.authenticate(Request(request)))),
        ("check-in validated (serializer)", best_of_three(
            lambda: CheckinSerializer(data=body, context={"patient": patient}).is_valid(raise_exception=True))),
    ]
    request_judging = checkins_module.judging_request_on_commit
    checkins_module.judging_request_on_commit = lambda: None
    rows.append(("checkin_submit: one statement with the audit row, no batch asked", best_of_three(submit)))
    checkins_module.judging_request_on_commit = request_judging
    from django.core.cache import cache

    rows += [
        ("rate limit", best_of_three(lambda: ScopedWindowRateThrottle().allow_request(drf_request, view))),
        ("judging batch asked for (one cache add; a publish at most once a second)",
         best_of_three(lambda: cache.add("bench:judging", 1, timeout=1))),
    ]
    bench_api.flush_redis()
    print(f"CPU a call, best of three runs of {RUNS} (load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)")
    for name, ms in rows:
        print(f"  {name:58} {ms:6.2f} ms")


if __name__ == "__main__":
    main()
