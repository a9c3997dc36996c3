"""The clinic's quiet hours as a pure rule of wall-clock times: no reminder goes out inside them.

The notifications layer's schedule (when a reminder may go) and the check of a reminder time a nurse
or a patient chooses (patients.services.reminder_time_check) both read it from here.
"""

import datetime


def quiet_at(local_time: datetime.time, *, quiet_start: datetime.time, quiet_end: datetime.time) -> bool:
    """Whether a local wall-clock time falls in the quiet hours [start, end), which may span midnight.
    Equal start and end mean no quiet hours."""
    if quiet_start == quiet_end:
        return False
    if quiet_start < quiet_end:
        return quiet_start <= local_time < quiet_end
    return local_time >= quiet_start or local_time < quiet_end
