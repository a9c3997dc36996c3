"""One truth about a patient's timeline: the milestone states of recovery.protocols.milestone_state,
as the milestone_overdue rule, the patient's progress (API) and the nurse's dashboard all give them."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from patients.tokens import tokens_for_patient
from recovery.models import Alert
from recovery.protocols import MilestoneWindow, milestone_state
from recovery.services import Trigger, checkin_submit, recovery_evaluate

pytestmark = pytest.mark.django_db


@pytest.fixture
def nurse_client_a(nurse_a):
    client = Client()
    client.force_login(nurse_a)
    return client

# MIS fusion's first walk: expected on day 0, overdue after day 1, alerts.
FIRST_WALK = MilestoneWindow("first_walk", 0, 0, 1, True)
# Normal diet: expected days 0 to 1, overdue after day 2, no alert.
NORMAL_DIET = MilestoneWindow("normal_diet", 0, 1, 2, False)
# Driving: expected days 14 to 28, never overdue.
DRIVING = MilestoneWindow("driving", 14, 28, None, False)


@pytest.mark.parametrize(
    ("case", "window", "kw", "state"),
    [
        ("reached on the day", FIRST_WALK, {"day": 0, "reached_day": 0}, "reached"),
        ("reached late is still reached", FIRST_WALK, {"day": 9, "reached_day": 5, "last_report_day": 9}, "reached"),
        ("reported after the day asked about is not seen", FIRST_WALK, {"day": 3, "reached_day": 4, "last_report_day": 3}, "overdue"),
        ("before the window", DRIVING, {"day": 13, "reached_day": None}, "upcoming"),
        ("first day of the window", DRIVING, {"day": 14, "reached_day": None}, "due"),
        ("last day of the window", DRIVING, {"day": 28, "reached_day": None}, "due"),
        ("past a window with no overdue day", DRIVING, {"day": 29, "reached_day": None, "last_report_day": 29}, "late"),
        ("the overdue day itself is not overdue yet", FIRST_WALK, {"day": 1, "reached_day": None, "last_report_day": 1}, "late"),
        ("the day after the overdue day", FIRST_WALK, {"day": 2, "reached_day": None, "last_report_day": 1}, "overdue"),
        ("silent since before the overdue day", FIRST_WALK, {"day": 2, "reached_day": None, "last_report_day": 0}, "late"),
        ("never checked in", FIRST_WALK, {"day": 2, "reached_day": None, "last_report_day": None}, "late"),
        ("added on the overdue day", FIRST_WALK, {"day": 2, "reached_day": None, "monitored_from_day": 1, "last_report_day": 1}, "overdue"),
        ("added after the overdue day", FIRST_WALK, {"day": 6, "reached_day": None, "monitored_from_day": 5, "last_report_day": 5}, "late"),
        ("past its overdue day, but no alert asked for", NORMAL_DIET, {"day": 3, "reached_day": None, "last_report_day": 3}, "late"),
    ],
)
def test_milestone_states_at_their_boundaries(case, window, kw, state):
    assert milestone_state(window, **kw) == state, case


def _patient(make_patient, *, added_on_day: int):
    tz = ZoneInfo("America/Chicago")
    today = timezone.now().astimezone(tz).date()
    return make_patient(surgery_date=today - datetime.timedelta(days=6), timezone_name="America/Chicago", added_on_day=added_on_day)


def _checkin(patient, day: int, **fields):
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=patient.surgery_date + datetime.timedelta(days=day), fields=fields)


def _progress_states(patient) -> dict[str, str]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer " + tokens_for_patient(patient.user)["access"])
    return {m["code"]: m["state"] for m in client.get("/api/v1/me/progress/").json()["milestones"]}


def _dashboard(nurse_client, patient) -> tuple[dict[str, str], str]:
    response = nurse_client.get(reverse("dashboard:patient", args=[patient.pk]))
    return {m["code"]: m["state"] for m in response.context["progress"]["milestones"]}, response.content.decode()


def test_a_patient_added_on_day_5_sees_nothing_overdue_and_no_alert_is_raised(nurse_client_a, make_patient):
    # Surgery six days ago; added on day 5; checked in on day 5 with pain only (no walk reported).
    patient = _patient(make_patient, added_on_day=5)
    _checkin(patient, 5, pain=4)
    recovery_evaluate(patient_ids=[patient.pk], as_of=patient.surgery_date + datetime.timedelta(days=5), trigger=Trigger.SWEEP)
    assert not Alert.objects.filter(patient=patient, kind="milestone_overdue").exists()
    api = _progress_states(patient)
    dashboard, html = _dashboard(nurse_client_a, patient)
    assert api == dashboard
    assert (api["first_walk"], api["discharged"], api["normal_diet"]) == ("late", "late", "late")
    assert "overdue" not in api.values()
    assert "overdue:" not in html and "late: first walk, normal diet, discharged home" in html


def test_a_patient_monitored_from_surgery_sees_overdue_what_the_engine_alerts(nurse_client_a, make_patient):
    patient = _patient(make_patient, added_on_day=0)
    for day in range(1, 6):
        _checkin(patient, day, pain=4)
    recovery_evaluate(patient_ids=[patient.pk], as_of=patient.surgery_date + datetime.timedelta(days=5), trigger=Trigger.SWEEP)
    [alert] = Alert.objects.filter(patient=patient, kind="milestone_overdue")
    assert sorted(alert.details["milestones"]) == ["discharged", "first_walk"]
    api = _progress_states(patient)
    dashboard, html = _dashboard(nurse_client_a, patient)
    assert api == dashboard
    overdue = sorted(code for code, state in api.items() if state == "overdue")
    assert overdue == sorted(alert.details["milestones"])
    assert api["normal_diet"] == "late"  # past its overdue day, but its protocol alerts nobody
    assert "overdue: first walk, discharged home; late: normal diet." in html


def test_a_logged_walk_shows_the_first_walk_to_the_patient_and_the_nurse_as_to_the_engine(nurse_client_a, make_patient):
    patient = _patient(make_patient, added_on_day=0)
    for day in range(1, 6):
        _checkin(patient, day, pain=4, walking_minutes=10)
    recovery_evaluate(patient_ids=[patient.pk], as_of=patient.surgery_date + datetime.timedelta(days=5), trigger=Trigger.SWEEP)
    [alert] = Alert.objects.filter(patient=patient, kind="milestone_overdue")
    assert alert.details["milestones"] == ["discharged"]
    api = _progress_states(patient)
    assert api == _dashboard(nurse_client_a, patient)[0]
    assert (api["first_walk"], api["discharged"]) == ("reached", "overdue")
