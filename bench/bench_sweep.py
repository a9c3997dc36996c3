"""The sweep over many patients: time, peak memory and queries.

    python bench/bench_sweep.py [--patients 20000] [--days 60] [--chunk-size 1000]

1. Makes a database of its own (BENCH_SWEEP_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/recovery_bench_sweep), fresh, and bulk-inserts the patients
   (four US time zones, the four procedures) and `--days` daily records each (COPY), with the noise
   and the share of deviations of a real clinic: most recover, some have high or rising pain, walk
   little, stop answering, or report a red flag. Every patient was judged through the day before
   the date judged, so each has exactly one ended local day to judge.
2. In a fresh process (so that its peak memory is the sweep's own), runs the real sweep
   (recovery_sweep) at 09:00 UTC the next day, counting every query with
   connection.execute_wrapper and reading the peak RSS with resource.getrusage; then runs it again
   (nothing is due: it must raise nothing), and judges everyone again as of the same date through
   recovery_evaluate (as `check_recovery --as-of` does: nothing new).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
PROCEDURES = ["mis_lumbar_fusion"] * 5 + ["open_lumbar_fusion"] * 2 + ["acdf"] * 2 + ["posterior_cervical_fusion"]
AS_OF = datetime.date(2026, 3, 2)
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/recovery_bench_sweep"


def _records(rng: random.Random, patient_id: int, surgery: datetime.date, days: int):
    """One patient's daily records, days 1..days: a falling pain with noise, rising walking; one in
    six patients deviates in one of five ways."""
    kind = rng.choice(["normal"] * 25 + ["high_pain", "rising", "low_walking", "silent", "red_flag"])
    p0, floor, tau = rng.uniform(5, 7.5), rng.uniform(0.5, 2.5), rng.uniform(8, 20)
    walk0 = rng.uniform(30, 70)
    stop_opioids = rng.randint(5, 30)
    normal_activities = rng.randint(14, 50)
    silent_from = days - rng.randint(2, 6) if kind == "silent" else days + 1
    for day in range(1, days + 1):
        date = surgery + datetime.timedelta(days=day)
        if day >= silent_from:
            return
        pain = floor + (p0 - floor) * 2.718 ** (-day / tau)
        if kind == "high_pain" and day > days - 5:
            pain = 8.5
        if kind == "rising" and day > days - 8:
            pain += 3
        pain = min(10, max(0, round(pain + rng.choice([-2, -1, -1, 0, 0, 0, 1, 1, 2]))))
        walking = walk0 * min(1.0, 0.2 + day / 40) * (0.2 if kind == "low_walking" else 1.0) * rng.uniform(0.7, 1.3)
        symptoms = '["fever"]' if kind == "red_flag" and day == days else "[]"
        milestones = "[]"
        if day == 1:
            milestones = '["first_walk", "discharged"]'
        elif day == stop_opioids:
            milestones = '["off_opioids"]'
        elif day == normal_activities:
            milestones = '["normal_activities"]'

        yield (patient_id, date, pain, round(walking), round(walking * 110), day < stop_opioids, symptoms, milestones)


def load(patients: int, days: int, url: str) -> int:
    from bench.common import use_database

    use_database(url, fresh=True)
    from django.db import connection

    from patients.models import Clinic, Patient
    from recovery.models import DailyRecord, EvaluationState

    rng = random.Random(11)
    clinic = Clinic.objects.create(name="Sweep Bench Clinic")
    surgery = AS_OF - datetime.timedelta(days=days)
    created = datetime.datetime.combine(surgery, datetime.time(15), tzinfo=datetime.UTC)
    started = time.perf_counter()
    batch = 5000
    for start in range(0, patients, batch):
        Patient.objects.bulk_create(
            [
                Patient(
                    clinic=clinic,
                    first_name=f"Synth{i}",
                    last_name="Sweep",
                    phone=f"+1555{i % 10_000_000:07d}",
                    timezone=ZONES[i % len(ZONES)],
                    procedure=PROCEDURES[i % len(PROCEDURES)],
                    surgery_date=surgery,
                    sms_opt_in=False,
                )
                for i in range(start, min(start + batch, patients))
            ]
        )
    Patient.objects.update(created_at=created)
    ids = list(Patient.objects.order_by("id").values_list("id", flat=True))
    EvaluationState.objects.bulk_create(
        [EvaluationState(patient_id=pid, judged_through=AS_OF - datetime.timedelta(days=1)) for pid in ids], batch_size=10000
    )
    now = datetime.datetime.now(datetime.UTC)
    columns = "patient_id, date, pain, walking_minutes, steps, opioid_use, symptoms, milestones, note, channel, created_at, updated_at"
    connection.ensure_connection()
    rows = 0
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {DailyRecord._meta.db_table} ({columns}) FROM STDIN") as copy:
            for pid in ids:
                for row in _records(rng, pid, surgery, days):
                    copy.write_row((*row, "", "app", now, now))
                    rows += 1
        cursor.execute(f"ANALYZE {DailyRecord._meta.db_table}")
        cursor.execute(f"ANALYZE {Patient._meta.db_table}")
    print(f"loaded {patients} patients, {rows} daily records in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return rows


def measure(chunk_size: int, url: str) -> dict:
    os.environ["DATABASE_URL"] = url
    from bench.common import peak_rss_mb, setup_django

    setup_django()
    from django.db import connection

    from recovery.models import Alert, EvaluationState
    from recovery.services import Trigger, recovery_evaluate, recovery_sweep

    baseline_mb = peak_rss_mb()
    queries = {"n": 0}

    def count(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    now = datetime.datetime.combine(AS_OF + datetime.timedelta(days=1), datetime.time(9), tzinfo=datetime.UTC)
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        first = recovery_sweep(now=now, chunk_size=chunk_size)
        first_seconds = time.perf_counter() - started
        first_queries = queries["n"]
        first_peak = peak_rss_mb()
        queries["n"] = 0
        started = time.perf_counter()
        second = recovery_sweep(now=now + datetime.timedelta(minutes=15), chunk_size=chunk_size)
        second_seconds = time.perf_counter() - started
        second_queries = queries["n"]
        queries["n"] = 0
        started = time.perf_counter()
        again = recovery_evaluate(as_of=AS_OF, now=now, trigger=Trigger.COMMAND, chunk_size=chunk_size)
        again_seconds = time.perf_counter() - started
        again_queries = queries["n"]
    return {
        "patients": first.patients,
        "chunks": first.chunks,
        "seconds": round(first_seconds, 2),
        "queries": first_queries,
        "opened": dict(first.opened),
        "peak_rss_mb": round(first_peak, 1),
        "baseline_rss_mb": round(baseline_mb, 1),
        "judged_through_as_of": EvaluationState.objects.filter(judged_through=AS_OF).count(),
        "alerts": Alert.objects.count(),
        "second_sweep": {"seconds": round(second_seconds, 2), "queries": second_queries, "patients": second.patients,
                         "opened": sum(second.opened.values())},
        "check_again": {"seconds": round(again_seconds, 2), "queries": again_queries, "patients": again.patients, "chunks": again.chunks,
                        "opened": sum(again.opened.values()), "updated": sum(again.updated.values()),
                        "resolved": sum(again.resolved.values())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--step", choices=["load", "measure"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_SWEEP_DATABASE_URL", DEFAULT_URL)
    if args.step == "load":
        print(json.dumps({"rows": load(args.patients, args.days, url)}))
        return
    if args.step == "measure":
        print(json.dumps(measure(args.chunk_size, url)))
        return
    # This process stays small and loads nothing: a child inherits its parent's peak memory, so
    # the loading and the measure each run in a process of their own.
    common = ["--patients", str(args.patients), "--days", str(args.days), "--chunk-size", str(args.chunk_size)]
    loaded = subprocess.run([sys.executable, __file__, "--step", "load", *common], stdout=subprocess.PIPE, text=True, check=True)
    rows = json.loads(loaded.stdout.strip().splitlines()[-1])["rows"]
    child = subprocess.run([sys.executable, __file__, "--step", "measure", *common], stdout=subprocess.PIPE, text=True, check=True)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"Sweep of {result['patients']} patients (up to {args.days} daily records each, {rows} in all), "
        f"chunks of {args.chunk_size}: {result['seconds']} s, {result['queries']} queries in {result['chunks']} chunks, "
        f"peak RSS {result['peak_rss_mb']} MB (Django loaded: {result['baseline_rss_mb']} MB); "
        f"alerts opened {sum(result['opened'].values())} {result['opened']}"
    )
    print(f"Second sweep (nothing due): {result['second_sweep']}")
    print(f"Everyone judged again as of the same date: {result['check_again']}")
    print(json.dumps(result))
    from bench.common import write_result

    # Queries grow with the chunks, not the patients: a fixed handful per chunk.
    per_chunk = result["queries"] / max(1, result["chunks"])
    write_result("sweep", [
        {"figure": f"sweep of {result['patients']:,} patients x {args.days} days", "value": result["seconds"], "unit": "s",
         "target": "<= 60", "met": result["seconds"] <= 60},
        {"figure": "sweep peak memory", "value": result["peak_rss_mb"], "unit": "MB", "target": "< 500",
         "met": result["peak_rss_mb"] < 500},
        {"figure": f"sweep queries per chunk ({result['queries']} in {result['chunks']} chunks)", "value": round(per_chunk, 1),
         "unit": "queries", "target": "grow with chunks, not patients (<= 50 a chunk)", "met": per_chunk <= 50},
    ], {**result, "days": args.days, "chunk_size": args.chunk_size, "daily_records": rows})


if __name__ == "__main__":
    main()
