"""Benchmark: `seed_demo --patients 20000 --days 60` on PostgreSQL, in a scratch database dropped after.

Run by `make bench-seed`. BENCH_DATABASE_URL, BENCH_PATIENTS and BENCH_DAYS override the defaults;
BENCH_KEEP=1 keeps the database (for the other benchmarks to reuse).
"""

import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench_seed")
PATIENTS = int(os.environ.get("BENCH_PATIENTS", "20000"))
DAYS = int(os.environ.get("BENCH_DAYS", "60"))


def admin_connection() -> psycopg.Connection:
    parts = urlsplit(URL)
    return psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True)


def main() -> int:
    name = urlsplit(URL).path.lstrip("/")
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    environment = {**os.environ, "DATABASE_URL": URL, "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=environment, check=True)

    started = time.monotonic()
    command = [sys.executable, "manage.py", "seed_demo", "--patients", str(PATIENTS), "--days", str(DAYS), "--seed", "1"]
    subprocess.run(command, cwd=ROOT, env=environment, check=True)
    elapsed = time.monotonic() - started

    with psycopg.connect(URL) as conn:
        records = conn.execute("SELECT count(*) FROM recovery_dailyrecord").fetchone()[0]
        patients = conn.execute("SELECT count(*) FROM patients_patient").fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
    if os.environ.get("BENCH_KEEP") != "1":
        with admin_connection() as conn:
            conn.execute(f'DROP DATABASE "{name}"')
    print(
        f"seed_demo --patients {PATIENTS} --days {DAYS}: {patients:,} patients and {records:,} daily records "
        f"in {elapsed:.1f} s ({records / elapsed:,.0f} records/s, database {size}); "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    sys.path.insert(0, str(ROOT))
    from bench.common import write_result

    write_result("seed", [
        {"figure": f"seed_demo {PATIENTS:,} patients x {DAYS} days", "value": round(elapsed, 1), "unit": "s", "target": None, "met": None},
        {"figure": "seed_demo daily records a second", "value": round(records / elapsed), "unit": "rows/s", "target": None, "met": None},
    ], {"patients": patients, "records": records, "database_size": size})
    return 0


if __name__ == "__main__":
    sys.exit(main())
