"""`make bench-api`: check-ins posted by many concurrent clients to the service under gunicorn (2 workers)
on PostgreSQL, beside a bare Django view that inserts the same row, in the same run.

1. Make its own database (BENCH_DATABASE_URL, default recovery_bench), migrate it, and seed patients,
   each with a patient token (the real enrollment tokens, role=patient).
2. Start gunicorn (2 sync workers, bench.settings: the service plus the bare view) on a free port.
3. Warm both up, then for each view run a closed loop of CONCURRENCY clients for DURATION seconds, each
   client posting one request at a time on a fresh connection, and record every latency.
4. Print throughput, p50 and p99 (and write them to bench/results/), stop gunicorn, drop nothing: the
   database stays for inspection and is recreated on the next run.

Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL (default redis://127.0.0.1:6379/12, flushed before and
after), BENCH_CONCURRENCY (16), BENCH_DURATION (10 s), BENCH_PATIENTS (500), BENCH_WORKERS (2).
"""

import datetime
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
DURATION = float(os.environ.get("BENCH_DURATION", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "500"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
SURGERY_DAYS_AGO = 60

SERVER_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    "AXES_ENABLED": "true",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def seed(port: int) -> list[dict]:
    """Migrate and seed in this process; returns each patient's id, surgery date and access token."""
    os.environ.update(SERVER_ENV, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", DJANGO_SETTINGS_MODULE="bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from patients.models import Clinic, Patient
    from patients.tokens import tokens_for_patient

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    clinic = Clinic.objects.create(name="Bench Clinic", phone="+15550900000", timezone="America/Chicago")
    users = [User(username=f"patient-bench-{n}") for n in range(PATIENTS)]
    for user in users:
        user.set_unusable_password()
    users = User.objects.bulk_create(users)
    surgery = datetime.date.today() - datetime.timedelta(days=SURGERY_DAYS_AGO)
    patients = Patient.objects.bulk_create(
        [
            Patient(
                clinic=clinic, user=user, first_name=f"Bench{n}", last_name="Synthetic", phone=f"+1555091{n:04d}",
                timezone="America/Chicago", language="es" if n % 3 == 0 else "en", procedure="mis_lumbar_fusion",
                surgery_date=surgery,
            )
            for n, user in enumerate(users)
        ]
    )
    return [
        {"id": p.pk, "surgery_date": p.surgery_date, "access": tokens_for_patient(p.user)["access"]}
        for p in patients
    ]


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "DJANGO_SETTINGS_MODULE": "bench.settings"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--workers", str(WORKERS),
         "--worker-class", "sync" if THREADS == 1 else "gthread", "--threads", str(THREADS),
         "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _ = request(port, b"GET /api/v1/me/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            if status == 401:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def request(port: int, raw: bytes) -> tuple[int, bytes]:
    """One request on a fresh connection (gunicorn's sync workers close it after each answer)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    data = b"".join(chunks)
    return int(data[9:12]), data


def http_post(path: str, body: dict, token: str | None = None) -> bytes:
    payload = json.dumps(body).encode()
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


def checkin_request(patient: dict, rng: random.Random) -> bytes:
    day = rng.randrange(0, SURGERY_DAYS_AGO)
    body = {
        "client_id": str(uuid.uuid4()),
        "date": (patient["surgery_date"] + datetime.timedelta(days=day)).isoformat(),
        "pain": rng.randrange(0, 11),
        "walking_minutes": rng.randrange(0, 120),
        "opioid_use": rng.random() < 0.3,
        "symptoms": ["fever"] if rng.random() < 0.02 else [],
    }
    return http_post("/api/v1/checkins/", body, patient["access"])


def bare_request(patient: dict, rng: random.Random) -> bytes:
    body = {
        "client_id": str(uuid.uuid4()),
        "patient_id": patient["id"],
        "date": (patient["surgery_date"] + datetime.timedelta(days=rng.randrange(0, SURGERY_DAYS_AGO))).isoformat(),
        "pain": rng.randrange(0, 11),
        "walking_minutes": rng.randrange(0, 120),
        "opioid_use": rng.random() < 0.3,
        "symptoms": [],
    }
    return http_post("/bench/bare-checkin/", body)


def run_phase(port: int, patients: list[dict], make_request, duration: float, concurrency: int) -> dict:
    """A closed loop: each client sends its next request as soon as the last one is answered."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures: list[dict[int, int]] = [{} for _ in range(concurrency)]
    start_gate = threading.Barrier(concurrency + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        rng = random.Random(index)
        mine = latencies[index]
        bad = failures[index]
        n = index
        start_gate.wait()
        while time.perf_counter() < stop_at[0]:
            raw = make_request(patients[n % len(patients)], rng)
            n += concurrency
            began = time.perf_counter()
            status, _ = request(port, raw)
            mine.append(time.perf_counter() - began)
            if status >= 300:
                bad[status] = bad.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + duration
    start_gate.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    errors: dict[int, int] = {}
    for per_client in failures:
        for status, count in per_client.items():
            errors[status] = errors.get(status, 0) + count
    return {"latencies": [x for per_client in latencies for x in per_client], "seconds": elapsed, "errors": errors}


def summarize(phases: list[dict], cpu: dict[str, float]) -> dict:
    every = sorted(x for phase in phases for x in phase["latencies"])
    seconds = sum(phase["seconds"] for phase in phases)
    errors: dict[int, int] = {}
    for phase in phases:
        for status, count in phase["errors"].items():
            errors[status] = errors.get(status, 0) + count
    return {
        "requests": len(every),
        "seconds": round(seconds, 2),
        "throughput_per_s": round(len(every) / seconds, 1),
        "p50_ms": round(statistics.median(every) * 1000, 1),
        "p99_ms": round(every[int(len(every) * 0.99) - 1] * 1000, 1),
        "worker_cpu_ms_per_request": round(cpu["workers"] / len(every) * 1000, 2),
        "cpu_ms_per_request": {name: round(used / len(every) * 1000, 2) for name, used in cpu.items()},
        "rounds_per_s": [round(len(phase["latencies"]) / phase["seconds"], 1) for phase in phases],
        "errors": errors,
    }


def cpu_seconds(server: subprocess.Popen) -> dict[str, float]:
    """User and system CPU so far, from /proc: gunicorn's workers (children of the master), PostgreSQL's
    processes, Redis, and this process (the clients). Where a request's CPU goes, all of it on the same
    two cores."""
    ticks = {"workers": 0, "postgres": 0, "redis": 0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        used = int(fields[11]) + int(fields[12])  # utime, stime
        command = name.split("(", 1)[1]
        if int(fields[1]) == server.pid:  # ppid
            ticks["workers"] += used
        elif command.startswith("postgres"):
            ticks["postgres"] += used
        elif command.startswith("redis-server"):
            ticks["redis"] += used
    seconds = {name: count / os.sysconf("SC_CLK_TCK") for name, count in ticks.items()}
    own = os.times()
    seconds["clients"] = own.user + own.system
    return seconds


def main() -> None:
    port = free_port()
    print(f"database {DATABASE_URL}; {PATIENTS} patients; gunicorn {WORKERS} workers on :{port}, "
          f"{THREADS} threads each; {CONCURRENCY} concurrent clients; {ROUNDS} rounds of {DURATION:g} s a view", flush=True)
    recreate_database()
    flush_redis()
    patients = seed(port)
    from django.db import connections

    connections.close_all()
    server = start_server(port)
    load_before = os.getloadavg()[0]
    phases = {"bare": [], "api": []}
    cpu = {"bare": {}, "api": {}}
    try:
        for make_request in (bare_request, checkin_request):
            run_phase(port, patients, make_request, 2.0, CONCURRENCY)  # warm-up: connections, caches
        # Alternate the two, so that whatever else the machine is doing weighs on both alike.
        for _ in range(ROUNDS):
            for name, make_request in (("bare", bare_request), ("api", checkin_request)):
                before = cpu_seconds(server)
                phases[name].append(run_phase(port, patients, make_request, DURATION, CONCURRENCY))
                after = cpu_seconds(server)
                for part, used in after.items():
                    cpu[name][part] = cpu[name].get(part, 0.0) + used - before[part]
    finally:
        server.terminate()
        server.wait(timeout=30)
        flush_redis()
    bare = summarize(phases["bare"], cpu["bare"])
    api = summarize(phases["api"], cpu["api"])
    ratio = api["throughput_per_s"] / bare["throughput_per_s"]
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "workers": WORKERS,
        "concurrency": CONCURRENCY,
        "duration_s": DURATION,
        "patients": PATIENTS,
        "rounds": ROUNDS,
        "threads_per_worker": THREADS,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "bare_view": bare,
        "checkin_api": api,
        "api_to_bare_throughput": round(ratio, 2),
    }
    print(f"load average {result['load_average_before']} before, {result['load_average_after']} after (2 cores)")
    print(f"{'':14}{'requests':>10}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}  rounds/s, errors")
    for name, row in (("bare view", bare), ("check-in API", api)):
        print(f"{name:14}{row['requests']:>10}{row['throughput_per_s']:>12}{row['p50_ms']:>9}{row['p99_ms']:>9}"
              f"{row['worker_cpu_ms_per_request']:>12}  {row['rounds_per_s']}, {row['errors'] or '-'}")
    print("CPU a request, ms:", "; ".join(
        f"{name}: " + ", ".join(f"{part} {ms}" for part, ms in row["cpu_ms_per_request"].items())
        for name, row in (("bare view", bare), ("check-in API", api))
    ))
    print(f"check-in API / bare view throughput: {ratio:.2f}")
    targets = {
        ">= 300 check-ins a second": api["throughput_per_s"] >= 300,
        "p99 < 150 ms": api["p99_ms"] < 150,
        ">= half the bare view's throughput": ratio >= 0.5,
    }
    for name, met in targets.items():
        print(f"  {'met' if met else 'MISSED'}: {name}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench_api-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(result, indent=2))
    from bench.common import write_result

    write_result("api", [
        {"figure": "check-ins a second (gunicorn, 2 workers)", "value": api["throughput_per_s"], "unit": "req/s",
         "target": ">= 300", "met": api["throughput_per_s"] >= 300},
        {"figure": "check-in p99", "value": api["p99_ms"], "unit": "ms", "target": "< 150", "met": api["p99_ms"] < 150},
        {"figure": "check-in API / bare Django view throughput", "value": round(ratio, 2), "unit": "ratio",
         "target": ">= 0.5", "met": ratio >= 0.5},
        {"figure": "check-in errors", "value": sum(api["errors"].values()), "unit": "errors", "target": "0",
         "met": not api["errors"]},
    ], result)


if __name__ == "__main__":
    main()
