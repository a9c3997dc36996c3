"""The judgement engine end to end: check-ins in, alerts out, through their whole life."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recovery.models import Alert, EvaluationState
from recovery.services import Trigger, alert_acknowledge, alert_resolve, recovery_evaluate
from recovery.services.engine import load
from tests.recovery import engine_support
from tests.recovery.engine_support import checkin, day_date, placed_patient

# Fixtures of the engine's tests.
eager_evaluation = engine_support.eager_evaluation
pages = engine_support.pages

pytestmark = pytest.mark.django_db


def judge(patient, day, trigger=Trigger.SWEEP):
    """Judge the patient as of the end of post-operative `day` (a day that has ended)."""
    return recovery_evaluate(patient_ids=[patient.pk], as_of=day_date(patient, day), trigger=trigger)


def alerts(patient, **filters):
    return list(Alert.objects.filter(patient=patient, **filters).order_by("id"))


def test_a_red_flag_check_in_opens_an_urgent_alert_at_once_and_owes_a_page(make_patient, eager_evaluation, pages):
    patient = placed_patient(make_patient, days_since_surgery=6)
    eager_evaluation(patient, 6, pain=5, symptoms=["fever"])
    [alert] = alerts(patient)
    assert (alert.kind, alert.severity, alert.status, alert.recovery_day) == ("red_flag", "urgent", "open", 6)
    assert alert.message == "Red flag reported on day 6: fever or chills"
    assert alert.page_required and alert.paged_at is None
    assert [a.pk for a in pages] == [alert.pk]
    assert EvaluationState.objects.get(patient=patient).needs_evaluation_since is None
    assert [e.action for e in alert.events.all()] == ["raised"]


def test_a_high_red_flag_is_not_paged(make_patient, eager_evaluation, pages):
    patient = placed_patient(make_patient, days_since_surgery=6)
    eager_evaluation(patient, 6, symptoms=["uncontrolled_pain"])
    [alert] = alerts(patient)
    assert (alert.severity, alert.page_required) == ("high", False)
    assert pages == []


def test_two_high_pain_days_open_one_pain_high_alert_on_the_check_in_path(make_patient, eager_evaluation):
    patient = placed_patient(make_patient, days_since_surgery=10)
    eager_evaluation(patient, 9, pain=8)
    assert alerts(patient) == []
    eager_evaluation(patient, 10, pain=9)
    [alert] = alerts(patient)
    assert alert.kind == "pain_high"
    assert alert.message == "Pain 8 or more on days 9 and 10 (expected 6 or less)"


def test_the_check_in_path_leaves_absence_and_trends_to_the_sweep(make_patient, eager_evaluation):
    # Walking far too little for a week, but judged on a check-in only: that is the sweep's to find.
    patient = placed_patient(make_patient, days_since_surgery=14)
    for day in range(8, 15):
        checkin(patient, day, pain=3, walking_minutes=2, milestones=["first_walk", "discharged"] if day == 8 else [])
    eager_evaluation(patient, 14, pain=3)
    assert alerts(patient) == []
    judge(patient, 14)
    assert [a.kind for a in alerts(patient)] == ["walking_below_expected"]


def test_new_evidence_updates_the_one_open_alert_of_its_kind(make_patient, eager_evaluation, pages):
    patient = placed_patient(make_patient, days_since_surgery=7)
    eager_evaluation(patient, 5, symptoms=["uncontrolled_pain"])
    eager_evaluation(patient, 7, symptoms=["fever"])
    [alert] = alerts(patient)
    assert alert.severity == "urgent"  # escalated from high by the fever
    assert alert.message == "Red flag reported on day 7: fever or chills; day 5: pain not relieved by medication"
    assert alert.recovery_day == 7
    assert [e.action for e in alert.events.all()] == ["raised", "updated"]
    assert [a.pk for a in pages] == [alert.pk]  # paged on escalation to urgent


def test_an_acknowledged_alert_given_a_new_red_flag_opens_again_and_pages_again(make_patient, nurse_a, eager_evaluation, pages):
    patient = placed_patient(make_patient, days_since_surgery=7)
    eager_evaluation(patient, 6, symptoms=["fever"])
    [alert] = alerts(patient)
    first_page = timezone.now() - datetime.timedelta(hours=1)
    Alert.objects.filter(pk=alert.pk).update(paged_at=first_page)
    alert_acknowledge(alert=alert, user=nurse_a, note="Called, temperature 38.2, seeing her today")
    eager_evaluation(patient, 7, symptoms=["calf_pain_swelling"])
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_at) == ("open", None)
    # A page is owed again: not sent yet, or (with the notifications layer receiving the signal) sent
    # anew after the first one.
    assert alert.paged_at is None or alert.paged_at > first_page
    assert "calf pain or a swollen leg" in alert.message
    assert len(pages) == 2
    # The same report again is not new evidence.
    eager_evaluation(patient, 7, symptoms=["calf_pain_swelling"])
    assert len(pages) == 2
    assert alert.events.exclude(action="paged").count() == 3  # raised, acknowledged, updated


def test_a_nurses_resolution_holds_until_the_evidence_is_new(make_patient, nurse_a, eager_evaluation, pages):
    patient = placed_patient(make_patient, days_since_surgery=7)
    eager_evaluation(patient, 6, symptoms=["fever"])
    [first] = alerts(patient)
    alert_resolve(alert=first, user=nurse_a, note="Seen in clinic, no infection")
    judge(patient, 6)
    eager_evaluation(patient, 6, pain=4)
    assert len(alerts(patient, kind="red_flag")) == 1
    eager_evaluation(patient, 7, symptoms=["fever"])
    second = alerts(patient, kind="red_flag")[-1]
    assert (second.pk != first.pk, second.status, second.recovery_day) == (True, "open", 7)
    first.refresh_from_db()
    assert (first.status, first.resolution_note, first.resolved_by) == ("resolved", "Seen in clinic, no infection", nurse_a)


def test_the_system_resolves_a_pain_alert_when_pain_is_back_under_the_bound_for_7_days(make_patient):
    patient = placed_patient(make_patient, days_since_surgery=20, added_day=0)
    for day in range(0, 9):
        checkin(patient, day, pain=5, walking_minutes=30, milestones=["first_walk", "discharged"] if day == 0 else [])
    checkin(patient, 9, pain=8, walking_minutes=30)
    checkin(patient, 10, pain=8, walking_minutes=30)
    judge(patient, 10)
    [alert] = alerts(patient, kind="pain_high")
    for day in range(11, 18):
        checkin(patient, day, pain=4, walking_minutes=30)
    judge(patient, 16)
    alert.refresh_from_db()
    assert alert.status == "open"  # day 10 is still within the last 7 days
    judge(patient, 17)
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by) == ("resolved", None)
    assert alert.resolution_reason == "Pain back within the expected range for 7 days (7 logged, last 4 on day 17)"
    assert alert.events.last().action == "resolved"


def test_missed_check_ins_open_on_the_sweep_and_resolve_when_check_ins_resume(make_patient, eager_evaluation):
    patient = placed_patient(make_patient, days_since_surgery=8)
    checkin(patient, 0, pain=6, milestones=["first_walk", "discharged"])
    for day in range(1, 6):
        checkin(patient, day, pain=7, walking_minutes=10)
    judge(patient, 6)
    assert alerts(patient) == []
    judge(patient, 7)
    [alert] = alerts(patient)
    assert (alert.kind, alert.severity) == ("missed_checkins", "high")  # the last pain was 7
    assert alert.message == "No check-in for 2 full days (days 6 to 7); last check-in on day 5, last pain reported 7 on day 5"
    eager_evaluation(patient, 8, pain=5, walking_minutes=15)
    alert.refresh_from_db()
    assert (alert.status, alert.resolution_reason) == ("resolved", "Check-ins resumed on day 8")


def test_a_resolved_missed_check_in_alert_is_not_raised_again_for_the_same_silence(make_patient, nurse_a):
    patient = placed_patient(make_patient, days_since_surgery=12)
    checkin(patient, 0, pain=5, milestones=["first_walk", "discharged"])
    judge(patient, 2)
    [alert] = alerts(patient)
    alert_resolve(alert=alert, user=nurse_a, note="Phoned: doing well, will check in")
    for day in (3, 4, 5):
        judge(patient, day)
    assert len(alerts(patient)) == 1
    checkin(patient, 6, pain=3)
    # A new silence: after the 5-day gap the patient came back from, 3 full days (the cap of
    # missed_checkins' count against the patient's own habit), not 2.
    judge(patient, 8)
    assert [a.status for a in alerts(patient)] == ["resolved"]
    judge(patient, 9)
    assert [a.status for a in alerts(patient)] == ["resolved", "open"]


def test_the_end_of_the_program_stops_monitoring(make_patient, nurse_a):
    patient = placed_patient(make_patient, days_since_surgery=95)
    checkin(patient, 0, pain=5, milestones=["first_walk", "discharged"])
    checkin(patient, 40, pain=2, milestones=["normal_activities"])
    checkin(patient, 85, pain=2, symptoms=["wound_drainage"])
    judge(patient, 88)
    assert sorted(a.kind for a in alerts(patient)) == ["missed_checkins", "red_flag"]
    judge(patient, 89)
    summary = judge(patient, 90)
    assert summary.monitoring_ended == 1
    patient.refresh_from_db()
    assert patient.monitoring_ended_at is not None
    by_kind = {a.kind: a for a in alerts(patient)}
    assert by_kind["missed_checkins"].status == "resolved"
    assert by_kind["missed_checkins"].resolution_reason == "Monitoring ended: the recovery program is over"
    # A red flag waits for a nurse.
    assert by_kind["red_flag"].status == "open"
    assert judge(patient, 91).patients == 0


def test_judging_an_earlier_date_sees_nothing_after_it_and_leaves_later_alerts_alone(make_patient):
    patient = placed_patient(make_patient, days_since_surgery=12)
    checkin(patient, 0, pain=5, milestones=["first_walk", "discharged"])
    for day in range(1, 11):
        checkin(patient, day, pain=4, walking_minutes=30)
    checkin(patient, 11, pain=9, walking_minutes=30)
    checkin(patient, 12, pain=9, walking_minutes=30)
    judge(patient, 12)
    # Two days of 9 are pain_high's; pain_rising waits for a rise that lasts (3 logged days of a 5-day mean).
    assert sorted(a.kind for a in alerts(patient)) == ["pain_high"]
    [alert] = alerts(patient, kind="pain_high")
    judge(patient, 10)
    alert.refresh_from_db()
    assert (alert.status, alert.recovery_day) == ("open", 12)
    assert len(alerts(patient)) == 1


def test_an_alert_opened_concurrently_is_not_a_crash(make_patient, monkeypatch):
    patient = placed_patient(make_patient, days_since_surgery=6)
    checkin(patient, 6, symptoms=["fever"])
    judge(patient, 6)
    # As if another evaluation opened it between this one's reading and writing.
    monkeypatch.setattr(load, "alerts", lambda ids: {})
    judge(patient, 6)
    assert len(alerts(patient, kind="red_flag")) == 1


def test_a_check_in_that_comes_during_an_evaluation_keeps_its_mark(make_patient, monkeypatch):
    patient = placed_patient(make_patient, days_since_surgery=6)
    checkin(patient, 6, pain=3)
    real_load = load.records
    later = timezone.now() + datetime.timedelta(seconds=5)

    def load_then_a_check_in_commits(*args):
        loaded = real_load(*args)
        EvaluationState.objects.filter(patient=patient).update(needs_evaluation_since=later)
        return loaded

    monkeypatch.setattr(load, "records", load_then_a_check_in_commits)
    recovery_evaluate(patient_ids=[patient.pk], trigger=Trigger.CHECKIN)
    assert EvaluationState.objects.get(patient=patient).needs_evaluation_since == later


def test_the_number_of_queries_grows_with_chunks_not_patients(make_patient, monkeypatch):
    # The engine's own queries: the notifications layer's page receiver (which writes a page per
    # urgent alert) is measured with the notifications tests.
    from recovery.signals import alert_page_owed

    monkeypatch.setattr(alert_page_owed, "receivers", [])
    monkeypatch.setattr(alert_page_owed, "sender_receivers_cache", {})
    def cohort(n):
        created = []
        for _ in range(n):
            p = placed_patient(make_patient, days_since_surgery=10)
            checkin(p, 0, pain=6, milestones=["first_walk", "discharged"])
            checkin(p, 8, pain=9, symptoms=["fever"])
            checkin(p, 9, pain=9)
            created.append(p)
        return [p.pk for p in created], day_date(created[0], 9)

    def count(ids, as_of):
        with CaptureQueriesContext(connection) as ctx:
            summary = recovery_evaluate(patient_ids=ids, as_of=as_of)
        return len(ctx.captured_queries), summary

    small, _ = count(*cohort(2))
    large, large_summary = count(*cohort(12))
    # The red flags were opened by the check-ins themselves; the engine opens pain_high for each.
    assert dict(large_summary.opened) == {"pain_high": 12}
    # Queries: protocols, milestones, bands; the chunk's patients, alerts, daily records (a cursor),
    # milestone questions; then one transaction (a savepoint inside the test's): a savepoint around the alerts' insert, the
    # insert, its release, the events' insert, the evaluation states' insert and update, the release.
    assert small == large == 15


def test_an_acknowledgement_made_while_the_engine_judges_is_kept(make_patient, nurse_a, monkeypatch):
    patient = placed_patient(make_patient, days_since_surgery=12)
    checkin(patient, 0, pain=6, milestones=["first_walk", "discharged"])
    for day in (9, 10):
        checkin(patient, day, pain=8, walking_minutes=30)
    judge(patient, 10)
    [alert] = alerts(patient, kind="pain_high")
    checkin(patient, 11, pain=9, walking_minutes=30)
    real_load = load.alerts

    def load_then_a_nurse_acknowledges(ids):
        loaded = real_load(ids)
        alert_acknowledge(alert=alert, user=nurse_a, note="On it")
        return loaded

    monkeypatch.setattr(load, "alerts", load_then_a_nurse_acknowledges)
    judge(patient, 11)
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", nurse_a)
    assert alert.message == "Pain 8 or more on days 9, 10 and 11 (expected 6 or less)"


def test_the_shipped_protocols_take_the_mcid_of_the_region_operated_on():
    from decimal import Decimal

    from recovery.protocols import protocol_plans

    rise = {procedure: plan.thresholds.pain_rise_points for procedure, plan in protocol_plans().items()}
    assert rise == {
        "mis_lumbar_fusion": Decimal("2.4"),
        "open_lumbar_fusion": Decimal("2.4"),
        "acdf": Decimal("3.1"),
        "posterior_cervical_fusion": Decimal("3.1"),
    }


def test_judging_a_check_in_costs_a_fixed_number_of_queries(make_patient, django_assert_num_queries):
    patient = placed_patient(make_patient, days_since_surgery=20)
    for day in range(0, 21):
        checkin(patient, day, pain=3, walking_minutes=40, milestones=["first_walk", "discharged"] if day == 0 else [])
    # Queries: protocols, milestones, bands; the patient with its evaluation state, its alerts, its
    # daily records; then (a savepoint in the test's transaction) the mark cleared, and the release.
    with django_assert_num_queries(9):
        recovery_evaluate(patient_ids=[patient.pk], trigger=Trigger.CHECKIN)
    assert EvaluationState.objects.get(patient=patient).needs_evaluation_since is None


def test_opioid_use_reported_past_its_overdue_day_is_an_alert_the_same_evening(make_patient, eager_evaluation):
    patient = placed_patient(make_patient, days_since_surgery=44)
    checkin(patient, 0, pain=5, milestones=["first_walk", "discharged"])
    checkin(patient, 30, pain=2, walking_minutes=40, milestones=["normal_activities"])
    eager_evaluation(patient, 42, pain=2, opioid_use=True)
    assert alerts(patient) == []  # day 42 is the overdue day itself (MIS)
    eager_evaluation(patient, 43, pain=2, opioid_use=True)
    [alert] = alerts(patient)
    assert (alert.kind, alert.recovery_day) == ("opioid_prolonged", 43)
    eager_evaluation(patient, 44, pain=2, opioid_use=False)
    alert.refresh_from_db()
    assert (alert.status, alert.resolution_reason) == ("resolved", "Opioids stopped (reported on day 44)")
