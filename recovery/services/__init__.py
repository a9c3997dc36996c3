"""Writes of the recovery layer. One module per concern; import them from here.

- checkins: checkin_submit and the merge of a check-in into the day's record;
- alerts: alert_acknowledge, alert_resolve (staff actions on alerts);
- evaluation: recovery_evaluate (the judgement engine: snapshots, rules, reconciliation of alerts).
"""

from recovery.services.alerts import alert_acknowledge, alert_resolve
from recovery.services.checkins import CheckinOutcome, checkin_submit, daily_record_body, evaluation_mark

__all__ = ["CheckinOutcome", "alert_acknowledge", "alert_resolve", "checkin_submit", "daily_record_body", "evaluation_mark"]
