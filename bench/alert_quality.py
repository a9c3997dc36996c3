"""Alert quality, measured: the cohorts of bench/cohorts.py (three for tuning; the second held-out sets
H4-H6, fixed before the rules last changed; the earlier held-out sets H1-H3) replayed day by day
through the real check-in path (checkin_submit, and the evaluation it queues), the real sweep, and
the milestone questions, answered as each generated patient would (milestone_question_answer).

    python bench/alert_quality.py [--role held_out] [--role tuning] [--patients-per-cohort 70]

It reports, in Markdown, per cohort: red flags alerted on the day reported, the share of deviating
patients alerted within 2 days of onset, false alerts per 100 patient-weeks of normal recovery; and per
rule, the roles' cohorts side by side: alerts raised, how many true, precision, median days from
onset (bench/quality_measure.py says what counts); then the held-out figures against the targets.
The cohorts are replayed together in a database of its own (BENCH_QUALITY_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/recovery_bench_quality), dropped and made fresh each run. The
in-memory version, for tuning, is bench/quality_fast.py.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import replace as _replace
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import quality_measure  # noqa: E402
from bench.cohorts import BASE, COHORTS, PROGRAM_DAYS, ROLES, SimPatient, build  # noqa: E402


def build_cohort(n: int, seed: int) -> list[SimPatient]:
    """n patients of the base cohort's parameters under `seed` (the fast test's cohort)."""
    return build(_replace(BASE, seed=seed, patients=n))


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
    from recovery.models import MilestoneQuestion
    from recovery.services import recovery_sweep
    from recovery.services.milestone_questions import milestone_question_answer

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
            asked = defaultdict(list)
            for question in MilestoneQuestion.objects.filter(state=MilestoneQuestion.State.ASKED).select_related("patient"):
                asked[question.patient_id].append(question)
            for sim in cohort:
                fields = sim.days.get(day)
                if fields:
                    patient = patients[sim.index]
                    submit(patient=patient, client_id=uuid.uuid4(), date=date, fields=fields)
                    # The questions the check-in asks, answered (or not) as the generated patient would.
                    for question in asked.get(patient.pk, ()):
                        answer = sim.answers(question.milestone, day)
                        if answer is not None:
                            milestone_question_answer(question=question, reached=answer)
        with time_machine.travel(datetime.datetime.combine(date + datetime.timedelta(days=1), datetime.time(9), tzinfo=utc), tick=False):
            recovery_sweep()
        if progress and day % 10 == 0:
            print(f"  day {day} replayed", file=sys.stderr, flush=True)
    return patients



# -- the measures ------------------------------------------------------------------------------------

def raised_from_database(patients: dict) -> dict[int, list[quality_measure.Raised]]:
    """The alerts the replay wrote, as quality_measure.Raised: the local day judged (an alert written
    before 06:00 local by the sweep belongs to the day that had just ended) and, for red flags, the
    days each report was raised or added."""
    from recovery.models import Alert, AlertEvent

    index_of = {p.pk: i for i, p in patients.items()}

    def judged_day(at, patient_id) -> int:
        patient = patients[index_of[patient_id]]
        local = at.astimezone(ZoneInfo(patient.timezone)) - datetime.timedelta(hours=6)
        return (local.date() - patient.surgery_date).days

    events: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for alert_id, at, action, patient_id in AlertEvent.objects.filter(alert__patient_id__in=index_of).values_list(
        "alert_id", "at", "action", "alert__patient_id"
    ):
        events[alert_id].append((judged_day(at, patient_id), action))
    out: dict[int, list[quality_measure.Raised]] = defaultdict(list)
    for alert in Alert.objects.filter(patient_id__in=index_of).order_by("created_at", "id"):
        days = {day for day, action in events.get(alert.pk, ()) if action in ("raised", "updated")}
        keys = (alert.details or {}).get("keys", ()) if alert.kind == "red_flag" else ()
        out[index_of[alert.patient_id]].append(
            quality_measure.Raised(alert.kind, judged_day(alert.created_at, alert.patient_id), {k: set(days) for k in keys})
        )
    return out


def measure(cohort: list[SimPatient], patients: dict, *, surgery_date: datetime.date, through_day: int = PROGRAM_DAYS,
            name: str = "cohort") -> quality_measure.Quality:
    return quality_measure.measure(name, cohort, raised_from_database(patients), through_day=through_day, surgery_date=surgery_date)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients-per-cohort", type=int, default=70)
    parser.add_argument("--role", action="append", choices=ROLES,
                        help="replay only the cohorts of this role (repeatable; default: every cohort)")
    args = parser.parse_args()
    # The evaluation a check-in queues on commit runs in this process, as a worker would run it.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    from bench.common import use_database, write_result

    use_database(os.environ.get("BENCH_QUALITY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_bench_quality"), fresh=True)
    surgery_date = datetime.date(2026, 1, 5)
    by_cohort = []
    first = 0
    for spec in COHORTS:
        if args.role and spec.role not in args.role:
            continue
        sims = build(spec, first_index=first, patients=args.patients_per_cohort)
        first += len(sims)
        by_cohort.append((spec, sims))
    everyone = [sim for _, sims in by_cohort for sim in sims]
    started = time.perf_counter()
    patients = replay(everyone, surgery_date=surgery_date, progress=True)
    seconds = time.perf_counter() - started
    raised = raised_from_database(patients)
    qualities = [(spec.role, quality_measure.measure(spec.name, sims, raised, surgery_date=surgery_date)) for spec, sims in by_cohort]
    header = (f"{len(by_cohort)} cohorts of {args.patients_per_cohort} patients, replayed together through checkin_submit and the "
              f"sweep in {seconds:.0f} s.")
    print(quality_measure.report(qualities, header=header))
    held = quality_measure.pooled(qualities, "held_out")
    met = held.targets()
    write_result("quality", [
        {"figure": "held out: red flags alerted on the day reported", "value": f"{held.red_flags_on_the_day} of {held.red_flags_reported}",
         "unit": "", "target": "every one", "met": met["red flags on the day"]},
        {"figure": "held out: deviating patients alerted within 2 days of onset", "value": round(100 * held.share_within, 1), "unit": "%",
         "target": ">= 95", "met": held.share_within >= quality_measure.TARGET_SHARE},
        {"figure": "held out: false alerts in normal recovery", "value": round(held.false_per_100_weeks, 2), "unit": "per 100 patient-weeks",
         "target": "<= 0.5", "met": held.false_per_100_weeks <= quality_measure.TARGET_FALSE_PER_100_WEEKS},
    ], {"patients_per_cohort": args.patients_per_cohort, "replay_seconds": round(seconds, 1),
        "cohorts": {q.cohort: {"role": role, "false_per_100_weeks": round(q.false_per_100_weeks, 2), "share_within": round(q.share_within, 3),
                               "red_flags": [q.red_flags_on_the_day, q.red_flags_reported]} for role, q in qualities}})


if __name__ == "__main__":
    main()
