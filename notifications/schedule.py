"""When a reminder may go: the clinic's quiet hours and a reminder's window, in the patient's local time.

Pure functions of wall-clock times and a time zone, so daylight-saving changes are handled by zoneinfo
in one place and tested with a table of cases.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from patients.quiet_hours import quiet_at

__all__ = ["quiet_at", "local_moment", "next_allowed", "quiet_now", "reminder_window", "ReminderWindow"]

DAY_SECONDS = 24 * 3600
# A reminder time inside the evening quiet hours moves to this long before they start.
EVENING_LEAD = datetime.timedelta(hours=1)


def _seconds(t: datetime.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _allowed_spans(quiet_start: datetime.time, quiet_end: datetime.time) -> list[tuple[int, int]]:
    """The parts of one local day outside the quiet hours, as [from, to) seconds after midnight."""
    start, end = _seconds(quiet_start), _seconds(quiet_end)
    if start == end:
        return [(0, DAY_SECONDS)]
    if start < end:
        return [span for span in ((0, start), (end, DAY_SECONDS)) if span[0] < span[1]]
    return [(end, start)]


def local_moment(local_date: datetime.date, seconds: int, tz: ZoneInfo) -> datetime.datetime:
    """The instant of a wall-clock time of a local date (a time skipped by a DST change lands just after it)."""
    day = local_date + datetime.timedelta(days=seconds // DAY_SECONDS)
    seconds %= DAY_SECONDS
    wall = datetime.datetime.combine(day, datetime.time(seconds // 3600, seconds // 60 % 60, seconds % 60))
    return wall.replace(tzinfo=tz).astimezone(datetime.UTC)


@dataclass(frozen=True)
class ReminderWindow:
    opens: datetime.datetime  # aware, UTC
    closes: datetime.datetime  # aware, UTC: the start of the quiet hours (or the end of the local day)


def reminder_window(
    *,
    local_date: datetime.date,
    reminder_time: datetime.time,
    quiet_start: datetime.time,
    quiet_end: datetime.time,
    tz: ZoneInfo,
) -> ReminderWindow | None:
    """When the reminder of one local date may go: from the reminder time until the quiet hours begin.

    1. Outside the quiet hours, the window opens at the reminder time and closes when the allowed
       span of the day containing it ends (at 21:00 with the default quiet hours).
    2. A reminder time in the morning quiet hours opens the window when they end (08:00).
    3. A reminder time in the evening quiet hours opens it EVENING_LEAD before they start, so the
       patient still gets one that day.
    None when the clinic's quiet hours cover the whole day.
    """
    spans = _allowed_spans(quiet_start, quiet_end)
    if not spans:
        return None
    at = _seconds(reminder_time)
    opens = closes = None
    for start, end in spans:
        if start <= at < end:
            opens, closes = at, end
            break
        if start > at:
            opens, closes = start, end
            break
    if opens is None:
        start, end = spans[-1]
        opens, closes = max(start, end - int(EVENING_LEAD.total_seconds())), end
    return ReminderWindow(opens=local_moment(local_date, opens, tz), closes=local_moment(local_date, closes, tz))


def quiet_now(now: datetime.datetime, *, tz: ZoneInfo, quiet_start: datetime.time, quiet_end: datetime.time) -> bool:
    return quiet_at(now.astimezone(tz).time().replace(tzinfo=None), quiet_start=quiet_start, quiet_end=quiet_end)


def next_allowed(now: datetime.datetime, *, tz: ZoneInfo, quiet_start: datetime.time, quiet_end: datetime.time) -> datetime.datetime:
    """`now` outside the quiet hours, else the moment they end (patient-local)."""
    if not quiet_now(now, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end):
        return now
    local = now.astimezone(tz)
    day = local.date()
    if local.time().replace(tzinfo=None) >= quiet_end:
        day += datetime.timedelta(days=1)
    return local_moment(day, _seconds(quiet_end), tz)
