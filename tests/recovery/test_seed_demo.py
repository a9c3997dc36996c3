"""`manage.py seed_demo`: the synthetic demo clinics, the same for the same seed, with recoveries that
follow clinical.md for most patients and deviate, the way the rules look for, for some."""

import datetime
import hashlib
import json
from io import StringIO
from statistics import mean

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from patients.choices import Language, Procedure
from patients.models import ClinicMembership, Patient
from patients.selectors import patients_for_nurse
from recovery import demo
from recovery.models import DailyRecord
from recovery.protocols import protocol_plans

pytestmark = pytest.mark.django_db

# An evening in the United States: most patients' reminder time has passed, some have not.
FROZEN_NOW = datetime.datetime(2026, 3, 10, 23, 30, tzinfo=datetime.UTC)


def seed(*args) -> str:
    out = StringIO()
    with time_machine.travel(FROZEN_NOW, tick=False):
        call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def fingerprint() -> str:
    """A digest of every demo patient and daily record, leaving out database ids and row timestamps."""
    patients = Patient.objects.order_by("public_id").values_list(
        "public_id", "clinic__name", "user__username", "first_name", "last_name", "phone", "timezone", "language",
        "procedure", "condition", "surgery_date", "discharge_date", "reminder_time", "sms_opt_in",
        "sms_consent_at", "sms_opt_out_at", "monitoring_ended_at",
    )  # fmt: skip
    records = DailyRecord.objects.order_by("patient__public_id", "date").values_list(
        "patient__public_id", "date", "pain", "walking_minutes", "steps", "opioid_use", "symptoms", "milestones", "note", "channel"
    )
    return hashlib.sha256(json.dumps([list(patients), list(records)], default=str).encode()).hexdigest()


def wipe_patients() -> None:
    Patient.objects.all().delete()
    get_user_model().objects.filter(username__startswith="patient-").delete()


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    seed("--patients", "40", "--days", "30", "--seed", "3")
    first = fingerprint()
    assert Patient.objects.count() == 40
    wipe_patients()

    seed("--patients", "40", "--days", "30", "--seed", "3")
    assert fingerprint() == first
    wipe_patients()

    seed("--patients", "40", "--days", "30", "--seed", "4")
    assert fingerprint() != first


def test_it_shows_its_progress_on_stderr():
    err = StringIO()
    with time_machine.travel(FROZEN_NOW, tick=False):
        call_command("seed_demo", "--patients", "30", "--days", "10", stdout=StringIO(), stderr=err)

    # Not a terminal: a line at every tenth rather than a bar redrawn in place.
    last = err.getvalue().strip().splitlines()[-1]
    assert "100% 30/30 patients" in last
    assert f"{DailyRecord.objects.count():,} daily records" in last


def test_if_empty_does_nothing_when_patients_exist(patient_a):
    out = seed("--if-empty")

    assert "not seeded again" in out
    assert list(Patient.objects.all()) == [patient_a]


def test_it_refuses_to_seed_the_demo_clinics_twice():
    seed("--patients", "5")
    with pytest.raises(CommandError, match="already has patients"):
        seed("--patients", "5")
    assert Patient.objects.count() == 5


def test_it_refuses_a_production_address_unless_forced(settings):
    settings.HTTPS = True
    with pytest.raises(CommandError, match="production"):
        seed("--patients", "3")
    assert not Patient.objects.exists()

    seed("--patients", "3", "--force")
    assert Patient.objects.count() == 3


def test_the_demo_has_two_clinics_each_with_its_own_nurse_on_call_and_an_admin():
    out = seed()

    nurse = ClinicMembership.objects.select_related("user__nurse_profile", "clinic").get(user__username=demo.DEMO_NURSE_USERNAME)
    assert nurse.clinic.name == demo.DEMO_CLINIC
    assert nurse.on_call and nurse.user.nurse_profile.phone.startswith("+1555")
    assert nurse.user.check_password(demo.DEMO_NURSE_PASSWORD)
    other = get_user_model().objects.get(username=demo.SECOND_NURSE_USERNAME)
    assert {p.clinic.name for p in patients_for_nurse(user=nurse.user).select_related("clinic")} == {demo.DEMO_CLINIC}
    assert {p.clinic.name for p in patients_for_nurse(user=other).select_related("clinic")} == {demo.SECOND_CLINIC}
    assert get_user_model().objects.get(username=demo.DEMO_ADMIN_USERNAME).is_superuser
    assert f"{demo.DEMO_NURSE_USERNAME} / {demo.DEMO_NURSE_PASSWORD}" in out


def test_the_demo_patients_span_procedures_languages_time_zones_and_stages():
    out = seed()

    patients = list(Patient.objects.all())
    assert len(patients) == 60
    assert {p.procedure for p in patients} == set(Procedure.values)
    assert {p.language for p in patients} == {Language.EN, Language.ES}
    assert len({p.timezone for p in patients}) >= 5
    days = [p.recovery_day(p.local_today(FROZEN_NOW)) for p in patients]
    assert min(days) <= 3 and max(days) >= 90
    assert any(p.monitoring_ended_at for p in patients)
    assert all(p.phone.startswith("+155501") and p.user_id for p in patients)
    for track in ("red flag", "pain not improving", "pain rising", "stopped answering", "opioid prolonged", "walking little",
                  "milestone overdue"):
        assert track in out
    assert DailyRecord.objects.exclude(symptoms=[]).exists()


# Recoveries against clinical.md, on the generator's own output (no database writes).


@pytest.fixture(params=[True, False], ids=["answered-today", "not-yet-today"])
def population(request):
    plans = protocol_plans()
    people = demo.demo_patients(count=600, days=45, seed=11, plans=plans)
    return [
        (person, plans[person.procedure], demo.demo_days(person, plans[person.procedure], seed=11, checked_in_today=request.param))
        for person in people
    ]


def test_most_patients_are_on_track_and_every_deviation_is_present(population):
    tracks = [person.track for person, _, _ in population]
    assert tracks.count(demo.ON_TRACK) / len(tracks) > 0.7
    assert set(tracks) == {demo.ON_TRACK, *demo.DEVIATION_SHARES}


def test_on_track_patients_stay_within_the_protocol_bounds_and_reach_milestones_in_their_windows(population):
    for person, plan, days in population:
        if person.track != demo.ON_TRACK:
            continue
        logged = [d.day for d in days]
        # Never two days in a row without a check-in (the missed check-ins rule stays quiet).
        assert all(b - a <= 2 for a, b in zip(logged, logged[1:], strict=False))
        for d in days:
            assert d.pain is not None and d.pain <= plan.pain_max(d.day)
            if d.walking_minutes is not None and plan.walking_min(d.day) is not None:
                assert d.walking_minutes >= plan.walking_min(d.day)
            assert not d.symptoms
            for code in d.milestones:
                window = plan.milestone(code)
                assert window.expected_from <= d.day <= window.expected_by
        reached = {code: d.day for d in days for code in d.milestones}
        for window in plan.milestones:
            if window.alert_when_overdue and window.overdue_after is not None and person.recovery_day > window.overdue_after:
                assert window.code in reached, (person, window)
        off = reached.get("off_opioids")
        assert all(d.opioid_use is False for d in days if off is not None and d.day >= off and d.opioid_use is not None)


def _pains(days):
    return [d.pain for d in days if d.pain is not None]


def test_deviating_patients_show_what_their_rule_looks_for(population):
    for person, plan, days in population:
        today = person.recovery_day
        if person.track == demo.PAIN_RISING:
            pains = _pains(days)
            lowest = min(mean(pains[i : i + 3]) for i in range(len(pains) - 2))
            assert mean(pains[-3:]) - lowest >= 2, person
        elif person.track == demo.PAIN_NOT_IMPROVING:
            recent = [d.pain for d in days if d.day > today - 7]
            assert mean(recent) > plan.pain_max(today), person
        elif person.track == demo.STOPPED_ANSWERING:
            assert days[-1].day <= today - 4
        elif person.track == demo.OPIOID_PROLONGED:
            assert today > plan.milestone("off_opioids").overdue_after
            assert [d.opioid_use for d in days if d.opioid_use is not None][-1] is True
        elif person.track == demo.WALKING_LITTLE:
            recent = [d.walking_minutes for d in days if d.day > today - 7 and d.walking_minutes is not None]
            assert len(recent) >= 4 and mean(recent) < plan.walking_min(today), person
        elif person.track == demo.RED_FLAG:
            assert any(d.symptoms for d in days if d.day >= today - 1), person
        elif person.track == demo.MILESTONE_OVERDUE:
            assert today > plan.milestone("normal_activities").overdue_after + 1
            assert not any("normal_activities" in d.milestones for d in days), person


def test_every_demo_patient_was_added_on_the_day_of_surgery():
    seed("--patients", "40", "--days", "30")
    for patient in Patient.objects.all():
        assert patient.created_at.astimezone(patient.tz).date() == patient.surgery_date, patient


def test_after_the_first_sweep_the_demo_shows_silence_overdue_and_trends_as_a_nurse_meets_them():
    """What `make run` shows: seed_demo, then check_recovery. A patient who stopped answering is not
    "on track": the silence since the last check-in is counted from surgery, when the patient was added."""
    from recovery.models import Alert
    from recovery.selectors import staff_patients

    seed()
    nurse = get_user_model().objects.get(username=demo.DEMO_NURSE_USERNAME)
    with time_machine.travel(FROZEN_NOW, tick=False):
        call_command("check_recovery", stdout=StringIO(), stderr=StringIO())
        statuses = {p.pk: p.status for p in staff_patients(user=nurse)}
    people = {p.public_id: p for p in demo.demo_patients(count=60, days=50, seed=1, plans=protocol_plans())}
    kinds_by_track: dict[str, set[str]] = {}
    for patient in Patient.objects.filter(monitoring_ended_at__isnull=True):
        track = people[patient.public_id].track
        kinds = set(Alert.objects.filter(patient=patient).values_list("kind", flat=True))
        kinds_by_track.setdefault(track, set()).update(kinds)
        if track == demo.STOPPED_ANSWERING:
            assert "missed_checkins" in kinds, patient
            if patient.pk in statuses:
                assert statuses[patient.pk] != "on_track", patient
    assert "red_flag" in kinds_by_track[demo.RED_FLAG]
    assert "pain_not_improving" in kinds_by_track[demo.PAIN_NOT_IMPROVING]
    assert "walking_below_expected" in kinds_by_track[demo.WALKING_LITTLE]
    assert "milestone_overdue" in kinds_by_track[demo.MILESTONE_OVERDUE]
