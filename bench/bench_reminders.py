"""Benchmark: reminders due at once, from the reminder run to the last one taken by (a stand-in of) Twilio.

Scenario 1: 10,000 reminders due at the same moment, 2 worker processes, no send rate: all must reach
the stand-in within 60 s. Scenario 2: with SMS_RATE_PER_SECOND set, the sends must keep to that rate
(no one-second window above it) across the workers.

Runs real parts: PostgreSQL, Redis (broker and rate limit), `celery -A config worker --concurrency 2`,
the real twilio client over HTTP to the local stand-in of tests/notifications/standin.py.

    make bench-reminders            # or: python bench/bench_reminders.py [--patients N] [--rate R]

Uses DATABASE_URL (default: a database of its own, recovery_bench_reminders, created and migrated),
REDIS_URL / CELERY_BROKER_URL (default redis://127.0.0.1:6379/15). It deletes and writes rows of its
own clinic only. Results are printed and written to bench/results/reminders.json.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench_reminders")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789abcdef-0123456789abcdef")

from tests.notifications.standin import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandIn  # noqa: E402

CLINIC = "Benchmark Clinic"


def _ensure_database() -> None:
    """Create the benchmark database when missing, then migrate it."""
    import psycopg

    from config import env as _env  # noqa: F401 - only to fail early on a bad DATABASE_URL

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _zone_at_midday() -> str:
    offset = 12 - datetime.datetime.now(datetime.UTC).hour
    return "Etc/UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def _patients(count: int) -> list[str]:
    """Replace the benchmark clinic's patients with `count` fresh ones, all due a reminder now."""
    from notifications.models import Message
    from patients.models import Clinic, Patient

    zone = _zone_at_midday()
    clinic, _ = Clinic.objects.get_or_create(name=CLINIC, defaults={"timezone": zone, "phone": "+15550900000"})
    Message.objects.filter(patient__clinic=clinic).delete()
    Patient.objects.filter(clinic=clinic).delete()
    today = datetime.datetime.now(datetime.UTC).date()
    Patient.objects.bulk_create(
        (
            Patient(
                clinic=clinic, first_name=f"Bench{i}", last_name="Patient", phone=f"+1555{i:07d}", timezone=zone,
                procedure="mis_lumbar_fusion", surgery_date=today - datetime.timedelta(days=10),
                reminder_time=datetime.time(8, 0),
            )
            for i in range(count)
        ),
        batch_size=2000,
    )
    return list(Patient.objects.filter(clinic=clinic).values_list("phone", flat=True))


def _group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of the live processes of a process group (a worker and its children)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the command: state, ppid, pgrp, ..., utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _wait_for_worker(app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return
    raise SystemExit("the Celery worker did not answer within 60 s")


def _run(*, patients: int, rate: float, standin: TwilioStandIn, timeout: float) -> dict:
    import redis
    from django.conf import settings

    from config.celery import app
    from notifications.ratelimit import rate_slot_reset
    from notifications.tasks import reminders_due_task
    from tests.notifications.workers import Worker, worker_env

    phones = _patients(patients)
    standin.reset()
    rate_slot_reset(sender=FROM_NUMBER)
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no stale tasks of an earlier run
    worker = Worker(concurrency=2, env=worker_env(SMS_RATE_PER_SECOND=str(rate)))
    try:
        _wait_for_worker(app)
        worker_cpu = _group_cpu_seconds(worker.process.pid)
        own_cpu = time.process_time()
        started = time.time()
        reminders_due_task.delay()
        finished = standin.wait_for(patients, timeout=timeout)
        ended = time.time()
        worker_cpu = _group_cpu_seconds(worker.process.pid) - worker_cpu
        own_cpu = time.process_time() - own_cpu
    finally:
        worker.stop()
        worker.discard_log()
    sent = sorted(s.at for s in standin.sent)
    counts = Counter(s.to for s in standin.sent)
    # The fastest run of about 5 seconds' worth of consecutive sends, as messages a second: k sends
    # span k - 1 intervals. Arrivals jitter by tens of ms on a loaded machine, so a longer run shows
    # the rate where one-second bins would show the jitter.
    k = int(5 * rate) + 1 if rate > 0 else 101
    fastest = max(((k - 1) / (sent[i + k - 1] - sent[i]) for i in range(len(sent) - k + 1) if sent[i + k - 1] > sent[i]), default=0.0)
    if os.environ.get("BENCH_GAPS"):
        print("gaps", [round(b - a, 3) for a, b in zip(sent, sent[1:], strict=False)][:60])
    from django.db.models import Max

    from notifications.models import Message

    written = Message.objects.filter(patient__clinic__name=CLINIC, purpose="reminder").aggregate(last=Max("created_at"))["last"]
    result = {
        "patients": patients,
        "seconds_to_all_written": round(written.timestamp() - started, 3) if written else None,
        "rate_setting": rate,
        "all_taken": finished,
        "taken": len(sent),
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "missing": len(set(phones) - set(counts)),
        "seconds_to_first": round(sent[0] - started, 3) if sent else None,
        "seconds_to_last": round((sent[-1] if sent else ended) - started, 3),
        "achieved_per_second": round(len(sent) / (sent[-1] - sent[0]), 1) if len(sent) > 1 else None,
        "fastest_5s_per_second": round(fastest, 1),
        # CPU used meanwhile, whatever else ran on the machine: by the 2 workers, and by this process
        # (the Twilio stand-in, mostly).
        "worker_cpu_seconds": round(worker_cpu, 1),
        "standin_cpu_seconds": round(own_cpu, 1),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000, help="reminders due at once, no rate (default 10000)")
    parser.add_argument("--rate", type=float, default=20.0, help="SMS_RATE_PER_SECOND of the second scenario (default 20)")
    parser.add_argument("--rate-patients", type=int, default=600, help="reminders of the rated scenario (default 600)")
    args = parser.parse_args()

    os.environ.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM_NUMBER=FROM_NUMBER, SMS_RATE_PER_SECOND="0"
    )
    standin = TwilioStandIn().start()
    os.environ["TWILIO_API_URL"] = standin.url
    _ensure_database()

    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
        "no_rate": _run(patients=args.patients, rate=0, standin=standin, timeout=180),
        "rated": _run(patients=args.rate_patients, rate=args.rate, standin=standin, timeout=args.rate_patients / args.rate * 3 + 60),
    }
    standin.stop()
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reminders.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))

    no_rate, rated = results["no_rate"], results["rated"]
    ok = (
        no_rate["all_taken"] and no_rate["duplicates"] == 0 and no_rate["seconds_to_last"] <= 60
        and rated["all_taken"] and rated["duplicates"] == 0 and rated["achieved_per_second"] <= args.rate * 1.02 and rated["fastest_5s_per_second"] <= args.rate * 1.15
    )
    sys.path.insert(0, str(REPO))
    from bench.common import write_result

    write_result("reminders", [
        {"figure": f"{args.patients:,} reminders due at once, 2 workers, to the last sent", "value": no_rate["seconds_to_last"],
         "unit": "s", "target": "<= 60", "met": no_rate["all_taken"] and no_rate["seconds_to_last"] <= 60},
        {"figure": "reminders sent twice", "value": no_rate["duplicates"] + rated["duplicates"], "unit": "SMS", "target": "0",
         "met": no_rate["duplicates"] + rated["duplicates"] == 0},
        {"figure": f"send rate held at {args.rate:g}/s (fastest 5 s)", "value": rated["fastest_5s_per_second"], "unit": "SMS/s",
         "target": f"<= {args.rate * 1.15:g}", "met": rated["all_taken"] and rated["fastest_5s_per_second"] <= args.rate * 1.15},
    ], results)
    print("PASS" if ok else "FAIL", f"- {args.patients} reminders in {no_rate['seconds_to_last']} s;",
          f"rated {args.rate}/s: achieved {rated['achieved_per_second']}/s, fastest 5 s {rated['fastest_5s_per_second']}/s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
