"""A synthetic clinic for demos and benchmarks: nurses, and patients at every stage of recovery.

Most patients follow the expected timeline of clinical.md (pain falling under the protocol's bounds,
walking rising above them, milestones reached in their windows); some deviate the way the deviation
rules look for. Names and phone numbers are invented (+1555 01...). The same seed gives the same data.
Every patient was added to the service on the day of surgery, so that a nurse meets the demo as a
clinic would: silence, overdue milestones and trends count from surgery, not from the day of seeding.
Patients are written with bulk inserts, so that tens of thousands of patients load in minutes.
"""

import datetime
import math
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from patients.choices import CERVICAL_PROCEDURES, Condition, Language, Procedure
from patients.models import Clinic, Patient
from patients.services import nurse_create
from recovery.choices import Channel, Milestone, Symptom
from recovery.models import DailyRecord, MilestoneQuestion
from recovery.protocols import ProtocolPlan, protocol_plans

DEMO_CLINIC = "Demo Spine Clinic"
DEMO_NURSE_USERNAME = "nurse"
DEMO_NURSE_PASSWORD = "demo-nurse-pass"
SECOND_CLINIC = "Demo Valley Spine Center"
SECOND_NURSE_USERNAME = "nurse.valley"
DEMO_ADMIN_USERNAME = "admin"
DEMO_ADMIN_PASSWORD = "demo-admin-pass"
# When, on the day of surgery (patient-local), each demo patient was added to the service.
ENROLLED_AT = datetime.time(7, 0)

# How each patient's story goes. All but ON_TRACK give the deviation rules something to find.
ON_TRACK = "on_track"
RED_FLAG = "red_flag"
PAIN_NOT_IMPROVING = "pain_not_improving"
PAIN_RISING = "pain_rising"
STOPPED_ANSWERING = "stopped_answering"
OPIOID_PROLONGED = "opioid_prolonged"
WALKING_LITTLE = "walking_little"
# Checking in, recovering well otherwise, but never back to normal activities past its overdue day.
MILESTONE_OVERDUE = "milestone_overdue"
# Share of patients on each deviating track, most restrictive eligibility first (they are picked in
# this order, so a rare stage is not used up by a track that could have taken anyone).
DEVIATION_SHARES = {
    MILESTONE_OVERDUE: 0.03,
    OPIOID_PROLONGED: 0.03,
    PAIN_NOT_IMPROVING: 0.04,
    WALKING_LITTLE: 0.04,
    PAIN_RISING: 0.04,
    STOPPED_ANSWERING: 0.04,
    RED_FLAG: 0.03,
}

# Procedure mix of a spine practice, as a repeating pattern of 20.
_PROCEDURE_PATTERN = (
    [Procedure.MIS_LUMBAR_FUSION] * 8
    + [Procedure.OPEN_LUMBAR_FUSION] * 5
    + [Procedure.ACDF] * 5
    + [Procedure.POSTERIOR_CERVICAL_FUSION] * 2
)
_TIMEZONE_PATTERN = (
    ["America/New_York"] * 6
    + ["America/Chicago"] * 5
    + ["America/Denver"] * 2
    + ["America/Phoenix"] * 2
    + ["America/Los_Angeles"] * 4
    + ["America/Anchorage", "Pacific/Honolulu"]
)
_LANGUAGE_PATTERN = [Language.EN] * 3 + [Language.ES]
_REMINDER_PATTERN = [datetime.time(18, 0)] * 5 + [datetime.time(9, 0), datetime.time(12, 30), datetime.time(19, 30)]
_LUMBAR_CONDITIONS = [
    Condition.DEGENERATIVE_DISC_DISEASE,
    Condition.LUMBAR_STENOSIS,
    Condition.SPONDYLOLISTHESIS,
    Condition.HERNIATED_DISC,
    Condition.DEFORMITY,
    Condition.FRACTURE,
]
_CERVICAL_CONDITIONS = [Condition.CERVICAL_STENOSIS, Condition.HERNIATED_DISC, Condition.DEGENERATIVE_DISC_DISEASE]
_RARE_CONDITIONS = [Condition.TUMOR, Condition.INFECTION]

# Invented names: common first names with surnames that are obviously made up.
_FIRST_NAMES_EN = [
    "Avery", "Blake", "Casey", "Dana", "Elliot", "Frankie", "Glen", "Harper", "Indy", "Jesse", "Kendall",
    "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Riley", "Sage", "Taylor", "Val", "Wren",
]  # fmt: skip
_LAST_NAMES_EN = [
    "Testwell", "Samplesworth", "Demoford", "Mockley", "Placeholt", "Fictorson", "Madeupton", "Stubbins",
    "Dummings", "Examplar", "Synthwick", "Pretendal", "Notreal", "Fakenhurst", "Specimen", "Trialby",
]  # fmt: skip
_FIRST_NAMES_ES = [
    "Lucía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Sofía", "Tomás", "Renata", "Emilio",
    "Ximena", "Joaquín", "Paloma", "Andrés",
]  # fmt: skip
_LAST_NAMES_ES = [
    "Ejemplar", "Pruebas", "Ficticio", "Muestrario", "Simulado", "Inventado", "Modelón", "Ensayo",
    "Supuesto", "Borrador",
]  # fmt: skip

_NOTES = {
    Language.EN: ["Walked to the mailbox and back.", "Slept better last night.", "Sore after physical therapy.", "Feeling stronger today."],
    Language.ES: ["Caminé hasta el buzón y volví.", "Dormí mejor anoche.", "Adolorido después de la terapia.", "Me siento más fuerte hoy."],
}

# Share of the pre-operative daily steps walked by post-operative day (clinical.md: -71% in week 1,
# -37% in week 2, -23% in week 4, mostly recovered within 8 weeks), linearly between the points.
_STEPS_RECOVERY = [(0, 0.05), (7, 0.29), (14, 0.63), (28, 0.77), (56, 0.95), (90, 1.0)]
# Milestones that not every patient has (no brace prescribed, retired, does not drive).
_MILESTONE_SHARE = {
    Milestone.BRACE_OFF: 0.5,
    Milestone.PHYSICAL_THERAPY_STARTED: 0.85,
    Milestone.RETURNED_TO_WORK: 0.6,
    Milestone.DRIVING: 0.85,
}


@dataclass(frozen=True)
class DemoPatient:
    """Who one demo patient is and how their recovery goes (independent of any database row)."""

    index: int
    second_clinic: bool
    first_name: str
    last_name: str
    phone: str
    timezone: str
    language: str
    procedure: str
    condition: str
    reminder_time: datetime.time
    sms_opt_in: bool
    # The post-operative day today, in the patient's time zone.
    recovery_day: int
    track: str
    public_id: uuid.UUID


@dataclass
class DemoDay:
    day: int
    channel: str = Channel.APP
    pain: int | None = None
    walking_minutes: int | None = None
    steps: int | None = None
    opioid_use: bool | None = None
    symptoms: list[str] = field(default_factory=list)
    milestones: list[str] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class DemoSummary:
    patients: int
    daily_records: int
    tracks: dict[str, int]


class DemoAlreadySeeded(Exception):
    """The demo clinics already have patients; seeding again would double them."""


def _spread(rng: random.Random, count: int, pattern: list) -> list:
    """`count` values in the proportions of `pattern`, in a random order."""
    values = [pattern[i % len(pattern)] for i in range(count)]
    rng.shuffle(values)
    return values


def _eligible(track: str, *, day: int, procedure: str, plans: dict[str, ProtocolPlan]) -> bool:
    """Whether a patient on this day can show the track's deviation (each needs days to show)."""
    plan = plans[procedure]
    if day > plan.program_days:
        return track == ON_TRACK
    if track == OPIOID_PROLONGED:
        window = plan.milestone(Milestone.OFF_OPIOIDS)
        return window is not None and window.overdue_after is not None and day >= window.overdue_after + 3
    if track == MILESTONE_OVERDUE:
        window = plan.milestone(Milestone.NORMAL_ACTIVITIES)
        return window is not None and window.overdue_after is not None and day >= window.overdue_after + 2
    minimum = {PAIN_NOT_IMPROVING: 16, WALKING_LITTLE: 10, PAIN_RISING: 9, STOPPED_ANSWERING: 10, RED_FLAG: 1}
    return day >= minimum.get(track, 0) and not (track == RED_FLAG and day > 60)


def demo_patients(*, count: int, days: int, seed: int, plans: dict[str, ProtocolPlan]) -> list[DemoPatient]:
    """The demo population: recovery days spread evenly from 0 to 2 x `days` - 1 (so that the mean
    history is `days` long), procedures, time zones and languages in fixed proportions, and about
    a fifth on a deviating track."""
    rng = random.Random(f"demo-population:{seed}")
    span = max(1, 2 * days)
    stages = [min(span - 1, int((i + rng.random()) * span / count)) for i in range(count)]
    rng.shuffle(stages)
    procedures = _spread(rng, count, _PROCEDURE_PATTERN)
    timezones = _spread(rng, count, _TIMEZONE_PATTERN)
    languages = _spread(rng, count, _LANGUAGE_PATTERN)
    reminders = _spread(rng, count, _REMINDER_PATTERN)
    second = _spread(rng, count, [False] * 4 + [True])

    tracks = [ON_TRACK] * count
    for track, share in DEVIATION_SHARES.items():
        wanted = round(count * share) or (1 if count >= 12 else 0)
        eligible = [
            i for i in range(count) if tracks[i] == ON_TRACK and _eligible(track, day=stages[i], procedure=procedures[i], plans=plans)
        ]
        for i in rng.sample(eligible, min(wanted, len(eligible))):
            tracks[i] = track

    people = []
    for i in range(count):
        person = random.Random(f"demo-person:{seed}:{i}")
        spanish = languages[i] == Language.ES
        cervical = procedures[i] in CERVICAL_PROCEDURES
        conditions = _CERVICAL_CONDITIONS if cervical else _LUMBAR_CONDITIONS
        condition = person.choice(_RARE_CONDITIONS) if person.random() < 0.03 else person.choice(conditions)
        people.append(
            DemoPatient(
                index=i,
                second_clinic=second[i],
                first_name=person.choice(_FIRST_NAMES_ES if spanish else _FIRST_NAMES_EN),
                last_name=person.choice(_LAST_NAMES_ES if spanish else _LAST_NAMES_EN),
                # +1 555 01x xxxx: the fictional 555-01xx range; wraps past 100,000 patients.
                phone=f"+155501{i % 100000:05d}",
                timezone=timezones[i],
                language=languages[i],
                procedure=procedures[i],
                condition=condition,
                reminder_time=reminders[i],
                sms_opt_in=person.random() >= 0.03,
                recovery_day=stages[i],
                track=tracks[i],
                public_id=uuid.UUID(int=person.getrandbits(128), version=4),
            )
        )
    return people


def _interpolate(points: list[tuple[int, float]], day: int) -> float:
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if day <= d1:
            return v0 + (v1 - v0) * (max(day, d0) - d0) / (d1 - d0)
    return points[-1][1]


def _milestone_days(person: DemoPatient, plan: ProtocolPlan, rng: random.Random) -> dict[str, int]:
    """The post-operative day each milestone is reached (some never are, by track or by share)."""
    reached = {}
    for window in plan.milestones:
        code = window.code
        if rng.random() >= _MILESTONE_SHARE.get(code, 1.0):
            continue
        if code == Milestone.OFF_OPIOIDS and person.track == OPIOID_PROLONGED:
            continue
        if code == Milestone.NORMAL_ACTIVITIES and person.track == MILESTONE_OVERDUE:
            continue
        if code == Milestone.DISCHARGED and person.procedure == Procedure.MIS_LUMBAR_FUSION and rng.random() < 0.73:
            reached[code] = 0  # clinical.md: 73% of MIS-TLIF patients go home on the day of surgery.
            continue
        day = rng.randint(window.expected_from, window.expected_by)
        if person.track in (PAIN_NOT_IMPROVING, WALKING_LITTLE) and window.overdue_after is None and window.expected_from >= 7:
            # A slow recovery reaches the later milestones late (never those that alert when overdue).
            day = window.expected_by + rng.randint(7, 21)
        reached[code] = day
    return reached


def demo_days(person: DemoPatient, plan: ProtocolPlan, *, seed: int, checked_in_today: bool) -> list[DemoDay]:
    """The patient's daily records, from the day of surgery up to today (or yesterday, when today's
    check-in has not come yet), capped at the program's last day.

    1. Draw the patient's own curves: pain falling from an early peak towards a floor, walking
       rising towards a plateau, steps recovering as clinical.md describes.
    2. Reach each milestone on a day in its window; log opioid use until the day off opioids.
    3. Skip a day now and then (never two in a row, never a day with a milestone), and send a
       few check-ins by SMS (pain only).
    4. Bend the curves for the patient's track (a red flag, pain that does not settle or rises
       again, silence, opioids past their window, little walking).
    """
    rng = random.Random(f"demo-days:{seed}:{person.index}")
    slow = person.procedure in (Procedure.OPEN_LUMBAR_FUSION, Procedure.POSTERIOR_CERVICAL_FUSION)
    cervical = person.procedure in CERVICAL_PROCEDURES
    peak = rng.choice([6, 7] if slow else [5, 6, 7])
    floor = rng.choice([0, 1, 1, 2])
    pain_tau = rng.uniform(16, 26) if slow else rng.uniform(9, 16)
    walk_plateau = rng.uniform(35, 70) + (10 if cervical else 0)
    walk_tau = rng.uniform(10, 18) if slow else rng.uniform(7, 12)
    preop_steps = rng.randint(3500, 8000) * (1.1 if cervical else 1.0)
    counts_steps = rng.random() < 0.7
    milestones = _milestone_days(person, plan, rng)
    off_opioids = milestones.get(Milestone.OFF_OPIOIDS)

    today = person.recovery_day
    last = min(today if checked_in_today else today - 1, plan.program_days)
    if person.track == STOPPED_ANSWERING:
        last = min(last, today - rng.randint(4, 7))
    rise_from = today - rng.randint(4, 5) if person.track == PAIN_RISING else None
    flag_day = (today if checked_in_today else today - 1) if person.track == RED_FLAG else None
    forced = set(milestones.values()) | ({flag_day} if flag_day is not None else set())
    if rise_from is not None:
        forced |= set(range(rise_from, today + 1))
    if person.track == WALKING_LITTLE:
        forced |= set(range(today - 7, today + 1))  # a week of walking logged, all of it short

    days: list[DemoDay] = []
    skipped_yesterday = False
    for d in range(0, last + 1):
        if d not in forced and not skipped_yesterday and d < last and rng.random() < 0.06:
            skipped_yesterday = True
            continue
        skipped_yesterday = False
        record = DemoDay(day=d)
        pain_max = plan.pain_max(d)
        curve = floor + (peak - floor) * math.exp(-d / pain_tau)
        pain = max(0, round(curve) - (1 if rng.random() < 0.25 else 0))
        if pain_max is not None:
            pain = min(pain, pain_max - 1)
        if person.track == OPIOID_PROLONGED and pain_max is not None:
            pain = min(pain + 1, pain_max - 1)
        if person.track == PAIN_NOT_IMPROVING and d >= 8 and pain_max is not None:
            pain = min(10, max(pain, pain_max + rng.choice([1, 1, 2])))
        if rise_from is not None and d >= rise_from:
            # Up 2 points on the first day and 1 more each day: past the MCID over any 3 days.
            pain = min(10, _pain_before(days, rise_from) + (d - rise_from + 2))
        if person.track == STOPPED_ANSWERING and d == last and person.index % 3 == 0:
            pain = max(pain, 7)  # silence after a bad day: the missed check-ins alert is high
        record.pain = pain

        if d not in forced and rng.random() < 0.1:
            record.channel = Channel.SMS  # an SMS reply carries the pain only
            days.append(record)
            continue

        walking_min = plan.walking_min(d)
        walking = 3 + (walk_plateau - 3) * (1 - math.exp(-d / walk_tau))
        walking = round(walking * rng.uniform(0.85, 1.15)) if d > 0 else rng.randint(2, 10)
        if walking_min is not None:
            walking = max(walking, walking_min + 2)
            if person.track == WALKING_LITTLE and d >= 4:
                walking = round(walking_min * rng.uniform(0.3, 0.6))
        record.walking_minutes = walking
        if counts_steps:
            share = _interpolate(_STEPS_RECOVERY, d) * (0.4 if person.track == WALKING_LITTLE else 1.0)
            record.steps = min(100000, round(preop_steps * share * rng.uniform(0.85, 1.15)))
        record.opioid_use = off_opioids is None or d < off_opioids
        record.milestones = [code for code, day in milestones.items() if day == d]
        if d == flag_day:
            record.symptoms = [_red_flag(person, d, rng)]
            if Symptom.UNCONTROLLED_PAIN in record.symptoms:
                record.pain = max(record.pain, 8)
        if rng.random() < 0.08:
            record.note = rng.choice(_NOTES[person.language])
        days.append(record)
    return days


def _pain_before(days: list[DemoDay], day: int) -> int:
    """The last logged pain before `day` (the base a rise of pain starts from)."""
    for record in reversed(days):
        if record.day < day and record.pain is not None:
            return record.pain
    return 3


def _red_flag(person: DemoPatient, day: int, rng: random.Random) -> str:
    if person.procedure in CERVICAL_PROCEDURES:
        choices = [Symptom.TROUBLE_SWALLOWING] * 3 + [Symptom.FEVER, Symptom.NEW_NUMBNESS, Symptom.UNCONTROLLED_PAIN]
    else:
        choices = [Symptom.FEVER, Symptom.CALF_PAIN_SWELLING, Symptom.NEW_NUMBNESS, Symptom.UNCONTROLLED_PAIN, Symptom.NEW_WEAKNESS]
    if 2 <= day <= 30:
        choices += [Symptom.WOUND_DRAINAGE] * 2
    if rng.random() < 0.1:
        return rng.choice([Symptom.BLADDER_BOWEL, Symptom.CHEST_PAIN_BREATHLESS])
    return rng.choice(choices)


def _demo_staff() -> tuple[Clinic, Clinic]:
    """The two demo clinics, a nurse on call in each, and an administrator for the admin site."""
    main, _ = Clinic.objects.get_or_create(name=DEMO_CLINIC, defaults={"phone": "+15550199000", "timezone": "America/Chicago"})
    second, _ = Clinic.objects.get_or_create(name=SECOND_CLINIC, defaults={"phone": "+15550199100", "timezone": "America/Denver"})
    nurse_create(
        username=DEMO_NURSE_USERNAME, password=DEMO_NURSE_PASSWORD, clinic_name=main.name,
        phone="+15550199001", on_call=True, first_name="Demo", last_name="Nurse",
    )  # fmt: skip
    nurse_create(
        username=SECOND_NURSE_USERNAME, password=DEMO_NURSE_PASSWORD, clinic_name=second.name,
        phone="+15550199101", on_call=True, first_name="Valley", last_name="Nurse",
    )  # fmt: skip
    User = get_user_model()
    if not User.objects.filter(username=DEMO_ADMIN_USERNAME).exists():
        User.objects.create_superuser(username=DEMO_ADMIN_USERNAME, password=DEMO_ADMIN_PASSWORD, email="")
    return main, second


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def demo_seed(
    *,
    patients: int,
    days: int,
    seed: int,
    now: datetime.datetime | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    batch_size: int = 2000,
) -> DemoSummary:
    """Write the demo clinics, their nurses and `patients` patients with their daily records.

    Everything is one transaction of bulk inserts, `batch_size` rows at a time; `progress(patients
    done, patients in all, daily records so far)` is called after each batch of patients. Raises
    DemoAlreadySeeded when the demo clinics already have patients.
    """
    now = now or timezone.now()
    plans = protocol_plans()
    people = demo_patients(count=patients, days=days, seed=seed, plans=plans)
    User = get_user_model()
    tracks: dict[str, int] = {}
    written = 0
    with transaction.atomic():
        main, second = _demo_staff()
        if Patient.objects.filter(clinic__in=[main, second]).exists():
            raise DemoAlreadySeeded(f"{DEMO_CLINIC} already has patients")
        # An unusable password ("!" and random text) for every patient login: patients never have one.
        unusable = make_password(None)
        done = 0
        for chunk in _chunks(people, batch_size):
            users = User.objects.bulk_create(
                [User(username=f"patient-{p.public_id}", password=unusable, date_joined=now) for p in chunk], batch_size=batch_size
            )
            rows, records = [], []
            for person, user in zip(chunk, users, strict=True):
                row, person_records = _patient_rows(person, plans[person.procedure], clinic=second if person.second_clinic else main, user=user, seed=seed, now=now)
                rows.append(row)
                records.append(person_records)
                tracks[person.track] = tracks.get(person.track, 0) + 1
            # Each patient was added on the morning of the surgery, as a clinic enrolls them: absence
            # and overdue milestones count from there. (bulk_create stamps created_at with now, as
            # auto_now_add does; the update sets the real day.)
            added = [row.created_at for row in rows]
            Patient.objects.bulk_create(rows, batch_size=batch_size)
            for row, when in zip(rows, added, strict=True):
                row.created_at = when
            Patient.objects.bulk_update(rows, ["created_at"], batch_size=batch_size)
            pending = []
            for row, person_records in zip(rows, records, strict=True):
                for record in person_records:
                    record.patient_id = row.pk
                pending.extend(person_records)
                if len(pending) >= batch_size * 5:
                    DailyRecord.objects.bulk_create(pending, batch_size=batch_size * 5)
                    written += len(pending)
                    pending = []
            DailyRecord.objects.bulk_create(pending, batch_size=batch_size * 5)
            written += len(pending)
            MilestoneQuestion.objects.bulk_create(
                [_said_no(row, plans[person.procedure], now) for person, row in zip(chunk, rows, strict=True) if person.track == MILESTONE_OVERDUE]
            )
            done += len(chunk)
            if progress:
                progress(done, len(people), written)
    if connection.vendor == "postgresql":
        # Fresh statistics, so the first queries on a large demo plan with its real size.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Patient._meta.db_table}, {DailyRecord._meta.db_table}")  # noqa: S608 - table names
    return DemoSummary(patients=len(people), daily_records=written, tracks=tracks)


def _said_no(row: Patient, plan: ProtocolPlan, now: datetime.datetime) -> MilestoneQuestion:
    """The milestone track's patient was asked about normal activities the day after the overdue day
    and said no (recovery.services.milestone_questions): the sweep then alerts the nurse."""
    asked_on = row.surgery_date + datetime.timedelta(days=plan.milestone(Milestone.NORMAL_ACTIVITIES).overdue_after + 1)
    return MilestoneQuestion(patient_id=row.pk, milestone=Milestone.NORMAL_ACTIVITIES, state=MilestoneQuestion.State.NO,
                             asked_on=asked_on, answered_on=asked_on, answered_at=now, channel="sms")


def _patient_rows(
    person: DemoPatient, plan: ProtocolPlan, *, clinic: Clinic, user, seed: int, now: datetime.datetime
) -> tuple[Patient, list[DailyRecord]]:
    tz = ZoneInfo(person.timezone)
    local_now = now.astimezone(tz)
    surgery = local_now.date() - datetime.timedelta(days=person.recovery_day)
    # Today's check-in has come for most of those whose reminder time has passed.
    answered_today = local_now.time() >= person.reminder_time and (person.index * 7919 + seed) % 4 != 0
    days = demo_days(person, plan, seed=seed, checked_in_today=answered_today)
    discharged = next((d.day for d in days if Milestone.DISCHARGED in d.milestones), None)
    consent = datetime.datetime.combine(surgery, datetime.time(10, 0), tzinfo=tz) - datetime.timedelta(days=7)
    ended = None
    if person.recovery_day > plan.program_days:
        ended = datetime.datetime.combine(surgery + datetime.timedelta(days=plan.program_days + 1), datetime.time(0, 0), tzinfo=tz)
    patient = Patient(
        public_id=person.public_id,
        clinic=clinic,
        user=user,
        first_name=person.first_name,
        last_name=person.last_name,
        phone=person.phone,
        timezone=person.timezone,
        language=person.language,
        procedure=person.procedure,
        condition=person.condition,
        surgery_date=surgery,
        discharge_date=surgery + datetime.timedelta(days=discharged) if discharged is not None else None,
        reminder_time=person.reminder_time,
        sms_opt_in=person.sms_opt_in,
        sms_consent_at=consent,
        sms_opt_out_at=None if person.sms_opt_in else consent + datetime.timedelta(days=3),
        monitoring_ended_at=ended,
        created_at=datetime.datetime.combine(surgery, ENROLLED_AT, tzinfo=tz),
    )
    records = [
        DailyRecord(
            date=surgery + datetime.timedelta(days=d.day),
            pain=d.pain,
            walking_minutes=d.walking_minutes,
            steps=d.steps,
            opioid_use=d.opioid_use,
            symptoms=d.symptoms,
            milestones=d.milestones,
            note=d.note,
            channel=d.channel,
        )
        for d in days
    ]
    return patient, records
