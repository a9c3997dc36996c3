"""The figures of alert quality, from the alerts a replay raised and what the generator knows.

An alert is *true* when it was raised for a deviating patient on or after the day the complication
began; every other alert is false. Days count from the complication's onset to the day judged: the
check-in's own day for an alert a check-in raised, the day that had just ended for one the sweep
raised in the small hours (so the nurse has it at the start of the next morning).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.cohorts import ALL_GROUPS, GROUP_LABELS, PROGRAM_DAYS, ROLES, SimPatient

KINDS = ("red_flag", "pain_high", "pain_rising", "pain_not_improving", "walking_below_expected", "missed_checkins",
         "milestone_overdue", "opioid_prolonged")
# The targets of issue 12, judged on the held-out cohorts.
TARGET_WITHIN_DAYS = 2
TARGET_SHARE = 0.95
TARGET_FALSE_PER_100_WEEKS = 0.5


@dataclass(frozen=True)
class Raised:
    """One alert as a replay raised it: its kind, the day judged when it opened, and, per red-flag
    report it carried (date key "YYYY-MM-DD:code"), the days it was given it."""

    kind: str
    day: int
    red_flag_days: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class Quality:
    cohort: str
    patients: int
    red_flags_reported: int = 0
    red_flags_on_the_day: int = 0
    red_flag_misses: list = field(default_factory=list)
    deviating: int = 0
    deviating_within: int = 0
    normal_days: int = 0
    false_alerts: int = 0
    per_rule: dict = field(default_factory=lambda: {k: {"raised": 0, "true": 0, "delays": []} for k in KINDS})
    per_group: dict = field(default_factory=dict)
    late: list = field(default_factory=list)
    false_by_kind: Counter = field(default_factory=Counter)

    @property
    def patient_weeks(self) -> float:
        return self.normal_days / 7

    @property
    def false_per_100_weeks(self) -> float:
        return 100 * self.false_alerts / self.patient_weeks if self.normal_days else 0.0

    @property
    def share_within(self) -> float:
        return self.deviating_within / self.deviating if self.deviating else 1.0

    @property
    def share_within_3(self) -> float:  # the fast test's older name
        return self.share_within

    def targets(self) -> dict[str, bool]:
        return {
            "red flags on the day": self.red_flags_on_the_day == self.red_flags_reported,
            f">= {TARGET_SHARE:.0%} within {TARGET_WITHIN_DAYS} days": self.share_within >= TARGET_SHARE,
            f"<= {TARGET_FALSE_PER_100_WEEKS} false per 100 patient-weeks": self.false_per_100_weeks <= TARGET_FALSE_PER_100_WEEKS,
        }


def measure(cohort_name: str, sims: list[SimPatient], raised: dict[int, list[Raised]], *, through_day: int = PROGRAM_DAYS,
            surgery_date=None) -> Quality:
    """The figures of one cohort. With a replay cut short at `through_day`, only what it could show is
    counted: red flags and normal days up to it, complications with an onset at least 3 days before."""
    import datetime

    q = Quality(cohort=cohort_name, patients=len(sims))
    for sim in sims:
        alerts = sorted(raised.get(sim.index, []), key=lambda a: a.day)
        for day, code in sim.red_flags:
            if day > through_day:
                continue
            q.red_flags_reported += 1
            key = f"{(surgery_date + datetime.timedelta(days=day)).isoformat()}:{code}" if surgery_date else f"{day}:{code}"
            hit = any(day in a.red_flag_days.get(key, ()) for a in alerts if a.kind == "red_flag")
            q.red_flags_on_the_day += hit
            if not hit:
                q.red_flag_misses.append((sim.index, day, code))
        q.normal_days += min(sim.last_day, through_day, PROGRAM_DAYS) + 1
        for a in alerts:
            stats = q.per_rule.setdefault(a.kind, {"raised": 0, "true": 0, "delays": []})
            stats["raised"] += 1
            if sim.start is not None and a.day >= sim.start:
                stats["true"] += 1
                stats["delays"].append(max(0, a.day - sim.onset))
            else:
                q.false_alerts += 1
                q.false_by_kind[a.kind] += 1
        if sim.group == "normal" or sim.onset > through_day - 3:
            continue
        q.deviating += 1
        g = q.per_group.setdefault(sim.group, {"patients": 0, "within": 0, "delays": [], "kinds": Counter()})
        g["patients"] += 1
        after = [a for a in alerts if a.day >= sim.start]
        if after:
            delay = max(0, after[0].day - sim.onset)
            g["delays"].append(delay)
            g["kinds"][after[0].kind] += 1
            if delay <= TARGET_WITHIN_DAYS:
                g["within"] += 1
                q.deviating_within += 1
                continue
        q.late.append(
            f"{GROUP_LABELS[sim.group]} ({sim.procedure}, {', '.join(sim.traits) or 'no trait'}): began day {sim.start}, "
            f"onset day {sim.onset}, " + (f"first alert {after[0].kind} on day {after[0].day}" if after else "no alert")
        )
    return q


def _median(values) -> str:
    return f"{statistics.median(values):g}" if values else "-"


def cohort_rows(qualities: list[tuple[str, Quality]]) -> list[str]:
    """The per-cohort table: role, red flags, share within 2 days, false alerts per 100 patient-weeks."""
    lines = [
        f"| cohort | role | patients | red flags alerted on the day | deviating within {TARGET_WITHIN_DAYS} days of onset "
        "| false alerts per 100 patient-weeks (false alerts by rule) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for role, q in qualities:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(q.false_by_kind.items()))
        lines.append(
            f"| {q.cohort} | {role} | {q.patients} | {q.red_flags_on_the_day} of {q.red_flags_reported} "
            f"| {q.deviating_within} of {q.deviating} ({100 * q.share_within:.1f}%) "
            f"| {q.false_per_100_weeks:.2f} ({q.false_alerts} in {q.patient_weeks:,.0f}{'; ' + kinds if kinds else ''}) |"
        )
    return lines


def role_label(role: str) -> str:
    return {"tuning": "tuning", "held_out": "held out", "earlier_held_out": "earlier held out"}.get(role, role)


def rule_rows(qualities: list[tuple[str, Quality]]) -> list[str]:
    """Per rule, the roles' cohorts side by side: raised, true, precision, median days from onset."""
    roles = [r for r in ROLES if any(role == r for role, _ in qualities)]
    header = "| rule | " + " | ".join(f"{role_label(r)}: raised | true | precision | median days from onset" for r in roles) + " |"
    lines = [header, "| --- |" + " --- | --- | --- | --- |" * len(roles)]
    for kind in KINDS:
        cells = []
        for role in roles:
            raised = sum(q.per_rule[kind]["raised"] for r, q in qualities if r == role)
            true = sum(q.per_rule[kind]["true"] for r, q in qualities if r == role)
            delays = [d for r, q in qualities if r == role for d in q.per_rule[kind]["delays"]]
            precision = f"{100 * true / raised:.0f}%" if raised else "-"
            cells += [str(raised), str(true), precision, _median(delays)]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return lines


def group_rows(qualities: list[tuple[str, Quality]], role: str) -> list[str]:
    lines = [
        f"| complication | patients | within {TARGET_WITHIN_DAYS} days | days from onset: median (max) | first alert kinds |",
        "| --- | --- | --- | --- | --- |",
    ]
    merged: dict[str, dict] = defaultdict(lambda: {"patients": 0, "within": 0, "delays": [], "kinds": Counter()})
    for r, q in qualities:
        if r != role:
            continue
        for group, g in q.per_group.items():
            m = merged[group]
            m["patients"] += g["patients"]
            m["within"] += g["within"]
            m["delays"] += g["delays"]
            m["kinds"] += g["kinds"]
    for group in ALL_GROUPS[1:]:
        g = merged.get(group)
        if not g:
            continue
        delays = f"{_median(g['delays'])} ({max(g['delays'])})" if g["delays"] else "-"
        kinds = ", ".join(f"{k} {v}" for k, v in g["kinds"].most_common())
        lines.append(f"| {GROUP_LABELS[group]} | {g['patients']} | {g['within']} ({100 * g['within'] / g['patients']:.0f}%) | {delays} | {kinds} |")
    return lines


def pooled(qualities: list[tuple[str, Quality]], role: str) -> Quality:
    """The cohorts of one role taken together."""
    out = Quality(cohort=f"all {role_label(role)}", patients=0)
    for r, q in qualities:
        if r != role:
            continue
        out.patients += q.patients
        out.red_flags_reported += q.red_flags_reported
        out.red_flags_on_the_day += q.red_flags_on_the_day
        out.red_flag_misses += q.red_flag_misses
        out.deviating += q.deviating
        out.deviating_within += q.deviating_within
        out.normal_days += q.normal_days
        out.false_alerts += q.false_alerts
        out.false_by_kind += q.false_by_kind
        out.late += q.late
        for kind, stats in q.per_rule.items():
            mine = out.per_rule.setdefault(kind, {"raised": 0, "true": 0, "delays": []})
            mine["raised"] += stats["raised"]
            mine["true"] += stats["true"]
            mine["delays"] += stats["delays"]
    return out


def report(qualities: list[tuple[str, Quality]], *, header: str = "") -> str:
    lines = [header, ""] if header else []
    roles = [r for r in ROLES if any(role == r for role, _ in qualities)]
    rows = list(qualities) + [(role, pooled(qualities, role)) for role in roles]
    lines += cohort_rows(rows) + [""] + rule_rows(qualities)
    for role in roles:
        lines += ["", f"Deviating patients, {role_label(role)} cohorts:", ""] + group_rows(qualities, role)
    held = pooled(qualities, "held_out")
    if held.patients:
        lines += ["", "Held-out targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in held.targets().items())]
    for _, q in qualities:
        if q.late:
            lines += ["", f"Not alerted within {TARGET_WITHIN_DAYS} days of onset ({q.cohort}):"] + [f"- {line}" for line in q.late]
    return "\n".join(lines)
