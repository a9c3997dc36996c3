"""Alert quality in memory: the cohorts of bench/cohorts.py replayed through the pure rules and the pure
reconciliation (recovery.rules, recovery.services.engine.reconcile), with no check-in or alert written.

    python bench/quality_fast.py [--role tuning|held_out|earlier_held_out|all]

It is the tuning loop: seconds instead of the full replay's many minutes, so numbers can be tried on
the tuning cohorts. It asks the milestone questions as the sweep does and answers them as the
generated patient would (a "no" judged at once, as milestone_question_answer does). It judges as the engine does (each check-in's own evidence as it arrives, then
every rule once the patient's day has ended) but leaves out what only the database path has (time
zones, batches, retries); `make bench-quality` is the measure that is reported. It reads the shipped
protocols from a database of its own (BENCH_QUALITY_FAST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cohorts import COHORTS, SimPatient  # noqa: E402
from bench.quality_measure import Raised, measure, report  # noqa: E402

SURGERY = datetime.date(2026, 1, 5)


def _day(date: datetime.date, fields: dict):
    from recovery.rules import Day

    return Day(
        date=date,
        pain=fields.get("pain"),
        walking_minutes=fields.get("walking_minutes"),
        steps=fields.get("steps"),
        opioid_use=fields.get("opioid_use"),
        symptoms=tuple(fields.get("symptoms", ())),
        milestones=tuple(fields.get("milestones", ())),
    )


def replay_patient(sim: SimPatient, plan) -> list[Raised]:
    """One patient's 90 days: alerts opened, updated and resolved in memory as the engine would."""
    from recovery import rules
    from recovery.choices import AlertKind, AlertStatus
    from recovery.services.engine.reconcile import Plan, finding_details, reconcile

    alerts: list[rules.AlertView] = []
    raised: dict[int, Raised] = {}
    days: list = []
    questions: dict[str, rules.Question] = {}
    next_id = 1

    def apply(p: Plan, day: int) -> None:
        nonlocal next_id
        for _, f in p.opens:
            view = rules.AlertView(next_id, f.kind, f.severity, AlertStatus.OPEN, f.evidence_date, f.recovery_day, f.message,
                                   finding_details(f))
            alerts.append(view)
            raised[next_id] = Raised(f.kind, day, {k: {day} for k in f.keys} if f.kind == AlertKind.RED_FLAG else {})
            next_id += 1
        for current, merged, new_items, _ in p.updates:
            i = next(i for i, a in enumerate(alerts) if a.id == current.id)
            status = AlertStatus.OPEN if new_items and current.status == AlertStatus.ACKNOWLEDGED else current.status
            alerts[i] = replace(current, severity=merged.severity, status=status, evidence_date=merged.evidence_date,
                                recovery_day=merged.recovery_day, message=merged.message, details=finding_details(merged))
            if merged.kind == AlertKind.RED_FLAG:
                for k in merged.keys:
                    raised[current.id].red_flag_days.setdefault(k, set()).add(day)
        for current, _ in p.resolves:
            i = next(i for i, a in enumerate(alerts) if a.id == current.id)
            alerts[i] = replace(current, status=AlertStatus.RESOLVED)

    def judge(date: datetime.date, *, ended: bool, kinds) -> None:
        s = rules.Snapshot(
            surgery_date=SURGERY, procedure=sim.procedure, plan=plan, as_of=date, days=tuple(days), day_ended=ended,
            enrolled_on=SURGERY, alerted_red_flags=frozenset(k for a in alerts if a.kind == AlertKind.RED_FLAG for k in a.keys),
            questions=dict(questions),
        )
        p = Plan()
        findings = rules.judge(s, kinds)
        if kinds is None and ended:
            for code in rules.milestone_questions_owed(s):
                questions.setdefault(code, rules.Question(code, date + datetime.timedelta(days=1)))
        reconcile(p, patient_id=sim.index, snapshot=s, findings=findings, alerts=list(alerts),
                  update_kinds=kinds if kinds is not None else frozenset(rules.RULES))
        apply(p, (date - SURGERY).days)

    for day in range(0, plan.program_days + 1):
        date = SURGERY + datetime.timedelta(days=day)
        fields = sim.days.get(day)
        if fields:
            fields = dict(fields)
            said_no = False
            # The questions asked, answered (or not) as the generated patient would, with the check-in.
            for code, q in list(questions.items()):
                if q.answer is None:
                    answer = sim.answers(code, day)
                    if answer is not None:
                        questions[code] = replace(q, answer=answer, answered_on=date)
                        if answer:
                            fields["milestones"] = [*fields.get("milestones", ()), code]
                        said_no = said_no or not answer
            days.append(_day(date, fields))
            judge(date, ended=False, kinds=rules.CHECKIN_KINDS)
            if said_no:
                judge(date, ended=False, kinds=None)  # a "no" is judged at once (milestone_question_answer)
        if day < plan.program_days:
            judge(date, ended=True, kinds=None)
    return list(raised.values())


def run(role: str = "all", *, plans=None, patients: int | None = None) -> list[tuple[str, object]]:
    from bench.cohorts import build
    from recovery.protocols import protocol_plans

    plans = plans or protocol_plans()
    out = []
    first = 0
    for spec in COHORTS:
        if role != "all" and spec.role != role:
            continue
        sims = build(spec, first_index=first, patients=patients)
        first += len(sims)
        raised = {sim.index: replay_patient(sim, plans[sim.procedure]) for sim in sims}
        out.append((spec.role, measure(spec.name, sims, raised, surgery_date=SURGERY)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", default="tuning", choices=("tuning", "held_out", "earlier_held_out", "all"))
    parser.add_argument("--patients-per-cohort", type=int, default=None, help="the first N of each cohort (default: all)")
    args = parser.parse_args()
    from bench.common import use_database

    use_database(os.environ.get("BENCH_QUALITY_FAST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery_quality_fast"), fresh=False)
    print(report(run(args.role, patients=args.patients_per_cohort), header=f"In-memory replay, {args.role} cohorts"))


if __name__ == "__main__":
    main()
