"""Daily reminders: one per patient and local date at the local reminder time, never in quiet hours."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from notifications.models import Message
from notifications.services import reminders, sending
from recovery.models import RecoveryProtocol
from recovery.services import checkin_submit
from tests.notifications.conftest import at

SIX_PM = datetime.time(18, 0)


def _reminders():
    return Message.objects.filter(purpose=Message.Purpose.REMINDER)


def _sweep(start: datetime.datetime, end: datetime.datetime, step=datetime.timedelta(minutes=15), send=True):
    """Run the reminder job every `step` from start to end; return {(patient, local date): moment written}
    and the moments (UTC) at which each reminder reached Twilio."""
    written, sent_at = {}, {}
    now = start
    while now <= end:
        reminders.reminders_enqueue(now=now)
        for message in _reminders().filter(status=Message.Status.QUEUED):
            written.setdefault((message.patient_id, message.local_date), now)
            if send and sending.message_send(message_id=message.pk, now=now) == "sent":
                sent_at[(message.patient_id, message.local_date)] = now
        now += step
    return written, sent_at


@pytest.fixture
def three_zones(make_patient, clinic_a):
    def make(surgery_date):
        return {
            zone: make_patient(timezone_name=zone, surgery_date=surgery_date, reminder_time=SIX_PM)
            for zone in ("Pacific/Honolulu", "America/Chicago", "Europe/Berlin")
        }

    return make


@pytest.mark.parametrize(
    "change",
    [datetime.date(2026, 10, 25), datetime.date(2026, 11, 1), datetime.date(2027, 3, 14), datetime.date(2027, 3, 28)],
    ids=["berlin-falls-back", "chicago-falls-back", "chicago-springs-forward", "berlin-springs-forward"],
)
def test_each_patient_gets_one_reminder_at_their_own_six_pm_across_daylight_saving_changes(twilio, three_zones, change):
    # Honolulu never changes; the sweep runs every hour for the days around one change (every zone
    # here is a whole number of hours off UTC, so 18:00 local is always one of the runs).
    start = datetime.datetime.combine(change - datetime.timedelta(days=2), datetime.time(0), tzinfo=datetime.UTC)
    days = 4
    surgery = change - datetime.timedelta(days=20)
    patients = three_zones(surgery)
    written, sent_at = _sweep(start, start + datetime.timedelta(days=days), step=datetime.timedelta(hours=1))

    for zone, patient in patients.items():
        tz = ZoneInfo(zone)
        local_dates = sorted(d for (pid, d) in written if pid == patient.pk)
        # One reminder for every local date in the sweep, none twice (a dict cannot hold two).
        assert local_dates == [local_dates[0] + datetime.timedelta(days=i) for i in range(len(local_dates))]
        assert len(local_dates) >= days - 1
        assert change in local_dates
        for day in local_dates:
            if datetime.datetime.combine(day, SIX_PM, tzinfo=tz) < start:
                continue  # that day's 18:00 was before the sweep began: it caught up, later that evening
            moment = written[(patient.pk, day)].astimezone(tz)
            # Written and sent at the first run at or after 18:00 local, whatever the UTC offset that day.
            assert (moment.date(), moment.time()) == (day, SIX_PM), (zone, day, moment)
            assert sent_at[(patient.pk, day)] == written[(patient.pk, day)]
    assert _reminders().count() == len(written)
    assert len(twilio.sent) == len(written)


def test_no_reminder_is_written_or_sent_in_the_quiet_hours(twilio, three_zones):
    patients = three_zones(datetime.date(2026, 10, 1))
    written, sent_at = _sweep(at("UTC", 2026, 10, 30, 0), at("UTC", 2026, 11, 3, 0), step=datetime.timedelta(minutes=30))
    for (patient_id, _), moment in list(written.items()) + list(sent_at.items()):
        patient = next(p for p in patients.values() if p.pk == patient_id)
        local = moment.astimezone(ZoneInfo(patient.timezone)).time()
        assert datetime.time(8, 0) <= local < datetime.time(21, 0)


def test_a_reminder_still_queued_when_the_quiet_hours_begin_is_dropped_with_the_reason(twilio, make_patient):
    patient = make_patient(surgery_date=datetime.date(2026, 11, 1))
    reminders.reminders_enqueue(now=at("America/Chicago", 2026, 11, 20, 18, 0))
    message = _reminders().get(patient=patient)

    assert sending.message_send(message_id=message.pk, now=at("America/Chicago", 2026, 11, 20, 21, 5)) == "dropped"
    message.refresh_from_db()
    assert message.status == Message.Status.DROPPED
    assert "window" in message.reason
    assert twilio.sent == []


def test_a_patient_with_a_checkin_that_day_gets_no_reminder(twilio, make_patient):
    checked_in = make_patient(surgery_date=datetime.date(2026, 11, 1))
    other = make_patient(surgery_date=datetime.date(2026, 11, 1))
    checkin_submit(patient=checked_in, client_id=uuid.uuid4(), date=datetime.date(2026, 11, 20), fields={"pain": 3}, now=at("America/Chicago", 2026, 11, 20, 9))
    reminders.reminders_enqueue(now=at("America/Chicago", 2026, 11, 20, 18, 0))
    assert list(_reminders().values_list("patient_id", flat=True)) == [other.pk]


def test_a_checkin_between_writing_and_sending_drops_the_reminder(twilio, make_patient):
    patient = make_patient(surgery_date=datetime.date(2026, 11, 1))
    now = at("America/Chicago", 2026, 11, 20, 18, 0)
    reminders.reminders_enqueue(now=now)
    checkin_submit(patient=patient, client_id=uuid.uuid4(), date=datetime.date(2026, 11, 20), fields={"pain": 3}, now=now)
    message = _reminders().get()
    assert sending.message_send(message_id=message.pk, now=now) == "dropped"
    assert twilio.sent == []


def test_no_reminder_after_the_program_ends_after_stop_to_an_invalid_number_or_after_discharge(twilio, make_patient):
    now = at("America/Chicago", 2026, 11, 20, 18, 0)
    RecoveryProtocol.objects.filter(procedure="acdf").update(program_days=30)
    in_program = make_patient(surgery_date=datetime.date(2026, 8, 22))  # day 90 of 90: still in
    make_patient(surgery_date=datetime.date(2026, 8, 21))  # day 91
    make_patient(surgery_date=datetime.date(2026, 10, 20), procedure="acdf")  # day 31 of a 30-day program
    make_patient(surgery_date=datetime.date(2026, 11, 1), sms_opt_in=False)
    invalid = make_patient(surgery_date=datetime.date(2026, 11, 1))
    invalid.phone_invalid_at = now
    invalid.save()
    ended = make_patient(surgery_date=datetime.date(2026, 11, 1))
    ended.monitoring_ended_at = now - datetime.timedelta(days=1)
    ended.save()
    make_patient(surgery_date=datetime.date(2026, 11, 25))  # surgery still ahead

    reminders.reminders_enqueue(now=now)
    assert list(_reminders().values_list("patient_id", flat=True)) == [in_program.pk]


def test_it_never_writes_two_reminders_for_one_patient_and_date(twilio, make_patient):
    patient = make_patient(surgery_date=datetime.date(2026, 11, 1))
    now = at("America/Chicago", 2026, 11, 20, 18, 0)
    assert reminders.reminders_enqueue(now=now) == 1
    assert reminders.reminders_enqueue(now=now + datetime.timedelta(minutes=1)) == 0
    # The database holds it too, whatever a future bug tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(purpose="reminder", patient=patient, to_phone=patient.phone, body="x", local_date=datetime.date(2026, 11, 20))
    assert _reminders().count() == 1


def test_a_reminder_for_an_evening_inside_the_quiet_hours_goes_an_hour_before_them(twilio, make_patient):
    patient = make_patient(surgery_date=datetime.date(2026, 11, 1), reminder_time=datetime.time(22, 30))
    assert reminders.reminders_enqueue(now=at("America/Chicago", 2026, 11, 20, 19, 55)) == 0
    assert reminders.reminders_enqueue(now=at("America/Chicago", 2026, 11, 20, 20, 0)) == 1
    assert _reminders().get().patient_id == patient.pk


def test_a_late_run_still_sends_inside_the_window(twilio, make_patient):
    # Beat was down from 17:50 to 20:30: the reminder still goes, before the quiet hours.
    make_patient(surgery_date=datetime.date(2026, 11, 1))
    now = at("America/Chicago", 2026, 11, 20, 20, 30)
    assert reminders.reminders_enqueue(now=now) == 1
    assert sending.message_send(message_id=_reminders().get().pk, now=now) == "sent"


def test_reminders_speak_the_patients_language_and_say_how_to_answer(twilio, make_patient):
    english = make_patient(surgery_date=datetime.date(2026, 11, 1))
    spanish = make_patient(surgery_date=datetime.date(2026, 11, 1), language="es")
    reminders.reminders_enqueue(now=at("America/Chicago", 2026, 11, 20, 18, 0))
    en = _reminders().get(patient=english).body
    es = _reminders().get(patient=spanish).body
    assert "Reply with your pain 0-10" in en and "911" in en and "around the clock" in en
    assert "Responda con su dolor de 0 a 10" in es and "911" in es and "24 horas" in es


def test_finding_who_is_due_takes_a_fixed_number_of_queries(make_patient, django_assert_num_queries, clinic_a):
    for i in range(30):
        make_patient(surgery_date=datetime.date(2026, 11, 1), timezone_name="America/Chicago" if i % 2 else "America/New_York")
    now = at("America/Chicago", 2026, 11, 20, 18, 0)  # 19:00 in New York: both are due
    # 1 program lengths, 2 time zones in use, 3-4 one set-based select per time zone, 5 the milestone
    # questions waiting (one select), 6 savepoint, 7 one INSERT of all rows' check-in links, 8 one
    # INSERT of all rows, 9 their ids, 10 the batch's caregivers (none here: nothing more), 11 release
    # savepoint.
    with django_assert_num_queries(11):
        assert reminders.reminders_enqueue(now=now) == 30
