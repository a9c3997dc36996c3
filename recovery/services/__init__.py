"""Writes of the recovery layer. One module per concern; import them from here.

- checkins: checkin_submit and the merge of a check-in into the day's record;
- alerts: alert_acknowledge, alert_resolve (staff actions on alerts; AlertAlreadyResolved), and what
  the layers above record on an alert: alert_page_record, alert_page_again, alert_event_record;
- evaluation: recovery_evaluate and recovery_sweep (the judgement engine: snapshots, rules,
  reconciliation of alerts);
- red_flag_alerts: red_flag_alert_raise (a red flag decided in the check-in's own transaction);
- messages: patient_message_record, patient_message_read (patients' words kept for a nurse, and
  marked read).
"""

from recovery.services.alerts import (
    AlertAlreadyResolved,
    alert_acknowledge,
    alert_event_record,
    alert_page_again,
    alert_page_record,
    alert_resolve,
)
from recovery.services.checkins import CheckinOutcome, checkin_submit, daily_record_body, evaluation_mark
from recovery.services.evaluation import EvaluationSummary, Trigger, recovery_evaluate, recovery_sweep
from recovery.services.messages import patient_message_read, patient_message_record

__all__ = [
    "AlertAlreadyResolved",
    "CheckinOutcome",
    "EvaluationSummary",
    "Trigger",
    "alert_acknowledge",
    "alert_event_record",
    "alert_page_again",
    "alert_page_record",
    "alert_resolve",
    "checkin_submit",
    "daily_record_body",
    "evaluation_mark",
    "patient_message_read",
    "patient_message_record",
    "recovery_evaluate",
    "recovery_sweep",
]
