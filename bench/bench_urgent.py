"""`make bench-urgent`: red flags reported while routine check-ins arrive at the machine's full rate; how
long each page takes from the patient's check-in to Twilio, and how far routine judging falls behind.

1. Make its own database (BENCH_DATABASE_URL, default recovery_bench_urgent) and seed it as
   `make bench-mixed` does: one clinic of 3,000 patients with two weeks of check-ins, an on-call nurse
   with a synthetic +1555 phone. The patients take no SMS reminders (beat runs, and its reminders
   would otherwise share the workers and the stand-in with the pages).
2. Start a local Twilio stand-in (tests/notifications/standin.py), gunicorn (bench_api's starter: 2
   workers, threaded) and the Celery processes `config/runstack.py` starts (`celery_commands()`:
   whatever workers and queues the service runs, and beat), all on 127.0.0.1, Redis db 4 (flushed
   before and after). The server and the workers send SMS through the real twilio client to the
   stand-in, with no send rate (SMS_RATE_PER_SECOND=0), so a page's time is the engine's alone.
3. For BENCH_DURATION seconds, BENCH_CONCURRENCY patient clients post routine check-ins (no red flag)
   in closed loops, while one other patient every BENCH_URGENT_EVERY seconds reports chest pain and
   breathlessness. Every loop stops by itself at the deadline or after a bounded count.
4. A separate database connection samples the judging backlog every second (evaluation marks
   pending, age of the oldest), through the burst and the drain after it; the drain ends when every
   page has reached the stand-in and no mark is pending, or after BENCH_DRAIN_WAIT seconds.
5. Print the figures beside their targets, write bench/results/urgent.json and the section "Red flags
   under load (bench-urgent)" of docs/benchmarks.md. Exit 1 when a target is missed or a page is missing.

Environment: BENCH_DATABASE_URL, BENCH_REDIS_URL (redis://127.0.0.1:6379/4), BENCH_DURATION (60 s),
BENCH_CONCURRENCY (16), BENCH_URGENT_EVERY (2 s), BENCH_DRAIN_WAIT (300 s), BENCH_PATIENTS (3000),
BENCH_WORKERS and BENCH_THREADS (gunicorn, 2 x 4).
"""

import datetime
import math
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench_urgent")
os.environ.setdefault("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
os.environ.setdefault("BENCH_DURATION", "60")

from bench import bench_api as api  # noqa: E402  (reads the BENCH_* variables above)
from bench import bench_mixed as mixed  # noqa: E402  (its seed: the clinic, its nurses, two weeks of check-ins)
from bench import report  # noqa: E402
from bench.common import write_result  # noqa: E402
from config import runstack  # noqa: E402
from tests.notifications.standin import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioStandIn  # noqa: E402

DURATION = mixed.DURATION
CONCURRENCY = api.CONCURRENCY
URGENT_EVERY = float(os.environ.get("BENCH_URGENT_EVERY", "2"))
DRAIN_WAIT = mixed.DRAIN_WAIT
MAX_REQUESTS = mixed.MAX_REQUESTS  # per client: a bound besides the clock
SAMPLE_EVERY = 1.0
SETTLE_WAIT = 120.0  # seconds allowed for the warm-up's judging to finish before the burst
RED_FLAG = "chest_pain_breathless"
# The page's body (notifications/texts.py, PAGE): "Recovery alert (urgent): patient B.S. #123, ..."
PAGE_PATIENT = re.compile(r" #(\d+), ")
# The targets of issue 13.
PAGE_P99_S, PAGE_MAX_S, BACKLOG_MAX_S = 5.0, 10.0, 10.0
OK_STATUS = {200, 201}


def routine_request(patient: dict, rng: random.Random) -> bytes:
    """A routine check-in of one of the last 14 days: no red flag, so it pages no one."""
    day = rng.randrange(api.SURGERY_DAYS_AGO - 14, api.SURGERY_DAYS_AGO)
    body = {
        "client_id": str(uuid.uuid4()),
        "date": (patient["surgery_date"] + datetime.timedelta(days=day)).isoformat(),
        "pain": rng.randrange(0, 8),
        "walking_minutes": rng.randrange(10, 120),
        "opioid_use": rng.random() < 0.3,
        "symptoms": [],
    }
    return api.http_post("/api/v1/checkins/", body, patient["access"])


def red_flag_request(patient: dict) -> bytes:
    """Today's check-in (the clinic's local date) reporting chest pain and breathlessness."""
    today = datetime.datetime.now(ZoneInfo("America/Chicago")).date()
    body = {"client_id": str(uuid.uuid4()), "date": today.isoformat(), "pain": 6, "walking_minutes": 10, "symptoms": [RED_FLAG]}
    return api.http_post("/api/v1/checkins/", body, patient["access"])


def send(port: int, raw: bytes) -> tuple[int, float]:
    """One request: its status (0 when the connection failed) and its latency in seconds."""
    began = time.perf_counter()
    try:
        status, _ = api.request(port, raw)
    except OSError:
        status = 0
    return status, time.perf_counter() - began


def pending_marks(conn) -> tuple[int, float]:
    """Evaluation marks pending, and the age in seconds of the oldest (0 when none)."""
    count, age = conn.execute(
        "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(needs_evaluation_since)), 0)"
        " FROM recovery_evaluationstate WHERE needs_evaluation_since IS NOT NULL"
    ).fetchone()
    return count, float(age)


class BacklogSampler(threading.Thread):
    """Every second, on a connection of its own: (time, marks pending, oldest's age); a bounded count."""

    def __init__(self, max_samples: int):
        super().__init__(daemon=True, name="backlog-sampler")
        self.max_samples = max_samples
        self.samples: list[tuple[float, int, float]] = []
        self.halt = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(api.DATABASE_URL, autocommit=True) as conn:
            for _ in range(self.max_samples):
                at = time.time()
                count, age = pending_marks(conn)
                self.samples.append((at, count, age))
                if self.halt.wait(max(0.0, at + SAMPLE_EVERY - time.time())):
                    break

    def latest(self) -> tuple[float, int, float] | None:
        return self.samples[-1] if self.samples else None


def celery_processes(env: dict[str, str]) -> runstack.Stack:
    """The Celery processes exactly as runstack starts them, logging warnings only (a log line per task
    would cost the two cores more than the tasks being measured)."""
    specs = {}
    for name, argv in runstack.celery_commands().items():
        argv = list(argv)
        if "--loglevel" in argv:
            argv[argv.index("--loglevel") + 1] = "WARNING"
        specs[name] = argv
    stack = runstack.Stack(specs, env)
    stack.start()
    return stack


def wait_for_workers(count: int, timeout: float = 90.0) -> list[str]:
    """Until `count` workers answer a ping (bounded); their node names."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = sorted(name for reply in app.control.ping(timeout=1.0) for name in reply)
        if len(names) >= count:
            return names
    raise SystemExit(f"{count} Celery worker(s) did not answer within {timeout:g} s")


def wait_for_no_marks(timeout: float) -> float | None:
    """Until no evaluation mark is pending (bounded); the seconds it took, or None."""
    import psycopg

    began = time.monotonic()
    with psycopg.connect(api.DATABASE_URL, autocommit=True) as conn:
        while time.monotonic() - began < timeout:
            if pending_marks(conn)[0] == 0:
                return round(time.monotonic() - began, 1)
            time.sleep(0.5)
    return None


def burst(port: int, routine: list[dict], urgent: list[dict]) -> dict:
    """Routine clients in closed loops and one red flag every URGENT_EVERY seconds, for DURATION."""
    latencies: list[list[float]] = [[] for _ in range(CONCURRENCY)]
    failures: list[dict[int, int]] = [{} for _ in range(CONCURRENCY)]
    red_flags: list[dict] = []
    gate = threading.Barrier(CONCURRENCY + 2)
    clock = {"began": 0.0, "stop_at": 0.0}

    def routine_client(index: int) -> None:
        rng = random.Random(index)
        mine, bad = latencies[index], failures[index]
        n = index
        gate.wait()
        for _ in range(MAX_REQUESTS):
            if time.perf_counter() >= clock["stop_at"]:
                break
            status, seconds = send(port, routine_request(routine[n % len(routine)], rng))
            n += CONCURRENCY
            mine.append(seconds)
            if status not in OK_STATUS:
                bad[status] = bad.get(status, 0) + 1

    def red_flag_sender() -> None:
        gate.wait()
        for index, patient in enumerate(urgent):
            due = clock["began"] + index * URGENT_EVERY
            if due >= clock["stop_at"]:
                break
            time.sleep(max(0.0, due - time.perf_counter()))
            raw = red_flag_request(patient)
            sent_at = time.time()
            status, seconds = send(port, raw)
            red_flags.append({"patient_id": patient["id"], "sent_at": sent_at, "status": status, "response_s": seconds})

    threads = [threading.Thread(target=routine_client, args=(i,), daemon=True) for i in range(CONCURRENCY)]
    threads.append(threading.Thread(target=red_flag_sender, daemon=True))
    for thread in threads:
        thread.start()
    began_wall = time.time()
    clock["began"] = time.perf_counter()
    clock["stop_at"] = clock["began"] + DURATION
    gate.wait()
    for thread in threads:
        thread.join(timeout=DURATION + 120)
    elapsed = time.perf_counter() - clock["began"]
    errors: dict[int, int] = {}
    for per_client in failures:
        for status, count in per_client.items():
            errors[status] = errors.get(status, 0) + count
    return {
        "began": began_wall,
        "ended": began_wall + elapsed,
        "seconds": elapsed,
        "latencies": sorted(x for per_client in latencies for x in per_client),
        "errors": errors,
        "red_flags": red_flags,
    }


def nearest_rank(values: list[float], fraction: float) -> float | None:
    return values[max(0, math.ceil(len(values) * fraction) - 1)] if values else None


def pages_by_patient(standin: TwilioStandIn) -> tuple[dict[int, list[float]], int]:
    """Arrival times of the pages at the stand-in, by the patient id in their body; and other messages."""
    sent = list(standin.sent)  # a copy: the stand-in's handler threads may still append
    pages: dict[int, list[float]] = {}
    other = 0
    for message in sent:
        found = PAGE_PATIENT.search(message.body)
        if found:
            pages.setdefault(int(found.group(1)), []).append(message.at)
        else:
            other += 1
    return pages, other


def drain(standin: TwilioStandIn, sampler: BacklogSampler, expected: set[int]) -> float:
    """Until every expected page has arrived and no mark is pending, or DRAIN_WAIT; seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < DRAIN_WAIT:
        pages, _ = pages_by_patient(standin)
        latest = sampler.latest()
        if expected <= pages.keys() and latest is not None and latest[0] > time.time() - 2 * SAMPLE_EVERY and latest[1] == 0:
            break
        time.sleep(0.5)
    return round(time.monotonic() - began, 1)


def code_measured() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        # Changes to the benchmarks and docs do not change the code measured.
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench", ":!docs", ":!Makefile"],
            cwd=ROOT, capture_output=True, text=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}{' with local changes' if dirty else ''}" or "unknown"


def seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def main() -> int:
    port = api.free_port()
    standin = TwilioStandIn().start()
    api.SERVER_ENV.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM_NUMBER=FROM_NUMBER, TWILIO_API_URL=standin.url,
        SMS_RATE_PER_SECOND="0", PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
    )
    processes = runstack.celery_commands()
    workers = [name for name, argv in processes.items() if "worker" in argv]
    red_flag_count = max(1, math.ceil(DURATION / URGENT_EVERY))
    print(f"database {api.DATABASE_URL}; broker {api.REDIS_URL}; {mixed.PATIENTS} patients; gunicorn {api.WORKERS} workers x "
          f"{api.THREADS} threads on :{port}; Celery {', '.join(processes)}; Twilio stand-in {standin.url}; {CONCURRENCY} routine "
          f"clients for {DURATION:g} s, a red flag every {URGENT_EVERY:g} s ({red_flag_count})", flush=True)
    if red_flag_count * 2 > mixed.TOKENS:
        raise SystemExit(f"{red_flag_count} red flags need more patients with tokens than the seed's {mixed.TOKENS}")
    api.recreate_database()
    api.flush_redis()
    os.environ.update(api.SERVER_ENV, DJANGO_SETTINGS_MODULE="bench.settings")
    import django

    django.setup()
    tokens, _, _ = mixed.seed()
    from django.db import connections

    from patients.models import Patient

    # Beat runs; patients who take no reminder keep its reminder run off the workers and the stand-in.
    Patient.objects.update(sms_opt_in=False)
    connections.close_all()
    # Red flags from patients who send nothing else, so each one is a new alert and owes one page.
    routine, urgent = tokens[:-red_flag_count], tokens[-red_flag_count:]

    env = {**os.environ, **api.SERVER_ENV, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    stack = celery_processes(env)
    server = None
    sampler = BacklogSampler(max_samples=int((DURATION + DRAIN_WAIT) / SAMPLE_EVERY) + 60)
    load_before = os.getloadavg()[0]
    try:
        server = api.start_server(port)
        nodes = wait_for_workers(len(workers))
        api.run_phase(port, routine, routine_request, 2.0, 4)  # warm-up: connections, caches
        settled = wait_for_no_marks(SETTLE_WAIT)
        if settled is None:
            raise SystemExit(f"the warm-up's judging did not finish within {SETTLE_WAIT:g} s")
        standin.reset()
        sampler.start()
        outcome = burst(port, routine, urgent)
        expected = {r["patient_id"] for r in outcome["red_flags"] if r["status"] in OK_STATUS}
        drained_s = drain(standin, sampler, expected)
        sampler.halt.set()
        sampler.join(timeout=10)
        load_after = os.getloadavg()[0]
        pages, other_messages = pages_by_patient(standin)
    finally:
        sampler.halt.set()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        stack.stop()
        api.flush_redis()
        standin.stop()

    # Each red flag: check-in sent to its page's arrival at the stand-in.
    page_latencies, missing, refused = [], [], []
    for red_flag in outcome["red_flags"]:
        arrived = pages.get(red_flag["patient_id"])
        if red_flag["status"] not in OK_STATUS:
            refused.append(red_flag)
        elif not arrived:
            missing.append(red_flag["patient_id"])
        else:
            red_flag["page_s"] = round(min(arrived) - red_flag["sent_at"], 3)
            page_latencies.append(red_flag["page_s"])
    page_latencies.sort()
    duplicates = sum(len(times) - 1 for times in pages.values() if len(times) > 1)
    unexpected = sorted(set(pages) - {r["patient_id"] for r in outcome["red_flags"]})

    # The backlog, relative to the burst's start; "during the burst" is up to the last check-in sent.
    began, ended = outcome["began"], outcome["ended"]
    samples = [(round(at - began, 1), count, round(age, 2)) for at, count, age in sampler.samples]
    during = [s for s in samples if s[0] <= ended - began]
    after = [s for s in samples if s[0] > ended - began]
    max_age_burst = max((s[2] for s in during), default=None)
    max_age_any = max((s[2] for s in samples), default=None)
    most_pending = max((s[1] for s in samples), default=None)
    # The first sample after the load with no mark pending (the burst's last one when none came after).
    empty_at = next((s[0] for s in after or during[-1:] if s[1] == 0), None)
    empty_after_s = None if empty_at is None else round(max(0.0, empty_at - (ended - began)), 1)

    times = outcome["latencies"]
    routine_errors = sum(outcome["errors"].values())
    routine_rate = round(len(times) / outcome["seconds"], 1)
    p50, p99, worst = (seconds(statistics.median(page_latencies)) if page_latencies else None,
                       seconds(nearest_rank(page_latencies, 0.99)), seconds(page_latencies[-1] if page_latencies else None))
    failed_pages = len(missing) + len(refused)
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "code": code_measured(),
        "cpus": os.cpu_count(),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
        "duration_s": round(outcome["seconds"], 1),
        "patients": mixed.PATIENTS,
        "routine_clients": CONCURRENCY,
        "urgent_every_s": URGENT_EVERY,
        "gunicorn_workers": api.WORKERS,
        "threads_per_worker": api.THREADS,
        "celery_processes": {name: " ".join(argv[argv.index("celery"):]) for name, argv in runstack.celery_commands().items()},
        "celery_workers_answering": nodes,
        "sms_rate_per_second": 0,
        "warm_up_judged_after_s": settled,
        "drain_waited_s": drained_s,
        "pages": {
            "red_flags_sent": len(outcome["red_flags"]), "paged": len(page_latencies), "missing": missing,
            "refused": [{"patient_id": r["patient_id"], "status": r["status"]} for r in refused], "duplicates": duplicates,
            "unexpected_patients": unexpected, "other_messages": other_messages, "p50_s": p50, "p99_s": p99, "max_s": worst,
            "each": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items() if k != "sent_at"} for r in outcome["red_flags"]],
        },
        "backlog": {
            "max_oldest_age_during_burst_s": max_age_burst, "max_oldest_age_s": max_age_any, "most_pending": most_pending,
            "empty_after_load_s": empty_after_s, "samples": samples,
        },
        "routine": {
            "requests": len(times), "per_second": routine_rate,
            "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "p99_ms": round(nearest_rank(times, 0.99) * 1000, 1) if times else None,
            "errors": outcome["errors"],
        },
    }
    figures = [
        {"figure": "page, check-in to the Twilio stand-in: p50", "value": p50, "unit": "s", "target": None, "met": None},
        {"figure": "page, check-in to the Twilio stand-in: p99", "value": p99, "unit": "s", "target": f"< {PAGE_P99_S:g}",
         "met": p99 is not None and p99 < PAGE_P99_S and not failed_pages},
        {"figure": "page, check-in to the Twilio stand-in: max", "value": worst, "unit": "s", "target": f"< {PAGE_MAX_S:g}",
         "met": worst is not None and worst < PAGE_MAX_S and not failed_pages},
        {"figure": f"red flags without a page within {DRAIN_WAIT:g} s (of {len(outcome['red_flags'])})", "value": failed_pages,
         "unit": "", "target": "0", "met": failed_pages == 0},
        {"figure": "judging backlog: oldest pending mark during the burst", "value": max_age_burst, "unit": "s",
         "target": f"< {BACKLOG_MAX_S:g}", "met": max_age_burst is not None and max_age_burst < BACKLOG_MAX_S},
        {"figure": "judging backlog: oldest pending mark at any moment (burst and drain)", "value": max_age_any, "unit": "s",
         "target": f"< {BACKLOG_MAX_S:g}", "met": max_age_any is not None and max_age_any < BACKLOG_MAX_S},
        {"figure": "judging backlog: most marks pending at once", "value": most_pending, "unit": "marks", "target": None, "met": None},
        {"figure": "judging backlog: empty after the load stopped", "value": empty_after_s if empty_after_s is not None
         else f"not within {DRAIN_WAIT:g}", "unit": "s", "target": None, "met": None},
        {"figure": "routine check-ins", "value": f"{len(times)} ({routine_rate}/s)", "unit": "", "target": None, "met": None},
        {"figure": "routine check-in p50 / p99", "value": f"{result['routine']['p50_ms']} / {result['routine']['p99_ms']}",
         "unit": "ms", "target": None, "met": None},
        {"figure": "routine check-in errors (not 200/201)", "value": routine_errors, "unit": "", "target": "0", "met": routine_errors == 0},
    ]
    write_result("urgent", figures, result)
    report.write_urgent_section()

    print(f"load average {result['load_average_before']} before, {result['load_average_after']} after ({os.cpu_count()} cores); code {result['code']}")
    print(f"{'figure':70}{'value':>22}  target    met")
    for figure in figures:
        value = f"{figure['value'] if figure['value'] is not None else '-'} {figure['unit']}".strip()
        target = f"{figure['target']} {figure['unit']}".strip() if figure["target"] else "-"
        print(f"{figure['figure']:70}{value:>22}  {target:9} {report.verdict(figure['met']).strip('*')}")
    if missing or refused or duplicates or unexpected:
        print(f"missing pages for patients {missing}; refused red flags {result['pages']['refused']}; "
              f"{duplicates} duplicate pages; pages for unexpected patients {unexpected}")
    print("backlog (s after the start: marks pending, oldest s):",
          "; ".join(f"{t:g}: {count}, {age:g}" for t, count, age in samples[:: max(1, len(samples) // 20)]))
    ok = all(figure["met"] is not False for figure in figures)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
