"""`make bench-mixed`: patients checking in and nurses browsing at the same time, for 60 s, against the
service under gunicorn (2 workers) on PostgreSQL with a real Celery worker on Redis; no error allowed.

1. Make its own database (BENCH_DATABASE_URL, default recovery_bench_mixed), migrate it and seed a
   clinic of a few thousand patients (two weeks of check-ins each) and a few nurses.
2. Start gunicorn (bench_api's helpers: 2 workers) and `celery -A config worker` on Redis db 8.
3. Nurses log in through the dashboard's login page (CSRF and all); then, for DURATION seconds,
   patient clients post check-ins with their tokens while nurse clients open the worklist, patients'
   pages and the staff API (patients, alerts). Every loop stops by itself at the deadline or after
   MAX_REQUESTS, whichever comes first; every request goes to 127.0.0.1.
4. Print requests, errors, throughput, p50 and p99 per kind; wait for the worker to drain the judging
   the check-ins queued; write bench/results/mixed.json.

Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL (redis://127.0.0.1:6379/8, flushed before and after),
BENCH_DURATION (60 s), BENCH_PATIENTS (3000), BENCH_NURSES (4), BENCH_PATIENT_CLIENTS (8),
BENCH_NURSE_CLIENTS (4).
"""

import datetime
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench_mixed")
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
os.environ.setdefault("BENCH_DURATION", "60")

from bench import bench_api as api  # noqa: E402  (reads the BENCH_* variables above)
from bench.common import write_result  # noqa: E402

DURATION = float(os.environ["BENCH_DURATION"])
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "3000"))
NURSES = int(os.environ.get("BENCH_NURSES", "4"))
PATIENT_CLIENTS = int(os.environ.get("BENCH_PATIENT_CLIENTS", "8"))
NURSE_CLIENTS = int(os.environ.get("BENCH_NURSE_CLIENTS", "4"))
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "200000"))  # per client: a bound besides the clock
# The pages' {% static %} tags without collectstatic (the benchmark asks for no static file).
api.SERVER_ENV["STATIC_MANIFEST"] = "false"
DRAIN_WAIT = float(os.environ.get("BENCH_DRAIN_WAIT", "300"))  # seconds allowed for the worker to catch up
TOKENS = min(PATIENTS, 1000)  # patients who check in during the run (each with a patient token)
CLINIC = "Bench Mixed Clinic"
NURSE_PASSWORD = "bench-mixed-password-not-secret-1"
SURGERY_DAYS_AGO = api.SURGERY_DAYS_AGO
# What each kind of request must answer; anything else is an error.
EXPECTED = {
    "checkin": {200, 201},
    "worklist": {200},
    "patient_page": {200},
    "api_patients": {200},
    "api_alerts": {200},
}


def seed() -> tuple[list[dict], list[int], list[str]]:
    """A clinic of PATIENTS patients with two weeks of check-ins, some open alerts, and NURSES nurses."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from patients.models import Patient
    from patients.services import nurse_create
    from patients.tokens import tokens_for_patient
    from recovery.models import Alert, DailyRecord

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(20261123)
    nurses = [f"bench.mixed.nurse{n}" for n in range(NURSES)]
    for n, username in enumerate(nurses):
        # The on-call nurse has a (synthetic) phone, so red flags page someone (the log SMS backend: no Twilio).
        membership = nurse_create(
            username=username, password=NURSE_PASSWORD, clinic_name=CLINIC, on_call=n == 0, phone=f"+1555093{n:04d}" if n == 0 else ""
        )
    clinic = membership.clinic
    User = get_user_model()
    today = datetime.date.today()
    with transaction.atomic():
        users = [User(username=f"patient-mixed-{n}") for n in range(PATIENTS)]
        for user in users:
            user.set_unusable_password()
        users = User.objects.bulk_create(users, batch_size=2000)
        patients = Patient.objects.bulk_create(
            [
                Patient(
                    clinic=clinic, user=user, first_name=f"Mixed{n}", last_name=f"Benchcase{n:05d}", phone=f"+1555092{n:04d}",
                    timezone="America/Chicago", language="es" if n % 3 == 0 else "en", procedure="mis_lumbar_fusion",
                    surgery_date=today - datetime.timedelta(days=SURGERY_DAYS_AGO if n < TOKENS else rng.randint(0, 89)),
                )
                for n, user in enumerate(users)
            ],
            batch_size=2000,
        )
        records, alerts = [], []
        for patient in patients:
            days = (today - patient.surgery_date).days
            for day in range(max(0, days - 14), days):
                records.append(
                    DailyRecord(
                        patient=patient, date=patient.surgery_date + datetime.timedelta(days=day),
                        pain=max(0, min(10, round(7 - day / 12 + rng.gauss(0, 1)))), walking_minutes=min(240, 5 + day),
                        opioid_use=day < 20, symptoms=[], milestones=[],
                    )
                )
            if rng.random() < 0.1:
                alerts.append(
                    Alert(
                        patient=patient, kind="walking_below_expected", severity="routine", status="open", recovery_day=days,
                        evidence_date=today, message="Synthetic alert for the mixed benchmark.",
                    )
                )
        DailyRecord.objects.bulk_create(records, batch_size=5000)
        Alert.objects.bulk_create(alerts, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    tokens = [
        {"id": p.pk, "surgery_date": p.surgery_date, "access": tokens_for_patient(p.user)["access"]}
        for p in patients[:TOKENS]
    ]
    print(f"seeded {len(patients)} patients, {len(records)} daily records, {len(alerts)} open alerts, {NURSES} nurses", flush=True)
    return tokens, [p.pk for p in patients], nurses


def start_worker() -> subprocess.Popen:
    env = {**os.environ, **api.SERVER_ENV, "DJANGO_SETTINGS_MODULE": "config.settings"}
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(
        [str(celery), "-A", "config", "worker", "--concurrency", "2", "--loglevel", "WARNING", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "-n", f"bench-mixed-{os.getpid()}@127.0.0.1",
         "--queues", "urgent,celery"],
        cwd=ROOT, env=env,
    )


def log_in(port: int, username: str) -> str:
    """The dashboard's login form, as a browser fills it: GET for the CSRF cookie and field, POST, keep the session."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    cookies = dict(
        c.split(";", 1)[0].split("=", 1) for c in page.headers.get_all("Set-Cookie") or [] if "=" in c
    )
    field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urlencode({"username": username, "password": NURSE_PASSWORD, "csrfmiddlewaretoken": field})
    conn.request(
        "POST", "/login/", body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookies['csrftoken']}",
                 "Referer": f"http://127.0.0.1:{port}/login/"},
    )
    answer = conn.getresponse()
    answer.read()
    session = [c for c in answer.headers.get_all("Set-Cookie") or [] if c.startswith("sessionid=")]
    conn.close()
    if answer.status != 302 or not session:
        raise SystemExit(f"nurse {username} could not log in: {answer.status}")
    return session[0].split(";", 1)[0]


def http_get(path: str, cookie: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n".encode()


def run(port: int, tokens: list[dict], patient_ids: list[int], sessions: list[str]) -> tuple[dict, float]:
    """Every client runs a bounded closed loop: its next request as soon as the last is answered."""
    latencies: dict[str, list[float]] = {kind: [] for kind in EXPECTED}
    errors: dict[str, dict[int, int]] = {kind: {} for kind in EXPECTED}
    lock = threading.Lock()
    gate = threading.Barrier(PATIENT_CLIENTS + NURSE_CLIENTS + 1)
    stop_at = [0.0]

    def record(kind: str, status: int, seconds: float) -> None:
        with lock:
            latencies[kind].append(seconds)
            if status not in EXPECTED[kind]:
                errors[kind][status] = errors[kind].get(status, 0) + 1

    def patient_client(index: int) -> None:
        rng = random.Random(index)
        n = index
        gate.wait()
        for _ in range(MAX_REQUESTS):
            if time.perf_counter() >= stop_at[0]:
                break
            raw = api.checkin_request(tokens[n % len(tokens)], rng)
            n += PATIENT_CLIENTS
            began = time.perf_counter()
            status, _ = api.request(port, raw)
            record("checkin", status, time.perf_counter() - began)

    def nurse_client(index: int) -> None:
        rng = random.Random(1000 + index)
        cookie = sessions[index % len(sessions)]
        gate.wait()
        for step in range(MAX_REQUESTS):
            if time.perf_counter() >= stop_at[0]:
                break
            # A nurse's round: the worklist, a few patients' pages, the staff API's lists.
            kind = ("worklist", "patient_page", "patient_page", "api_patients", "patient_page", "api_alerts")[step % 6]
            path = {
                "worklist": "/",
                "patient_page": f"/patients/{rng.choice(patient_ids)}/",
                "api_patients": "/api/v1/patients/",
                "api_alerts": "/api/v1/alerts/",
            }[kind]
            began = time.perf_counter()
            status, _ = api.request(port, http_get(path, cookie))
            record(kind, status, time.perf_counter() - began)

    threads = [threading.Thread(target=patient_client, args=(i,), daemon=True) for i in range(PATIENT_CLIENTS)]
    threads += [threading.Thread(target=nurse_client, args=(i,), daemon=True) for i in range(NURSE_CLIENTS)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + DURATION
    gate.wait()
    for thread in threads:
        thread.join(timeout=DURATION + 120)
    elapsed = time.perf_counter() - began
    return {"latencies": latencies, "errors": errors}, elapsed


def queue_length() -> int:
    import redis

    return redis.Redis.from_url(api.REDIS_URL).llen("celery")


def main() -> int:
    port = api.free_port()
    print(f"database {api.DATABASE_URL}; broker {api.REDIS_URL}; {PATIENTS} patients, {NURSES} nurses; gunicorn "
          f"{api.WORKERS} workers x {api.THREADS} threads on :{port}; {PATIENT_CLIENTS} patient and {NURSE_CLIENTS} "
          f"nurse clients for {DURATION:g} s", flush=True)
    api.recreate_database()
    api.flush_redis()
    os.environ.update(api.SERVER_ENV, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", DJANGO_SETTINGS_MODULE="bench.settings")
    import django

    django.setup()
    tokens, patient_ids, nurses = seed()
    from django.db import connections

    from recovery.models import DailyRecord

    records_before = DailyRecord.objects.count()
    connections.close_all()
    worker = start_worker()
    server = api.start_server(port)
    load_before = os.getloadavg()[0]
    drained_s = None
    queue_length_before_flush = [0]
    try:
        sessions = [log_in(port, username) for username in nurses]
        api.run_phase(port, tokens, api.checkin_request, 2.0, 4)  # warm-up: connections, caches
        outcome, elapsed = run(port, tokens, patient_ids, sessions)
        cpu_after = api.cpu_seconds(server)["workers"]
        # The judging the check-ins queued: how long the worker takes to work through what is left.
        waited = time.perf_counter()
        while time.perf_counter() - waited < DRAIN_WAIT:
            if queue_length() == 0:
                drained_s = round(time.perf_counter() - waited, 1)
                break
            time.sleep(0.5)
        if drained_s is None:
            queue_length_before_flush[0] = queue_length()
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=60)
        api.flush_redis()
    left_in_queue = 0 if drained_s is not None else queue_length_before_flush[0]
    records_after = DailyRecord.objects.count()
    connections.close_all()

    kinds = {}
    for kind, times in outcome["latencies"].items():
        times = sorted(times)
        kinds[kind] = {
            "requests": len(times),
            "per_second": round(len(times) / elapsed, 1),
            "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)] * 1000, 1) if times else None,
            "errors": outcome["errors"][kind],
        }
    total = sum(k["requests"] for k in kinds.values())
    error_count = sum(sum(k["errors"].values()) for k in kinds.values())
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "duration_s": round(elapsed, 1),
        "patients": PATIENTS,
        "nurses": NURSES,
        "patient_clients": PATIENT_CLIENTS,
        "nurse_clients": NURSE_CLIENTS,
        "gunicorn_workers": api.WORKERS,
        "threads_per_worker": api.THREADS,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "requests": total,
        "throughput_per_s": round(total / elapsed, 1),
        "errors": error_count,
        "kinds": kinds,
        "daily_records_added": records_after - records_before,
        "queue_drained_after_s": drained_s,
        "queue_left_after_wait": left_in_queue,
        "celery_worker_concurrency": 2,
    }
    print(f"{'kind':14}{'requests':>10}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}  errors")
    for kind, row in kinds.items():
        print(f"{kind:14}{row['requests']:>10}{row['per_second']:>12}{row['p50_ms']!s:>9}{row['p99_ms']!s:>9}  {row['errors'] or '-'}")
    print(f"all: {total} requests in {elapsed:.1f} s = {result['throughput_per_s']}/s, {error_count} errors; "
          f"{result['daily_records_added']} daily records added; judging queue drained "
          f"{'after ' + str(drained_s) + ' s' if drained_s is not None else f'NOT within {DRAIN_WAIT:g} s ({left_in_queue} left)'}; "
          f"load average {result['load_average_before']} before, {result['load_average_after']} after; "
          f"gunicorn workers' CPU {cpu_after:.0f} s")
    # The pass: the whole duration with no error. How long the judging took to catch up is reported beside it.
    ok = error_count == 0 and elapsed >= DURATION
    figures = [
        {"figure": f"mixed load {DURATION:g} s: errors", "value": error_count, "unit": "errors", "target": "0", "met": error_count == 0},
        {"figure": "mixed load: throughput (all kinds)", "value": result["throughput_per_s"], "unit": "req/s", "target": None, "met": None},
    ]
    for kind, row in kinds.items():
        figures.append({"figure": f"mixed load: {kind} p50 / p99", "value": f"{row['p50_ms']} / {row['p99_ms']}", "unit": "ms",
                        "target": None, "met": None})
    figures.append({"figure": "mixed load: check-ins' judging queue empty after the load (Celery, 2 processes)",
                    "value": drained_s if drained_s is not None else f"not within {DRAIN_WAIT:g} s, {left_in_queue} left",
                    "unit": "s" if drained_s is not None else "", "target": None, "met": None})
    write_result("mixed", figures, result)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
