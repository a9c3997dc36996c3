"""When questionnaires fall due, pure: a time point's window in patient-local dates, which time point
a date falls in, and whether a patient may be offered one at a local moment."""

import datetime

ONE_DAY = datetime.timedelta(days=1)
# Offers go out from this local time until the clinic's quiet hours start: not at dawn, and never
# beside the evening reminder at the same minute.
OFFER_FROM = datetime.time(10, 0)


def window_dates(surgery_date: datetime.date, start_day: int, end_day: int) -> tuple[datetime.date, datetime.date]:
    """The first and last patient-local dates of a window of post-operative days (inclusive)."""
    return surgery_date + datetime.timedelta(days=start_day), surgery_date + datetime.timedelta(days=end_day)


def in_window(surgery_date: datetime.date, start_day: int, end_day: int, date: datetime.date) -> bool:
    first, last = window_dates(surgery_date, start_day, end_day)
    return first <= date <= last


def time_point_on(time_points, *, surgery_date: datetime.date, date: datetime.date):
    """The time point (anything with start_day and end_day) whose window holds `date`, or None."""
    return next((tp for tp in time_points if in_window(surgery_date, tp.start_day, tp.end_day, date)), None)


def offer_hours(local: datetime.datetime, *, quiet_start: datetime.time) -> bool:
    """Whether a local moment is within the hours offers are sent (OFFER_FROM until quiet hours)."""
    return OFFER_FROM <= local.time() < quiet_start
