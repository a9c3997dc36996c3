"""What the engine's benchmarks share: their own PostgreSQL database, made fresh, and Django set up on it."""

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def use_database(url: str, *, fresh: bool) -> None:
    """Point Django at `url` (a PostgreSQL database of the benchmark's own), creating it, or dropping
    and creating it when `fresh`, then set Django up and migrate."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            # A benchmark's own throwaway database: commits need not wait for the disk.
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    os.environ["DATABASE_URL"] = url
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("VAR_DIR", str(ROOT / "var" / "bench"))
    import django

    django.setup()


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(name: str, figures: list[dict], details: dict | None = None) -> Path:
    """Write a benchmark's figures to bench/results/<name>.json for bench/report.py: a list of
    {"figure", "value", "unit", "target", "met"} (target None: a figure shown without a target;
    met None: not judged), with the date and whatever raw details the benchmark keeps."""
    import datetime
    import json

    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    payload = {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "figures": figures,
        "details": details or {},
    }
    path.write_text(json.dumps(payload, indent=2, default=str))
    return path
