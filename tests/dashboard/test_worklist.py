"""The worklist: who needs the nurse first, filters, search, pages, the refresh fragment, audit and queries."""

import datetime

import time_machine
from django.urls import reverse

from patients.models import AuditEvent
from recovery.selectors.worklist import TREND_WINDOW, pain_trends

WORKLIST = reverse("dashboard:worklist")


def _names(response):
    return [f"{row.patient.last_name}" for row in response.context["rows"]]


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(WORKLIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))


def test_a_user_without_a_clinic_sees_no_patients_and_is_told_why(client, django_user_model, make_patient):
    make_patient()
    user = django_user_model.objects.create_user(username="no.clinic", password="a-long-test-password-1")
    client.force_login(user)
    response = client.get(WORKLIST)
    assert response.status_code == 403
    assert b"not a member of any clinic" in response.content


def test_it_lists_urgent_then_high_then_watched_then_on_track(nurse_client_a, make_patient, raise_alert):
    on_track = make_patient(last_name="Ontrack")
    watch = make_patient(last_name="Watch")
    high = make_patient(last_name="High")
    urgent = make_patient(last_name="Urgent")
    raise_alert(watch, severity="routine")
    raise_alert(high, severity="high")
    raise_alert(high, severity="routine", kind="missed_checkins")
    raise_alert(urgent, severity="urgent")
    response = nurse_client_a.get(WORKLIST)
    assert response.status_code == 200
    assert _names(response) == ["Urgent", "High", "Watch", "Ontrack"]
    statuses = [row.patient.status for row in response.context["rows"]]
    assert statuses == ["alert", "alert", "watch", "on_track"]
    assert [a.severity for a in response.context["rows"][1].alerts] == ["high", "routine"]
    assert on_track.pk == response.context["rows"][3].patient.pk


def test_an_acknowledged_alert_keeps_the_patient_in_its_tier_until_resolved(nurse_client_a, make_patient, raise_alert):
    make_patient(last_name="Calm")
    handled = make_patient(last_name="Handled")
    raise_alert(handled, severity="urgent", status="acknowledged")
    response = nurse_client_a.get(WORKLIST)
    assert _names(response) == ["Handled", "Calm"]
    assert b"(acknowledged)" in response.content


def test_within_a_tier_the_oldest_alert_comes_first(nurse_client_a, make_patient, raise_alert):
    now = datetime.datetime.now(datetime.UTC)
    newer = make_patient(last_name="Newer")
    older = make_patient(last_name="Older")
    raise_alert(newer, severity="high", created_at=now - datetime.timedelta(hours=1))
    raise_alert(older, severity="high", created_at=now - datetime.timedelta(hours=30))
    assert _names(nurse_client_a.get(WORKLIST)) == ["Older", "Newer"]


def test_among_patients_on_track_the_longest_without_a_checkin_comes_first(nurse_client_a, make_patient, log_days):
    recent = make_patient(last_name="Recent", surgery_days_ago=10)
    stale = make_patient(last_name="Stale", surgery_days_ago=10)
    make_patient(last_name="Never", surgery_days_ago=10)
    log_days(recent, {9: {"pain": 3}})
    log_days(stale, {4: {"pain": 3}})
    response = nurse_client_a.get(WORKLIST)
    assert _names(response) == ["Never", "Stale", "Recent"]
    assert b"never" in response.content


def test_it_shows_only_the_patients_of_the_nurses_clinics(nurse_client_a, nurse_client_b, make_patient, clinic_b):
    make_patient(last_name="Ofclinica")
    make_patient(last_name="Ofclinicb", clinic=clinic_b)
    assert _names(nurse_client_a.get(WORKLIST)) == ["Ofclinica"]
    response = nurse_client_b.get(WORKLIST)
    assert _names(response) == ["Ofclinicb"]
    assert b"Ofclinica" not in response.content


def test_it_filters_by_status_procedure_and_monitoring(nurse_client_a, make_patient, raise_alert):
    from django.utils import timezone

    flagged = make_patient(last_name="Flagged", procedure="acdf")
    make_patient(last_name="Calm", procedure="mis_lumbar_fusion")
    ended = make_patient(last_name="Ended", procedure="acdf")
    ended.monitoring_ended_at = timezone.now()
    ended.save(update_fields=["monitoring_ended_at"])
    raise_alert(flagged, severity="urgent")
    assert _names(nurse_client_a.get(WORKLIST, {"status": "alert"})) == ["Flagged"]
    assert _names(nurse_client_a.get(WORKLIST, {"status": "on_track"})) == ["Calm"]
    assert _names(nurse_client_a.get(WORKLIST, {"procedure": "acdf"})) == ["Flagged"]
    assert _names(nurse_client_a.get(WORKLIST, {"monitoring": "ended"})) == ["Ended"]
    assert sorted(_names(nurse_client_a.get(WORKLIST, {"monitoring": "all"}))) == ["Calm", "Ended", "Flagged"]


def test_a_nurse_of_two_clinics_can_narrow_to_one(nurse_a, nurse_client_a, make_patient, clinic_b):
    from patients.services import nurse_create

    nurse_create(username="nurse.a", password="", clinic_name=clinic_b.name)
    make_patient(last_name="Ina")
    make_patient(last_name="Inb", clinic=clinic_b)
    assert sorted(_names(nurse_client_a.get(WORKLIST))) == ["Ina", "Inb"]
    assert _names(nurse_client_a.get(WORKLIST, {"clinic": clinic_b.pk})) == ["Inb"]


def test_a_clinic_the_nurse_does_not_belong_to_is_refused_and_names_the_field(nurse_client_a, make_patient, clinic_b):
    make_patient(last_name="Ofclinica")
    make_patient(last_name="Ofclinicb", clinic=clinic_b)
    response = nurse_client_a.get(WORKLIST, {"clinic": clinic_b.pk})
    assert response.status_code == 400
    assert "clinic" in response.context["form"].errors
    # The invalid filter is left out: the nurse still sees her own patients, never clinic B's.
    assert _names(response) == ["Ofclinica"]
    assert nurse_client_a.get(WORKLIST, {"status": "sideways"}).status_code == 400
    assert nurse_client_a.get(WORKLIST, {"clinic": "not-a-number"}).status_code == 400


def test_it_searches_by_first_or_last_name(nurse_client_a, make_patient):
    make_patient(first_name="Marisol", last_name="Testdata")
    make_patient(first_name="Otto", last_name="Mariposa")
    make_patient(first_name="Zed", last_name="Other")
    assert sorted(_names(nurse_client_a.get(WORKLIST, {"q": "mari"}))) == ["Mariposa", "Testdata"]
    assert _names(nurse_client_a.get(WORKLIST, {"q": "marisol test"})) == ["Testdata"]
    assert _names(nurse_client_a.get(WORKLIST, {"q": "nobody"})) == []


def test_it_shows_fifty_patients_a_page(nurse_client_a, make_patient):
    for n in range(53):
        make_patient(last_name=f"Pager{n:02d}")
    first = nurse_client_a.get(WORKLIST)
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.count == 53
    second = nurse_client_a.get(WORKLIST, {"page": 2, "procedure": "mis_lumbar_fusion"})
    assert len(second.context["rows"]) == 3
    assert not set(_names(first)) & set(_names(second))
    # Page links keep the filters.
    assert b"procedure=mis_lumbar_fusion&amp;page=1" in second.content
    # A page past the end shows the last page rather than an error.
    assert nurse_client_a.get(WORKLIST, {"page": 99}).context["page"].number == 2


def test_the_refresh_fragment_holds_only_the_results(nurse_client_a, make_patient):
    make_patient(last_name="Fragment")
    response = nurse_client_a.get(WORKLIST, {"fragment": "1", "status": "on_track"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Fragment" in body
    assert "<html" not in body and "worklist-filters" not in body
    # Page links in the fragment do not carry fragment=1 (the script adds it).
    assert "fragment=1" not in body


def test_recovery_day_is_the_patients_local_day(client, nurse_a, make_patient):
    # 03:00 UTC on 2030-03-11 is still 2030-03-10 in Los Angeles.
    with time_machine.travel(datetime.datetime(2030, 3, 11, 3, 0, tzinfo=datetime.UTC), tick=False):
        client.force_login(nurse_a)
        make_patient(last_name="West", surgery_date=datetime.date(2030, 3, 1), timezone_name="America/Los_Angeles")
        make_patient(last_name="East", surgery_date=datetime.date(2030, 3, 1), timezone_name="Europe/Berlin")
        rows = {row.patient.last_name: row.recovery_day for row in client.get(WORKLIST).context["rows"]}
    assert rows == {"West": 9, "East": 10}


def test_it_shows_the_latest_pain_and_its_trend(nurse_client_a, make_patient, log_days):
    rising = make_patient(last_name="Rising", surgery_days_ago=12)
    log_days(rising, {4: {"pain": 3}, 5: {"pain": 3}, 6: {"pain": 4}, 8: {"pain": 5}, 9: {"pain": 6}, 10: {"pain": 6}})
    response = nurse_client_a.get(WORKLIST)
    row = response.context["rows"][0]
    assert (row.pain.latest, row.pain.direction, row.pain.change) == (6, "rising", 2.3)
    assert "↑" in response.content.decode() and "rising" in response.content.decode()


def test_pain_trend_compares_the_last_three_logged_days_with_the_three_before(make_patient, log_days):
    falling = make_patient(surgery_days_ago=20)
    steady = make_patient(surgery_days_ago=20)
    single = make_patient(surgery_days_ago=20)
    short = make_patient(surgery_days_ago=20)
    silent = make_patient(surgery_days_ago=20)
    # Older values beyond the six most recent are ignored; days without pain are skipped.
    log_days(
        falling,
        {
            1: {"pain": 0},
            2: {"pain": 8},
            3: {"pain": 8},
            4: {"pain": 7},
            5: {"walking_minutes": 5},
            6: {"pain": 5},
            7: {"pain": 5},
            8: {"pain": 4},
        },
    )
    log_days(steady, {d: {"pain": 4 + d % 2} for d in range(1, 9)})
    log_days(single, {3: {"pain": 7}})
    log_days(short, {3: {"pain": 7}, 4: {"pain": 2}})
    log_days(silent, {3: {"walking_minutes": 10}})
    trends = pain_trends(patient_ids=[falling.pk, steady.pk, single.pk, short.pk, silent.pk])
    assert TREND_WINDOW == 3
    assert (trends[falling.pk].recent_mean, trends[falling.pk].previous_mean, trends[falling.pk].direction) == (
        14 / 3,
        23 / 3,
        "falling",
    )
    assert trends[steady.pk].direction == "steady"
    assert (trends[single.pk].latest, trends[single.pk].direction) == (7, "unknown")
    assert (trends[short.pk].latest, trends[short.pk].direction) == (2, "unknown")  # 2 vs nothing before the last three
    assert silent.pk not in trends


def test_listing_writes_one_audit_row_per_patient_shown(nurse_a, nurse_client_a, make_patient):
    shown = {make_patient().pk for _ in range(3)}
    nurse_client_a.get(WORKLIST)
    rows = AuditEvent.objects.filter(resource="worklist")
    assert {r.patient_id for r in rows} == shown
    assert {(r.actor_id, r.action, r.channel) for r in rows} == {(nurse_a.pk, "list", "dashboard")}


def _populate(make_patient, log_days, raise_alert, count):
    for n in range(count):
        patient = make_patient(surgery_days_ago=15)
        log_days(patient, {1: {"pain": 6}, 2: {"pain": 5}, 3: {"pain": 5, "symptoms": ["fever"] if n % 3 == 0 else []}})
        # A fever opened its urgent red-flag alert at the check-in; others get a high or routine one.
        if n % 2 == 0 and n % 3:
            raise_alert(patient, severity=("urgent", "high", "routine")[n % 3])


def test_the_worklist_takes_a_fixed_number_of_queries(
    nurse_client_a, make_patient, log_days, raise_alert, django_assert_num_queries
):
    # Queries: 1 session, 2 user, 3 the nurse's clinics, 4 count of the filtered patients,
    # 5 the page's patient ids in worklist order (alerts joined and aggregated once, last check-in
    # by index), 6 those patients with their summary (open alerts, status, last check-in, unread
    # messages), 7 the last six pains of the page's patients (window function), 8 their open or
    # acknowledged alerts, 9 the audit rows (one INSERT), 10 the navigation's counts (open alerts
    # and unread messages, one statement).
    _populate(make_patient, log_days, raise_alert, 4)
    with django_assert_num_queries(10):
        small = nurse_client_a.get(WORKLIST)
    _populate(make_patient, log_days, raise_alert, 40)
    with django_assert_num_queries(10):
        large = nurse_client_a.get(WORKLIST, {"q": "test", "status": "alert"})
    assert len(small.context["rows"]) == 4
    assert len(large.context["rows"]) > 4
    with django_assert_num_queries(9):  # the fragment has no navigation counts
        nurse_client_a.get(WORKLIST, {"fragment": "1"})
