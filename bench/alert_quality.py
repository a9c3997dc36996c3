"""Alert quality, measured: a synthetic cohort with known complications replayed day by day through
the real check-in path (checkin_submit, and the evaluation it queues) and the real sweep.

    python bench/alert_quality.py [--patients 420] [--seed 7] [--skip-rate-scale 1.0]

It reports, in Markdown: every red flag alerted on the day reported; per complication, the share of
patients alerted and the days from onset to alert; false alerts per 100 patient-weeks of normal
recovery. It runs in a database of its own (BENCH_QUALITY_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/recovery_bench_quality), dropped and made fresh each run.

The cohort model (every number is an assumption, stated so that the figures can be judged):
- Procedures: 50% MIS lumbar, 20% open lumbar, 20% ACDF, 10% posterior cervical; surgery the same
  day for all, patients in four US time zones.
- Pain (worst of the day, 0-10): p0 + (p0 - floor) decay, p0 5-7 (open 5.5-7.5), floor 0.5-2,
  time constant 8-16 days (open 12-22); each report is the true value plus noise of -2..+2
  (probabilities 5/20/50/20/5%), rounded and clipped to 0-10.
- Walking minutes: pre-operative 4,500-8,000 steps a day (cervical x1.15) times the published
  recovery fraction (about 29% in week 1, 63% in week 2, 77% in week 4, 95% by week 8; open fusion
  x0.85), one minute per 100 steps, log-normal day noise (sigma 0.2).
- Opioids stop on day 5-20 (open 12-34); the field is left out of 20% of check-ins.
- Check-ins: a surgery-day check-in 60% of the time; then each day skipped with a patient's own
  probability of 2-8% (times --skip-rate-scale), independently. Milestones (first walk, discharge,
  normal activities, off opioids) are ticked in the first check-in on or after the day reached.
- Complications (each 1/14 of the cohort, onset day in brackets): infection (fever reported on the
  onset day [5-20], pain +2, wound drainage in half the cases a day or two later); blood clot (calf
  pain or swelling [3-30], a fifth with chest pain or breathlessness the next day, walking x0.6);
  nerve problem (new weakness or numbness [1-14], walking x0.3, pain +1.5); pain that will not
  settle (pain stops falling from day 6-12 and stays there; onset is the first day that level is
  above the protocol's bound, and an alert between the stall and the onset counts as early, delay 0);
  stops answering (no check-in from day 10-60); prolonged opioid use (never
  stops; onset is the day after the off_opioids overdue day). Symptom reports are never skipped.
- Alert time is when the alert was written (a check-in's own evaluation, or the sweep run at 01:00-04:00
  local after the day judged), counted in local days from the onset day.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GROUPS = ("normal", "infection", "blood_clot", "nerve_problem", "pain_not_settling", "stops_answering", "opioid_prolonged")
GROUP_LABELS = {
    "infection": "Infection with fever",
    "blood_clot": "Blood clot",
    "nerve_problem": "Nerve problem",
    "pain_not_settling": "Pain that will not settle",
    "stops_answering": "Stops answering",
    "opioid_prolonged": "Prolonged opioid use",
}
PROCEDURES = [("mis_lumbar_fusion", 0.5), ("open_lumbar_fusion", 0.2), ("acdf", 0.2), ("posterior_cervical_fusion", 0.1)]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
OPEN = {"open_lumbar_fusion", "posterior_cervical_fusion"}
CERVICAL = {"acdf", "posterior_cervical_fusion"}
# The defaults of clinical.md, for the model's own use (the engine reads them from the database).
PAIN_BOUNDS = {"mis": [(0, 8), (4, 7), (8, 6), (15, 5), (29, 4), (43, 3)], "open": [(0, 8), (4, 8), (8, 7), (15, 6), (29, 5), (43, 4)]}
OPIOID_OVERDUE = {"mis": 42, "open": 56}
PROGRAM_DAYS = 90
# Published step recovery, as a fraction of pre-operative steps, by post-operative day.
STEP_FRACTION = [(0, 0.05), (1, 0.15), (3, 0.25), (7, 0.40), (14, 0.63), (28, 0.77), (56, 0.95), (90, 1.0)]
PAIN_NOISE = ([-2, -1, 0, 1, 2], [0.05, 0.2, 0.5, 0.2, 0.05])


def _family(procedure: str) -> str:
    return "open" if procedure in OPEN else "mis"


def pain_bound(procedure: str, day: int) -> int:
    value = 8
    for start, bound in PAIN_BOUNDS[_family(procedure)]:
        if day >= start:
            value = bound
    return value


def _interpolate(points, day):
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if d0 <= day <= d1:
            return v0 + (v1 - v0) * (day - d0) / (d1 - d0)
    return points[-1][1]


@dataclass
class SimPatient:
    index: int
    procedure: str
    zone: str
    group: str
    # The day the complication begins (the symptom, the stall of pain, the first silent day), and the
    # day it shows against the expected course (later only for pain that will not settle: the first
    # day its level is above the protocol's bound).
    start: int | None = None
    onset: int | None = None
    days: dict[int, dict] = field(default_factory=dict)
    red_flags: list[tuple[int, str]] = field(default_factory=list)
    last_day: int = PROGRAM_DAYS  # the last day the patient is part of normal recovery time


def build_cohort(n: int, seed: int, *, skip_rate_scale: float = 1.0) -> list[SimPatient]:
    """n synthetic patients: 8 in 14 recover normally, 1 in 14 has each complication."""
    rng = random.Random(seed)
    weights = [8] + [1] * (len(GROUPS) - 1)
    groups = []
    for i in range(n):
        groups.append(GROUPS[0] if i % 14 < weights[0] else GROUPS[1 + (i % 14) - weights[0]])
    return [_simulate(i, groups[i], rng, skip_rate_scale) for i in range(n)]


def _simulate(index: int, group: str, rng: random.Random, skip_rate_scale: float) -> SimPatient:
    procedure = rng.choices([p for p, _ in PROCEDURES], [w for _, w in PROCEDURES])[0]
    p = SimPatient(index=index, procedure=procedure, zone=ZONES[index % len(ZONES)], group=group)
    is_open = procedure in OPEN
    p0 = rng.uniform(5.5, 7.5) if is_open else rng.uniform(5.0, 7.0)
    floor = rng.uniform(0.5, 2.0)
    tau = rng.uniform(12, 22) if is_open else rng.uniform(8, 16)
    pre_steps = rng.uniform(4500, 8000) * (1.15 if procedure in CERVICAL else 1.0)
    stop_opioids = rng.randint(12, 34) if is_open else rng.randint(5, 20)
    discharge = {
        "mis_lumbar_fusion": 0 if rng.random() < 0.73 else rng.randint(1, 2),
        "acdf": rng.choice([0, 0, 1]),
        "open_lumbar_fusion": rng.randint(2, 5),
        "posterior_cervical_fusion": rng.randint(1, 4),
    }[procedure]
    normal_activities = rng.randint(42, 84) if is_open else rng.randint(14, 42)
    skip = rng.uniform(0.02, 0.08) * skip_rate_scale

    def true_pain(day):
        return floor + (p0 - floor) * math.exp(-day / tau)

    pain_extra: dict[int, float] = defaultdict(float)
    walk_factor: dict[int, float] = defaultdict(lambda: 1.0)
    symptoms: dict[int, list[str]] = defaultdict(list)
    stall = None
    silent_from = None
    if group == "infection":
        p.onset = rng.randint(5, 20)
        symptoms[p.onset].append("fever")
        if rng.random() < 0.5:
            symptoms[p.onset + rng.randint(1, 2)].append("wound_drainage")
        for d in range(p.onset, p.onset + 10):
            pain_extra[d] += 2
    elif group == "blood_clot":
        p.onset = rng.randint(3, 30)
        symptoms[p.onset].append("calf_pain_swelling")
        if rng.random() < 0.2:
            symptoms[p.onset + 1].append("chest_pain_breathless")
        for d in range(p.onset, p.onset + 7):
            walk_factor[d] = 0.6
    elif group == "nerve_problem":
        p.onset = rng.randint(1, 14)
        symptoms[p.onset].append(rng.choice(["new_weakness", "new_numbness"]))
        for d in range(p.onset, PROGRAM_DAYS + 1):
            walk_factor[d] = 0.3
            pain_extra[d] += 1.5
    elif group == "pain_not_settling":
        stall = rng.randint(6, 12)
        final_bound = pain_bound(procedure, PROGRAM_DAYS)
        level = max(true_pain(stall), final_bound + 0.8)
        p.start = stall
        p.onset = next(d for d in range(stall, PROGRAM_DAYS + 1) if level > pain_bound(procedure, d))
    elif group == "stops_answering":
        silent_from = p.onset = rng.randint(10, 60)
    elif group == "opioid_prolonged":
        stop_opioids = PROGRAM_DAYS + 10
        p.onset = OPIOID_OVERDUE[_family(procedure)] + 1
    if p.onset is not None:
        p.start = p.onset if p.start is None else p.start
        p.last_day = p.start - 1

    pending: list[str] = []
    reached: dict[int, list[str]] = defaultdict(list)
    for day, code in ((0, "first_walk"), (discharge, "discharged"), (normal_activities, "normal_activities"), (stop_opioids, "off_opioids")):
        reached[day].append(code)
    for day in range(0, PROGRAM_DAYS + 1):
        pending.extend(code for code in reached.get(day, []) if code not in pending)
        if silent_from is not None and day >= silent_from:
            continue
        has_symptoms = bool(symptoms.get(day))
        checks_in = has_symptoms or (rng.random() < 0.6 if day == 0 else rng.random() >= skip)
        if not checks_in:
            continue
        base = true_pain(day) if stall is None or day < stall else max(true_pain(stall), pain_bound(procedure, PROGRAM_DAYS) + 0.8)
        noise = rng.choices(*PAIN_NOISE)[0]
        pain = int(min(10, max(0, round(base + pain_extra[day] + noise))))
        fraction = _interpolate(STEP_FRACTION, day) * (0.85 if is_open else 1.0)
        walking = max(0, round(pre_steps * fraction / 100 * walk_factor[day] * rng.lognormvariate(0, 0.2)))
        fields = {"pain": pain}
        if day > 0 or rng.random() < 0.5:
            fields["walking_minutes"] = walking
            fields["steps"] = round(walking * 100 * rng.uniform(1.1, 1.4))
        if rng.random() < 0.8:
            fields["opioid_use"] = day < stop_opioids
        if has_symptoms:
            fields["symptoms"] = list(symptoms[day])
            p.red_flags.extend((day, code) for code in symptoms[day])
        if pending:
            fields["milestones"] = list(pending)
            pending.clear()
        p.days[day] = fields
    return p


# -- the replay --------------------------------------------------------------------------------------

def _submit_committed(**kwargs):
    """The real path: checkin_submit commits, and its evaluation runs on commit (Celery eager)."""
    from recovery.services import checkin_submit

    return checkin_submit(**kwargs)


def replay(
    cohort: list[SimPatient], *, surgery_date: datetime.date, submit=_submit_committed, through_day: int = PROGRAM_DAYS + 1, progress=False
) -> dict:
    """Create the cohort's patients and replay every day up to `through_day`: the day's check-ins at
    19:00-22:00 local, then the sweep at 01:00-04:00 local the next day. Returns {index: Patient}."""
    import time_machine

    from patients.models import Clinic
    from patients.services import patient_create
    from recovery.services import recovery_sweep

    utc = datetime.UTC
    clinic, _ = Clinic.objects.get_or_create(name="Quality Bench Clinic", defaults={"timezone": "America/Chicago"})
    patients = {}
    with time_machine.travel(datetime.datetime.combine(surgery_date, datetime.time(13), tzinfo=utc), tick=False):
        for sim in cohort:
            patient, _ = patient_create(
                clinic=clinic,
                first_name=f"Synth{sim.index}",
                last_name="Quality",
                phone=f"+1555{7000000 + sim.index:07d}",
                procedure=sim.procedure,
                surgery_date=surgery_date,
                timezone_name=sim.zone,
                sms_opt_in=False,
            )
            patients[sim.index] = patient
    for day in range(0, through_day + 1):
        date = surgery_date + datetime.timedelta(days=day)
        with time_machine.travel(datetime.datetime.combine(date + datetime.timedelta(days=1), datetime.time(3), tzinfo=utc), tick=False):
            for sim in cohort:
                fields = sim.days.get(day)
                if fields:
                    submit(patient=patients[sim.index], client_id=uuid.uuid4(), date=date, fields=fields)
        with time_machine.travel(datetime.datetime.combine(date + datetime.timedelta(days=1), datetime.time(9), tzinfo=utc), tick=False):
            recovery_sweep()
        if progress and day % 10 == 0:
            print(f"  day {day} replayed", file=sys.stderr, flush=True)
    return patients


def _reports_around(sim: SimPatient, day: int) -> str:
    """The opioid answers a patient gave in the days after `day` (for reading a late alert)."""
    answers = [f"day {d}: {sim.days[d].get('opioid_use', 'not said')}" for d in range(day, day + 6) if d in sim.days]
    return "opioid answers " + ", ".join(answers) if answers else "no check-in in the 6 days after onset"


# -- the measures ------------------------------------------------------------------------------------

@dataclass
class Quality:
    red_flags_reported: int
    red_flags_on_the_day: int
    red_flag_misses: list
    per_group: dict
    deviating: int
    deviating_within_3: int
    normal_patient_weeks: float
    false_alerts: int
    false_by_kind: Counter
    alerts_by_kind: Counter
    late: list = field(default_factory=list)

    @property
    def false_per_100_weeks(self) -> float:
        return 100 * self.false_alerts / self.normal_patient_weeks if self.normal_patient_weeks else 0.0

    @property
    def share_within_3(self) -> float:
        return self.deviating_within_3 / self.deviating if self.deviating else 1.0


def measure(cohort: list[SimPatient], patients: dict, *, surgery_date: datetime.date, through_day: int = PROGRAM_DAYS) -> Quality:
    """The figures of the report. With a replay cut short at `through_day`, only what it could show
    is counted: red flags and normal days up to it, complications with an onset at least 3 days before."""
    from recovery.models import Alert, AlertEvent

    by_patient: dict[int, list] = defaultdict(list)
    index_of = {p.pk: i for i, p in patients.items()}
    alerts = list(Alert.objects.filter(patient_id__in=index_of).order_by("created_at", "id"))
    events: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for alert_id, at, action, patient_id in AlertEvent.objects.filter(alert__patient_id__in=index_of).values_list(
        "alert_id", "at", "action", "alert__patient_id"
    ):
        zone = ZoneInfo(patients[index_of[patient_id]].timezone)
        events[alert_id].append(((at.astimezone(zone).date() - surgery_date).days, action))
    for alert in alerts:
        zone = ZoneInfo(patients[index_of[alert.patient_id]].timezone)
        written_day = (alert.created_at.astimezone(zone).date() - surgery_date).days
        by_patient[index_of[alert.patient_id]].append((written_day, alert))

    reported = on_the_day = 0
    misses = []
    per_group: dict[str, dict] = {}
    deviating = within_3 = 0
    false_alerts = 0
    false_by_kind: Counter = Counter()
    normal_days = 0
    late: list[str] = []
    for sim in cohort:
        patient_alerts = by_patient.get(sim.index, [])
        red_flag_days = [
            (set((a.details or {}).get("keys", ())), {day for day, action in events.get(a.pk, ()) if action in ("raised", "updated")})
            for _, a in patient_alerts
            if a.kind == "red_flag"
        ]
        for day, code in sim.red_flags:
            if day > through_day:
                continue
            reported += 1
            key = f"{(surgery_date + datetime.timedelta(days=day)).isoformat()}:{code}"
            # Raised that day with this report, or an alert that stood was given it that day.
            hit = any(key in keys and day in days for keys, days in red_flag_days)
            on_the_day += hit
            if not hit:
                misses.append((sim.index, day, code))
        normal_days += min(sim.last_day, through_day, PROGRAM_DAYS) + 1
        for written, alert in patient_alerts:
            if sim.start is None or written < sim.start:
                false_alerts += 1
                false_by_kind[alert.kind] += 1
        if sim.group == "normal" or sim.onset > through_day - 3:
            continue
        deviating += 1
        stats = per_group.setdefault(sim.group, {"patients": 0, "alerted": 0, "within_3": 0, "delays": [], "kinds": Counter()})
        stats["patients"] += 1
        # An alert after the complication began counts; one before it shows against the course is early.
        after = [(max(0, written - sim.onset), a) for written, a in patient_alerts if written >= sim.start]
        if after:
            delay, first = after[0]
            stats["alerted"] += 1
            stats["delays"].append(delay)
            stats["kinds"][first.kind] += 1
            if delay <= 3:
                stats["within_3"] += 1
                within_3 += 1
                continue
        late.append(
            f"{GROUP_LABELS[sim.group]} ({sim.procedure}): began day {sim.start}, onset day {sim.onset}, "
            + (f"first alert {first.kind} written on day {sim.onset + delay}" if after else "no alert")
            + (f"; {_reports_around(sim, sim.onset)}" if sim.group == "opioid_prolonged" else "")
        )
    return Quality(
        red_flags_reported=reported,
        red_flags_on_the_day=on_the_day,
        red_flag_misses=misses,
        per_group=per_group,
        deviating=deviating,
        deviating_within_3=within_3,
        normal_patient_weeks=normal_days / 7,
        false_alerts=false_alerts,
        false_by_kind=false_by_kind,
        alerts_by_kind=Counter(a.kind for a in alerts),
        late=late,
    )


def report(q: Quality, *, n: int, seed: int, seconds: float, skip_rate_scale: float) -> str:
    lines = [
        f"Cohort: {n} patients, seed {seed}, skip-rate scale {skip_rate_scale}; replayed in {seconds:.0f} s.",
        "",
        f"- Red flags alerted on the day reported: {q.red_flags_on_the_day} of {q.red_flags_reported}"
        + (f" (missed: {q.red_flag_misses})" if q.red_flag_misses else ""),
        f"- Deviating patients alerted within 3 days of onset: {q.deviating_within_3} of {q.deviating} ({100 * q.share_within_3:.1f}%)",
        f"- False alerts: {q.false_alerts} in {q.normal_patient_weeks:.0f} patient-weeks of normal recovery "
        f"= {q.false_per_100_weeks:.2f} per 100 patient-weeks"
        + (" (" + ", ".join(f"{k} {v}" for k, v in sorted(q.false_by_kind.items())) + ")" if q.false_alerts else ""),
        "",
        "| complication | patients | alerted | within 3 days | days from onset to alert: median (max) | first alert kinds |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for group in GROUPS[1:]:
        s = q.per_group.get(group)
        if not s:
            continue
        delays = s["delays"]
        median = f"{statistics.median(delays):g} ({max(delays)})" if delays else "-"
        kinds = ", ".join(f"{k} {v}" for k, v in s["kinds"].most_common())
        lines.append(
            f"| {GROUP_LABELS[group]} | {s['patients']} | {s['alerted']} | {s['within_3']} ({100 * s['within_3'] / s['patients']:.0f}%) | {median} | {kinds} |"
        )
    lines += ["", "Alerts opened, by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(q.alerts_by_kind.items()))]
    if q.late:
        lines += ["", "Not alerted within 3 days of onset:"] + [f"- {line}" for line in q.late]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=420)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-rate-scale", type=float, default=1.0, help="Multiply every patient's chance of skipping a day.")
    parser.add_argument(
        "--pain-rise-points", default=None, help="Set every protocol's pain_rising MCID (e.g. 2.0, clinical.md's generic figure) before the replay."
    )
    args = parser.parse_args()
    # The evaluation a check-in queues on commit runs in this process, as a worker would run it.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    from bench.common import use_database

    use_database(os.environ.get("BENCH_QUALITY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench_quality"), fresh=True)
    if args.pain_rise_points is not None:
        from decimal import Decimal

        from recovery.models import RecoveryProtocol

        RecoveryProtocol.objects.update(pain_rise_points=Decimal(args.pain_rise_points))
    surgery_date = datetime.date(2026, 1, 5)
    cohort = build_cohort(args.patients, args.seed, skip_rate_scale=args.skip_rate_scale)
    started = time.perf_counter()
    patients = replay(cohort, surgery_date=surgery_date, progress=True)
    seconds = time.perf_counter() - started
    quality = measure(cohort, patients, surgery_date=surgery_date)
    print(report(quality, n=args.patients, seed=args.seed, seconds=seconds, skip_rate_scale=args.skip_rate_scale))
    from bench.common import write_result

    q = quality
    write_result("quality", [
        {"figure": f"red flags alerted on the day reported ({args.patients} patients)", "value": f"{q.red_flags_on_the_day} of {q.red_flags_reported}",
         "unit": "", "target": "every one", "met": q.red_flags_on_the_day == q.red_flags_reported},
        {"figure": "deviating patients alerted within 3 days of onset", "value": round(100 * q.share_within_3, 1), "unit": "%",
         "target": ">= 90", "met": q.share_within_3 >= 0.9},
        {"figure": "false alerts in normal recovery", "value": round(q.false_per_100_weeks, 2), "unit": "per 100 patient-weeks",
         "target": "<= 1", "met": q.false_per_100_weeks <= 1},
    ], {"patients": args.patients, "seed": args.seed, "skip_rate_scale": args.skip_rate_scale, "pain_rise_points": args.pain_rise_points,
        "deviating": q.deviating, "deviating_within_3": q.deviating_within_3, "false_alerts": q.false_alerts,
        "normal_patient_weeks": round(q.normal_patient_weeks, 1), "replay_seconds": round(seconds, 1)})
    if args.pain_rise_points is not None:
        print(f"(pain_rising MCID set to {args.pain_rise_points} for every protocol)")


if __name__ == "__main__":
    main()
