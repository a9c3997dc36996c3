"""`make bench` ends here: the figures every benchmark wrote to bench/results/<name>.json, in one table
in docs/benchmarks.md, with the machine, the date, and each figure beside its target.

A benchmark that has not written its file shows as "not run" with its targets, so the table always
lists everything the project promises.
"""

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"

# name of the result file, the make target, what it measures, and its targets (shown when not run).
BENCHMARKS = [
    ("api", "bench-api", "Check-in ingestion", [
        "check-ins a second (gunicorn, 2 workers) >= 300", "check-in p99 < 150 ms", "API >= 0.5 x a bare Django view's throughput"]),
    ("sweep", "bench-sweep", "The sweep", [
        "20,000 patients x 60 days <= 60 s", "peak memory < 500 MB", "queries grow with chunks, not patients"]),
    ("quality", "bench-quality", "Alert quality", [
        "every red flag alerted on its day", ">= 90% of deviating patients alerted within 3 days", "<= 1 false alert / 100 patient-weeks"]),
    ("reminders", "bench-reminders", "Reminder fan-out", ["10,000 reminders <= 60 s with 2 workers"]),
    ("dashboard", "bench-dashboard", "Nurses' dashboard", ["worklist <= 200 ms", "patient page <= 100 ms"]),
    ("mixed", "bench-mixed", "Mixed load", ["60 s of check-ins and nurses browsing with 0 errors"]),
    ("sms", "bench-sms", "SMS understanding", [
        "every red flag of the held-out replies read", "<= 1% false red flags a reply", "pain right in >= 98% of replies giving one",
        "no pain invented"]),
    ("urgent", "bench-urgent", "Red flags under load", [
        "page p99 < 5 s", "page max < 10 s", "judging backlog < 10 s at any moment"]),
    ("seed", "bench-seed", "Demo seed", ["(no target: how long `seed_demo` takes)"]),
]


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores",
        f"- Memory: {memory}",
        f"- Python {platform.python_version()}, PostgreSQL {postgres_version()}, {platform.system()} {platform.release()}",
    ]


def postgres_version() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            return conn.execute("SHOW server_version").fetchone()[0].split()[0]
    except Exception:  # noqa: BLE001 - the report is written even where PostgreSQL is not reachable
        try:
            out = subprocess.run(["psql", "--version"], capture_output=True, text=True, timeout=5).stdout
            return out.split()[-1] + " (client)"
        except Exception:  # noqa: BLE001
            return "unknown"


def cell(value) -> str:
    return "-" if value is None or value == "" else str(value).replace("|", "\\|")


def verdict(met) -> str:
    return {True: "met", False: "**missed**", None: "-"}[met]


def table() -> tuple[list[str], list[str]]:
    rows = ["| benchmark | figure | value | target | met | run on |", "| --- | --- | --- | --- | --- | --- |"]
    missed = []
    for name, target, title, promises in BENCHMARKS:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            for promise in promises:
                rows.append(f"| {title} (`make {target}`) | {cell(promise)} | not run | - | - | - |")
            continue
        data = json.loads(path.read_text())
        date = data.get("date", "")[:16].replace("T", " ")
        for figure in data.get("figures", []):
            value = f"{cell(figure.get('value'))} {figure.get('unit') or ''}".strip()
            target_text = f"{figure['target']} {figure.get('unit') or ''}".strip() if figure.get("target") else "-"
            rows.append(
                f"| {title} (`make {target}`) | {cell(figure['figure'])} | {value} | {cell(target_text)} | "
                f"{verdict(figure.get('met'))} | {date} |"
            )
            if figure.get("met") is False:
                missed.append(f"{title}: {figure['figure']}")
    return rows, missed


def load_averages() -> list[str]:
    """The load average each benchmark saw (on this machine's cores), where its result file kept it."""
    found = []
    for name, _, title, _ in BENCHMARKS:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        details = json.loads(path.read_text()).get("details", {})
        if "load_average_before" in details:
            found.append(f"{title} {details['load_average_before']} before, {details.get('load_average_after')} after")
        else:
            load = details.get("load_average") or details.get("load_average_at_start")
            if load:
                found.append(f"{title} {load[0]:.2f} (1 min)")
    return found


def drained(details: dict) -> str:
    if details.get("queue_drained_after_s") is not None:
        return f"the judging they queued was done {details['queue_drained_after_s']} s after the load"
    return f"{details.get('queue_left_after_wait')} judging tasks still queued at the end of the wait"


URGENT_HEADING = "## Red flags under load (bench-urgent)"


def urgent_section() -> list[str]:
    """The section of bench/results/urgent.json: the run, then each figure beside its target; empty
    when the benchmark has not run here."""
    path = RESULTS / "urgent.json"
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    details = data.get("details", {})
    processes = "; ".join(f"{name}: `{argv}`" for name, argv in details.get("celery_processes", {}).items())
    lines = [
        URGENT_HEADING,
        "",
        f"Run {data.get('date', '')[:16].replace('T', ' ')} UTC on code {details.get('code')}: {details.get('routine_clients')} patient "
        f"clients posting routine check-ins (no red flag) in closed loops for {details.get('duration_s')} s, while one other "
        f"patient every {details.get('urgent_every_s')} s reports chest pain and breathlessness; gunicorn "
        f"({details.get('gunicorn_workers')} workers x {details.get('threads_per_worker')} threads), PostgreSQL, Redis and the "
        f"Celery processes `config/runstack.py` starts ({processes}; logging warnings only); pages go through the twilio client to a local "
        f"stand-in of Twilio, with no send rate. A clinic of {details.get('patients')} patients. The backlog is sampled every "
        f"second: evaluation marks pending and the age of the oldest. Load average {details.get('load_average_before')} "
        f"before, {details.get('load_average_after')} after, on {details.get('cpus')} cores.",
        "",
        "| figure | value | target | met |",
        "| --- | --- | --- | --- |",
    ]
    for figure in data.get("figures", []):
        value = f"{cell(figure.get('value'))} {figure.get('unit') or ''}".strip()
        target = f"{figure['target']} {figure.get('unit') or ''}".strip() if figure.get("target") else "-"
        lines.append(f"| {cell(figure['figure'])} | {value} | {cell(target)} | {verdict(figure.get('met'))} |")
    samples = details.get("backlog", {}).get("samples", [])
    if samples:
        step = max(1, len(samples) // 15)
        lines += ["", "Backlog over time (seconds from the start of the load: marks pending, oldest mark's age in s): "
                  + "; ".join(f"{t:g}: {count}, {age:g}" for t, count, age in samples[::step]) + "."]
    return [*lines, ""]


def replace_section(text: str, heading: str, section: list[str]) -> str:
    """`text` with the section under `heading` (up to the next heading of its level, or the end)
    replaced by `section`, or `section` appended where there is none."""
    lines = text.splitlines()
    if heading not in lines:
        return "\n".join([*lines, "", *section]).rstrip("\n") + "\n" if section else text
    start = lines.index(heading)
    level = heading.split(" ", 1)[0] + " "
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(level)), len(lines))
    return "\n".join([*lines[:start], *section, *lines[end:]]).rstrip("\n") + "\n"


def write_urgent_section() -> None:
    """`make bench-urgent` alone: its section of docs/benchmarks.md, the rest of the page as it was."""
    DOC.write_text(replace_section(DOC.read_text(), URGENT_HEADING, urgent_section()))


def main() -> int:
    rows, missed = table()
    now = datetime.datetime.now(datetime.UTC)
    mixed = RESULTS / "mixed.json"
    notes = []
    if mixed.exists():
        details = json.loads(mixed.read_text()).get("details", {})
        if details:
            notes.append(
                f"Mixed load: {details.get('patient_clients')} patient clients posting check-ins and {details.get('nurse_clients')} "
                f"nurse clients (logged in through the dashboard's login page) opening the worklist, patients' pages and the "
                f"staff API, closed loops for {details.get('duration_s')} s against gunicorn ({details.get('gunicorn_workers')} workers "
                f"x {details.get('threads_per_worker')} threads) on PostgreSQL with a Celery worker on Redis; a clinic of "
                f"{details.get('patients')} patients and {details.get('nurses')} nurses; {details.get('requests')} requests "
                f"({details.get('throughput_per_s')}/s), {details.get('errors')} errors; {details.get('daily_records_added')} "
                f"daily records written; {drained(details)}; "
                f"load average {details.get('load_average_before')} before, {details.get('load_average_after')} after."
            )
            notes.append("")
            notes.append("| mixed load: kind | requests | per second | p50 ms | p99 ms | errors |")
            notes.append("| --- | --- | --- | --- | --- | --- |")
            for kind, row in details.get("kinds", {}).items():
                notes.append(
                    f"| {kind} | {row['requests']} | {row['per_second']} | {row['p50_ms']} | {row['p99_ms']} | "
                    f"{sum(row['errors'].values()) if row['errors'] else 0} |"
                )
    text = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/report.py) from the figures each benchmark leaves in bench/results/;",
        "a benchmark not run since shows as \"not run\". Each benchmark runs in a database of its own on the",
        "local PostgreSQL and Redis. Run one alone with its make target, then `python bench/report.py`.",
        "",
        f"Table written {now:%Y-%m-%d %H:%M} UTC on:",
        "",
        *machine(),
        "",
        *rows,
        "",
    ]
    if missed:
        text += ["Missed: " + "; ".join(missed) + ".", ""]
    if notes:
        text += [*notes, ""]
    text += [
        "Wall-clock figures are sensitive to whatever else shares the cores: each benchmark's result file",
        "keeps the load average around its run (bench/results/<name>.json, `details`)"
        + (": " + "; ".join(loads) + "." if (loads := load_averages()) else "."),
        "",
    ]
    # The SMS benchmark writes a section of its own (bench/bench_sms.py): kept as it stands.
    sys.path.insert(0, str(ROOT))
    from bench.bench_sms import SECTION_END, SECTION_START

    old = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if SECTION_START in old and SECTION_END in old:
        text += [SECTION_START + old.split(SECTION_START, 1)[1].split(SECTION_END, 1)[0] + SECTION_END, ""]
    # The section of the red-flag benchmark: from its result here, or as the page had it.
    section = urgent_section()
    if not section and URGENT_HEADING in old.splitlines():
        kept = old.splitlines()
        section = kept[kept.index(URGENT_HEADING):]
    DOC.write_text(replace_section("\n".join(text), URGENT_HEADING, section), encoding="utf-8")
    print("\n".join(rows))
    print(f"written {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
