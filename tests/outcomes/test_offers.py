"""Questionnaires falling due: offered by SMS on the patient's own local date and hours, once per patient,
instrument and time point whatever reruns happen, with a link that opens the questionnaire."""

import datetime
import re

import pytest

from notifications.models import Message
from outcomes.models import QuestionnaireLink, QuestionnaireOffer
from outcomes.services import questionnaires_offer

pytestmark = pytest.mark.django_db

SURGERY = datetime.date(2026, 3, 1)  # the 6-week window runs from 5 April (day 35) to 26 April (day 56)


def _utc(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def _offers(patient) -> list[str]:
    return list(Message.objects.filter(patient=patient, dedupe_key__startswith="questionnaire:").values_list("body", flat=True))


@pytest.fixture
def chicago(make_patient):
    return make_patient(surgery_date=SURGERY, timezone_name="America/Chicago")


@pytest.fixture
def tokyo(make_patient):
    return make_patient(surgery_date=SURGERY, timezone_name="Asia/Tokyo", language="es")


def test_it_falls_due_on_the_patients_own_local_date_in_offer_hours(instrument, chicago, tokyo):
    # 02:00 UTC on 5 April: 11:00 on 5 April in Tokyo (day 35, in the window); 21:00 on 4 April in Chicago (day 34).
    assert questionnaires_offer(now=_utc(2026, 4, 5, 2, 0)) == 1
    assert _offers(chicago) == [] and len(_offers(tokyo)) == 1
    assert "cuestionario corto" in _offers(tokyo)[0]
    # 14:00 UTC: 09:00 in Chicago, before offers go out.
    assert questionnaires_offer(now=_utc(2026, 4, 5, 14, 0)) == 0
    # 16:00 UTC: 11:00 in Chicago.
    assert questionnaires_offer(now=_utc(2026, 4, 5, 16, 0)) == 1
    body = _offers(chicago)[0]
    assert body.startswith("Clinic A: a short questionnaire about your recovery")
    assert re.search(r"/q/[A-Za-z0-9_-]{22}$", body)
    offer = QuestionnaireOffer.objects.get(patient=chicago)
    assert offer.time_point.code == "6w" and offer.message_id == Message.objects.get(dedupe_key=f"questionnaire:{chicago.pk}:{offer.time_point_id}").pk


def test_running_again_offers_nothing_twice(instrument, chicago):
    moment = _utc(2026, 4, 10, 17, 0)
    assert questionnaires_offer(now=moment) == 1
    assert questionnaires_offer(now=moment) == 0
    assert questionnaires_offer(now=moment + datetime.timedelta(days=3)) == 0
    assert len(_offers(chicago)) == 1
    assert QuestionnaireOffer.objects.count() == 1 and QuestionnaireLink.objects.count() == 1


def test_nothing_is_offered_outside_the_window_in_quiet_hours_without_consent_or_once_answered(instrument, chicago, make_patient, answer):
    assert questionnaires_offer(now=_utc(2026, 4, 27, 17, 0)) == 0  # 27 April: day 57, the window has closed
    assert questionnaires_offer(now=_utc(2026, 4, 11, 3, 0)) == 0  # 22:00 in Chicago: quiet hours
    make_patient(surgery_date=SURGERY, sms_opt_in=False)
    answer(chicago, "6w", [1, 1, 1, 1, 1])
    assert questionnaires_offer(now=_utc(2026, 4, 11, 17, 0)) == 0
    assert QuestionnaireOffer.objects.count() == 0


def test_the_baseline_falls_due_before_surgery_and_the_procedure_must_be_one_the_instrument_is_for(instrument, make_patient):
    before = make_patient(surgery_date=datetime.date(2026, 5, 20), procedure="acdf")
    assert questionnaires_offer(now=_utc(2026, 5, 10, 17, 0)) == 1  # day -10
    assert QuestionnaireOffer.objects.get(patient=before).time_point.code == "baseline"
    instrument.procedures = ["mis_lumbar_fusion"]
    instrument.save()
    make_patient(surgery_date=datetime.date(2026, 5, 21), procedure="acdf")
    assert questionnaires_offer(now=_utc(2026, 5, 11, 17, 0)) == 0


def test_the_link_expires_when_the_window_closes_at_the_patients_local_midnight(instrument, chicago):
    questionnaires_offer(now=_utc(2026, 4, 10, 17, 0))
    link = QuestionnaireLink.objects.get(patient=chicago)
    # The window's last day is 26 April; it ends at local midnight (05:00 UTC in daylight-saving time).
    assert link.expires_at == _utc(2026, 4, 27, 5, 0)


def test_the_beat_offers_every_quarter_hour(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outcomes-offer"]
    assert entry == {"task": "outcomes.tasks.questionnaires_offer_task", "schedule": 900.0}
    from outcomes.tasks import questionnaires_offer_task

    assert questionnaires_offer_task.name == entry["task"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_offer_fits_one_segment_of_gsm_7_with_a_long_clinic_name_and_link(language):
    from outcomes.texts import offer_text
    from tests.webcheckin.test_sms_texts import sms_segments

    text = offer_text(language=language, clinic="Spine Center of North Valley", link="https://recovery.example.org/q/" + "x" * 22)
    assert sms_segments(text) == ("GSM-7", 1)


def test_two_runs_at_once_offer_once_the_database_holds_it(instrument, chicago):
    # Two beats (or a task delivered twice) that both read the patient as not yet offered: the second
    # one's offer row breaks the unique key, its transaction (link and SMS with it) is undone.
    from outcomes.services import _offer

    tp = instrument.time_points.get(code="6w")
    moment = _utc(2026, 4, 10, 17, 0)
    assert _offer(patient=chicago, instrument=instrument, time_point=tp, now=moment) == 1
    assert _offer(patient=chicago, instrument=instrument, time_point=tp, now=moment) == 0
    assert QuestionnaireOffer.objects.count() == 1 and QuestionnaireLink.objects.count() == 1 and len(_offers(chicago)) == 1
