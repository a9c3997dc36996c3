"""The cohort view and its statistics: status counts, pain by day against the bound (with each day's
count, and no median of fewer than five patients), normal activities by the end of each procedure's
window, and each rule's alerts as nurses labelled them."""

import datetime
import os
import statistics
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from patients.models import AuditEvent
from recovery.selectors.cohort import (
    cohort_milestone_share,
    cohort_pain_by_day,
    cohort_patient_days,
    cohort_rule_usefulness,
    cohort_status_counts,
    milestone_judged_by_day,
    percentile_from_counts,
)

COHORT = reverse("dashboard:cohort")


@pytest.mark.parametrize(
    "values",
    [[5], [1, 2], [3, 3, 3], [0, 2, 4, 7, 9], [1, 1, 2, 5, 5, 5, 8, 10], list(range(11)) * 3 + [4]],
)
def test_percentiles_read_off_counts_match_percentile_cont(values):
    counts = sorted({v: values.count(v) for v in values}.items())
    # percentile_cont interpolates linearly between the two nearest ranks, like the "inclusive" method.
    expected = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else [values[0]] * 3
    assert [percentile_from_counts(counts, f) for f in (0.25, 0.5, 0.75)] == pytest.approx(expected)
    assert percentile_from_counts([], 0.5) is None


def test_status_counts_split_monitored_patients_by_their_most_severe_alert(clinic_a, clinic_b, make_patient, raise_alert):
    from django.utils import timezone

    raise_alert(make_patient(), severity="urgent")
    raise_alert(make_patient(), severity="high", status="acknowledged")
    raise_alert(make_patient(), severity="routine")
    raise_alert(make_patient(), severity="urgent", status="resolved")
    make_patient()
    ended = make_patient()
    ended.monitoring_ended_at = timezone.now()
    ended.save(update_fields=["monitoring_ended_at"])
    raise_alert(make_patient(clinic=clinic_b), severity="urgent")
    assert cohort_status_counts(clinic_ids=[clinic_a.pk]) == {"alert": 2, "watch": 1, "on_track": 2, "total": 5}


def test_pain_by_day_gives_the_median_and_middle_half_per_procedure(clinic_a, clinic_b, make_patient, log_days):
    for pains in ([2, 6], [4, 6], [6, 7], [9, 8]):
        log_days(make_patient(surgery_days_ago=20), {3: {"pain": pains[0]}, 4: {"pain": pains[1]}})
    log_days(make_patient(surgery_days_ago=20, procedure="acdf"), {3: {"pain": 1}})
    log_days(make_patient(surgery_days_ago=20, clinic=clinic_b), {3: {"pain": 10}})
    # The quartiles' arithmetic, with no minimum of patients.
    rows = {(r.procedure, r.recovery_day): r for r in cohort_pain_by_day(clinic_ids=[clinic_a.pk], min_patients=1)}
    day3 = rows[("mis_lumbar_fusion", 3)]
    assert (day3.patients, day3.p25, day3.median, day3.p75) == (4, 3.5, 5.0, 6.75)
    assert rows[("mis_lumbar_fusion", 4)].median == 6.5
    assert rows[("acdf", 3)].median == 1.0
    assert set(rows) == {("mis_lumbar_fusion", 3), ("mis_lumbar_fusion", 4), ("acdf", 3)}


def test_a_day_with_fewer_than_five_patients_gives_its_count_and_no_median(clinic_a, make_patient, log_days):
    # Day 66: one patient at 7 and three at 2 -- four people, whose "median" would be one person's pain.
    for pain in (7, 2, 2, 2):
        log_days(make_patient(surgery_days_ago=70), {66: {"pain": pain}, 10: {"pain": 3}})
    log_days(make_patient(surgery_days_ago=70), {10: {"pain": 5}})
    rows = {(r.procedure, r.recovery_day): r for r in cohort_pain_by_day(clinic_ids=[clinic_a.pk])}
    day66, day10 = rows[("mis_lumbar_fusion", 66)], rows[("mis_lumbar_fusion", 10)]
    assert (day66.patients, day66.median, day66.p25, day66.p75) == (4, None, None, None)
    assert (day10.patients, day10.median) == (5, 3.0)


def test_normal_activities_is_judged_at_the_end_of_each_procedures_window(clinic_a, make_patient, log_days, today):
    from recovery.protocols import protocol_plans

    judged_by = milestone_judged_by_day(protocol_plans())
    # clinical.md: MIS fusion back to normal activities within 6 weeks, open fusion within 12.
    assert (judged_by["mis_lumbar_fusion"], judged_by["open_lumbar_fusion"]) == (42, 84)
    on_time = make_patient(surgery_days_ago=70)
    late = make_patient(surgery_days_ago=70)
    never = make_patient(surgery_days_ago=50)
    too_recent = make_patient(surgery_days_ago=30)
    log_days(on_time, {40: {"milestones": ["normal_activities"]}})
    log_days(late, {45: {"milestones": ["returned_to_work", "normal_activities"]}})
    log_days(never, {20: {"milestones": ["driving"]}})
    log_days(too_recent, {25: {"milestones": ["normal_activities"]}})
    # Open fusion at day 56 and 70 is still inside its window (to day 84): not judged, whatever it says.
    inside = make_patient(surgery_days_ago=56, procedure="open_lumbar_fusion")
    make_patient(surgery_days_ago=70, procedure="open_lumbar_fusion")
    log_days(inside, {50: {"pain": 3}})
    past = make_patient(surgery_days_ago=90, procedure="open_lumbar_fusion")
    log_days(past, {80: {"milestones": ["normal_activities"]}})
    shares = cohort_milestone_share(clinic_ids=[clinic_a.pk], by_day=judged_by, as_of=today)
    assert [(s.procedure, s.by_day, s.eligible, s.reached) for s in shares] == [
        ("mis_lumbar_fusion", 42, 3, 1),
        ("open_lumbar_fusion", 84, 1, 1),
    ]
    assert shares[0].share == pytest.approx(1 / 3)
    # One day for every procedure, as before.
    assert [(s.procedure, s.eligible) for s in cohort_milestone_share(clinic_ids=[clinic_a.pk], by_day=56, as_of=today)] == [
        ("mis_lumbar_fusion", 2),
        ("open_lumbar_fusion", 3),
    ]


def _added(patient, days_after_surgery: int) -> None:
    """Backdate when the patient was added: `days_after_surgery` days after the surgery, at noon."""
    from django.utils import timezone

    from patients.models import Patient

    when = timezone.make_aware(datetime.datetime.combine(patient.surgery_date + datetime.timedelta(days=days_after_surgery), datetime.time(12)))
    Patient.objects.filter(pk=patient.pk).update(created_at=when)


# Each rule's figures from a small table of alerts: (kind, useful label) for the clinic's patients.
ALERTS = [
    ("pain_rising", "needed_action"),
    ("pain_rising", "not_needed"),
    ("pain_rising", "not_needed"),
    ("pain_rising", "duplicate"),
    ("pain_rising", ""),  # resolved by the system, or still open: raised, not labelled
    ("red_flag", "needed_action"),
    ("red_flag", "needed_action"),
    ("milestone_overdue", ""),
]


def test_each_rules_alerts_share_useful_and_rate_per_100_patient_weeks(clinic_a, clinic_b, make_patient, raise_alert, today):
    from recovery.models import Alert

    # Monitored days: 70 (added at surgery, 70 days ago), 30 (added on day 40 of 70), 0 (added
    # today), 90 (program of 90 days, surgery 120 days ago): 190 days, 190/7 patient-weeks.
    patients = [make_patient(surgery_days_ago=70), make_patient(surgery_days_ago=70), make_patient(surgery_days_ago=5),
                make_patient(surgery_days_ago=120)]
    _added(patients[0], 0)
    _added(patients[1], 40)
    _added(patients[3], 0)
    other_clinic = make_patient(clinic=clinic_b, surgery_days_ago=70)
    _added(other_clinic, 0)
    Alert.objects.filter(pk=raise_alert(other_clinic, severity="high", kind="pain_rising").pk).update(useful="not_needed")
    assert cohort_patient_days(clinic_ids=[clinic_a.pk], as_of=today) == 190
    for n, (kind, useful) in enumerate(ALERTS):
        alert = raise_alert(patients[n % 2], severity="high", kind=kind, status="resolved" if useful else "open")
        Alert.objects.filter(pk=alert.pk).update(useful=useful)
    rules = {r.kind: r for r in cohort_rule_usefulness(clinic_ids=[clinic_a.pk], as_of=today)}
    rising = rules["pain_rising"]
    assert (rising.raised, rising.labelled, rising.needed_action, rising.not_needed, rising.duplicate) == (5, 4, 1, 2, 1)
    assert rising.useful_share == pytest.approx(1 / 4)
    assert rising.per_100_patient_weeks == pytest.approx(100 * 5 / (190 / 7))
    assert (rules["red_flag"].raised, rules["red_flag"].useful_share) == (2, 1.0)
    assert (rules["milestone_overdue"].raised, rules["milestone_overdue"].useful_share) == (1, None)
    assert (rules["missed_checkins"].raised, rules["missed_checkins"].per_100_patient_weeks) == (0, 0)
    # No monitored time at all: no rate, rather than a division by zero.
    assert cohort_rule_usefulness(clinic_ids=[], as_of=today)[0].per_100_patient_weeks is None


def test_the_cohort_page_shows_counts_charts_and_shares_for_the_nurses_clinics(
    nurse_client_a, make_patient, log_days, raise_alert, clinic_b
):
    patient = make_patient(surgery_days_ago=70)
    log_days(patient, {3: {"pain": 9}, 30: {"pain": 2, "milestones": ["normal_activities"]}})
    raise_alert(patient, severity="urgent")
    # Day 3: five patients, enough for a median; day 30: one, shown as a count only.
    for _ in range(4):
        log_days(make_patient(surgery_days_ago=20), {3: {"pain": 9}})
    make_patient(surgery_days_ago=70, procedure="open_lumbar_fusion")
    log_days(make_patient(clinic=clinic_b, procedure="acdf"), {3: {"pain": 10}})
    response = nurse_client_a.get(COHORT)
    assert response.status_code == 200
    assert response.context["counts"] == {"alert": 1, "watch": 0, "on_track": 5, "total": 6}
    procedures = {p["code"]: p for p in response.context["procedures"]}
    assert set(procedures) == {"mis_lumbar_fusion", "open_lumbar_fusion"}  # not clinic B's acdf
    assert (procedures["mis_lumbar_fusion"]["share"].eligible, procedures["mis_lumbar_fusion"]["share"].reached) == (1, 1)
    assert procedures["open_lumbar_fusion"]["by_day"] == 84
    html = response.content.decode()
    assert 'id="cohort-mis_lumbar_fusion"' in html and 'class="band-edge"' in html
    # Day 3's median (9) is above the bound (8): a diamond and the words "above".
    assert 'class="point outside"' in html and "◆ above" in html
    assert "too few patients" in html and "Day 30: 1 patient</title>" in html
    assert "100%" in html
    assert 'id="rule-usefulness"' in html and 'data-kind="pain_rising"' in html
    assert AuditEvent.objects.filter(resource="cohort", patient__isnull=True, channel="dashboard").count() == 1


def test_the_cohort_page_takes_a_fixed_number_of_queries(
    nurse_client_a, make_patient, log_days, raise_alert, django_assert_num_queries
):
    # Queries: session, user, clinics; status counts; patients per procedure; pain quartiles by
    # procedure and day; the protocols, milestones and bands; the normal-activities share; the
    # alerts by rule and the patient-days; the questionnaire scores (the share reaching the MCID);
    # the audit row; the navigation's counts (open alerts and unread messages, one statement).
    log_days(make_patient(surgery_days_ago=10), {1: {"pain": 5}})
    with django_assert_num_queries(15):
        nurse_client_a.get(COHORT)
    for n in range(12):
        patient = make_patient(surgery_days_ago=60 + n, procedure=("acdf", "mis_lumbar_fusion", "open_lumbar_fusion")[n % 3])
        log_days(patient, {d: {"pain": (d + n) % 10} for d in range(0, 60, 7)})
        raise_alert(patient, severity="high")
    with django_assert_num_queries(15):
        nurse_client_a.get(COHORT)


def test_the_cohort_statistics_and_the_pages_run_on_sqlite_too(tmp_path):
    """`make run` uses SQLite, which has no percentile_cont and no JSON containment: the fallbacks
    must give the same answers, and every page must render. Runs in a child process with its own
    SQLite database."""
    root = Path(__file__).resolve().parents[2]
    script = (
        "import datetime, uuid\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from patients.models import Clinic\n"
        "from patients.services import patient_create\n"
        "from recovery.services import checkin_submit\n"
        "from recovery.selectors.cohort import cohort_pain_by_day, cohort_milestone_share, cohort_status_counts\n"
        "clinic = Clinic.objects.create(name='Clinic S')\n"
        "today = datetime.date.today()\n"
        "for n, pains in enumerate(([2, 6], [4, 6], [6, 7], [9, 8])):\n"
        "    p, _ = patient_create(clinic=clinic, first_name='S', last_name=f'Q{n}', phone=f'+1555099000{n}', procedure='mis_lumbar_fusion', surgery_date=today - datetime.timedelta(days=70))\n"
        "    for day, pain in zip((3, 4), pains):\n"
        "        checkin_submit(patient=p, client_id=uuid.uuid4(), date=p.surgery_date + datetime.timedelta(days=day), fields={'pain': pain, 'milestones': ['normal_activities'] if n % 2 and day == 4 else []})\n"
        "rows = {(r.procedure, r.recovery_day): (r.patients, r.p25, r.median, r.p75) for r in cohort_pain_by_day(clinic_ids=[clinic.pk], min_patients=1)}\n"
        "assert rows == {('mis_lumbar_fusion', 3): (4, 3.5, 5.0, 6.75), ('mis_lumbar_fusion', 4): (4, 6.0, 6.5, 7.25)}, rows\n"
        "shares = [(s.eligible, s.reached) for s in cohort_milestone_share(clinic_ids=[clinic.pk], as_of=today)]\n"
        "assert shares == [(4, 2)], shares\n"
        "from recovery.selectors.cohort import cohort_rule_usefulness\n"
        "assert cohort_rule_usefulness(clinic_ids=[clinic.pk], as_of=today)[0].raised == 0\n"
        "assert cohort_status_counts(clinic_ids=[clinic.pk])['on_track'] == 4\n"
        "from django.conf import settings\n"
        "from django.test import Client\n"
        "from django.test.utils import override_settings\n"
        "from patients.services import nurse_create\n"
        "from recovery.models import Alert\n"
        "nurse = nurse_create(username='nurse.s', password='a-long-test-password-1', clinic_name='Clinic S').user\n"
        "Alert.objects.create(patient=p, kind='red_flag', severity='urgent', recovery_day=4, evidence_date=p.surgery_date, message='m')\n"
        "from django.utils import timezone\n"
        "from recovery.services import patient_message_record\n"
        "patient_message_record(clinic_id=clinic.pk, patient_id=p.pk, text='leg feels weak', channel='app', reason='note', received_at=timezone.now())\n"
        "patient_message_record(clinic_id=clinic.pk, patient_id=None, text='pain 4', channel='sms', reason='shared_phone', received_at=timezone.now(), candidates=[p.pk], source='7')\n"
        "client = Client()\n"
        "client.force_login(nurse)\n"
        "plain = {**settings.STORAGES, 'staticfiles': {'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
        "with override_settings(STORAGES=plain):\n"
        "    for url in ('/', '/?status=alert&q=q3', '/?fragment=1', f'/patients/{p.pk}/', '/alerts/', '/cohort/', '/messages/'):\n"
        "        response = client.get(url)\n"
        "        assert response.status_code == 200, (url, response.status_code)\n"
        "    html = client.get('/').content.decode()\n"
        "    assert html.index('Q3, S') < html.index('Q0, S'), 'the alerted patient comes first'\n"
        "    assert '8<span class=\"muted\">/10</span>' in html\n"
        "    assert '2 unread messages' in html and 'aria-label=\"2 unread\"' in html\n"
        "print('sqlite ok')\n"
    )
    # As `make run` has it: no Redis, SQLite and Celery's filesystem transport under VAR_DIR.
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "VAR_DIR": str(tmp_path),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "sqlite ok" in result.stdout


def test_a_clinic_without_patients_gets_calm_empty_pages(nurse_client_b):
    for name in ("dashboard:cohort", "dashboard:alerts", "dashboard:worklist"):
        response = nurse_client_b.get(reverse(name))
        assert response.status_code == 200, name
    assert b"No patients yet." in nurse_client_b.get(COHORT).content
