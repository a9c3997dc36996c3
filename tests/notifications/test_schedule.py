"""Quiet hours and reminder windows in the patient's local time, across daylight-saving changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.schedule import next_allowed, quiet_at, reminder_window

T = datetime.time
QUIET = {"quiet_start": T(21, 0), "quiet_end": T(8, 0)}


@pytest.mark.parametrize(
    ("local", "quiet"),
    [(T(7, 59), True), (T(8, 0), False), (T(18, 0), False), (T(20, 59), False), (T(21, 0), True), (T(0, 0), True), (T(3, 30), True)],
)
def test_default_quiet_hours_run_from_nine_at_night_to_eight_in_the_morning(local, quiet):
    assert quiet_at(local, **QUIET) is quiet


def test_quiet_hours_that_do_not_span_midnight_and_empty_ones():
    assert quiet_at(T(13, 30), quiet_start=T(13, 0), quiet_end=T(14, 0))
    assert not quiet_at(T(14, 0), quiet_start=T(13, 0), quiet_end=T(14, 0))
    assert not quiet_at(T(3, 0), quiet_start=T(0, 0), quiet_end=T(0, 0))


def _window(zone, day, reminder, **quiet):
    return reminder_window(local_date=day, reminder_time=reminder, tz=ZoneInfo(zone), **(quiet or QUIET))


@pytest.mark.parametrize(
    ("zone", "day", "opens_utc", "closes_utc"),
    [
        # Chicago on the last day of daylight time, on the day it ends (fall back at 02:00), and after.
        ("America/Chicago", datetime.date(2026, 10, 31), datetime.datetime(2026, 10, 31, 23, 0), datetime.datetime(2026, 11, 1, 2, 0)),
        ("America/Chicago", datetime.date(2026, 11, 1), datetime.datetime(2026, 11, 2, 0, 0), datetime.datetime(2026, 11, 2, 3, 0)),
        # Spring forward (2027-03-14): 18:00 CDT is 23:00 UTC the same day.
        ("America/Chicago", datetime.date(2027, 3, 13), datetime.datetime(2027, 3, 14, 0, 0), datetime.datetime(2027, 3, 14, 3, 0)),
        ("America/Chicago", datetime.date(2027, 3, 14), datetime.datetime(2027, 3, 14, 23, 0), datetime.datetime(2027, 3, 15, 2, 0)),
        # Berlin: summer time ends 2026-10-25 and begins 2027-03-28.
        ("Europe/Berlin", datetime.date(2026, 10, 24), datetime.datetime(2026, 10, 24, 16, 0), datetime.datetime(2026, 10, 24, 19, 0)),
        ("Europe/Berlin", datetime.date(2026, 10, 25), datetime.datetime(2026, 10, 25, 17, 0), datetime.datetime(2026, 10, 25, 20, 0)),
        ("Europe/Berlin", datetime.date(2027, 3, 28), datetime.datetime(2027, 3, 28, 16, 0), datetime.datetime(2027, 3, 28, 19, 0)),
        # Honolulu keeps UTC-10 all year.
        ("Pacific/Honolulu", datetime.date(2026, 11, 1), datetime.datetime(2026, 11, 2, 4, 0), datetime.datetime(2026, 11, 2, 7, 0)),
    ],
)
def test_the_window_opens_at_local_six_pm_and_closes_when_the_quiet_hours_begin(zone, day, opens_utc, closes_utc):
    window = _window(zone, day, T(18, 0))
    assert window.opens == opens_utc.replace(tzinfo=datetime.UTC)
    assert window.closes == closes_utc.replace(tzinfo=datetime.UTC)


def test_a_reminder_time_in_the_morning_quiet_hours_waits_for_their_end():
    window = _window("America/Chicago", datetime.date(2026, 11, 20), T(6, 30))
    assert window.opens.astimezone(ZoneInfo("America/Chicago")).time() == T(8, 0)


def test_a_reminder_time_in_the_evening_quiet_hours_moves_to_an_hour_before_them():
    window = _window("America/Chicago", datetime.date(2026, 11, 20), T(22, 0))
    local = ZoneInfo("America/Chicago")
    assert (window.opens.astimezone(local).time(), window.closes.astimezone(local).time()) == (T(20, 0), T(21, 0))


def test_equal_start_and_end_mean_no_quiet_hours_and_the_window_runs_to_midnight():
    local = ZoneInfo("America/Chicago")
    window = _window("America/Chicago", datetime.date(2026, 11, 20), T(18, 0), quiet_start=T(8, 0), quiet_end=T(8, 0))
    assert window.opens.astimezone(local) == datetime.datetime(2026, 11, 20, 18, 0, tzinfo=local)
    assert window.closes.astimezone(local) == datetime.datetime(2026, 11, 21, 0, 0, tzinfo=local)


def test_next_allowed_moment_is_the_end_of_the_quiet_hours_in_local_time():
    chicago = ZoneInfo("America/Chicago")
    late = datetime.datetime(2026, 11, 20, 22, 30, tzinfo=chicago)
    early = datetime.datetime(2026, 11, 21, 5, 0, tzinfo=chicago)
    noon = datetime.datetime(2026, 11, 21, 12, 0, tzinfo=chicago)
    assert next_allowed(late, tz=chicago, **QUIET) == datetime.datetime(2026, 11, 21, 8, 0, tzinfo=chicago)
    assert next_allowed(early, tz=chicago, **QUIET) == datetime.datetime(2026, 11, 21, 8, 0, tzinfo=chicago)
    assert next_allowed(noon, tz=chicago, **QUIET) == noon
