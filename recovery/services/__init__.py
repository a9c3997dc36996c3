"""Writes of the recovery layer. One module per concern; import them from here.

- checkins: checkin_submit and the merge of a check-in into the day's record;
- alerts: alert_acknowledge, alert_resolve (staff actions on alerts; AlertAlreadyResolved);
- evaluation: recovery_evaluate and recovery_sweep (the judgement engine: snapshots, rules,
  reconciliation of alerts).
"""

from recovery.services.alerts import AlertAlreadyResolved, alert_acknowledge, alert_resolve
from recovery.services.checkins import CheckinOutcome, checkin_submit, daily_record_body, evaluation_mark
from recovery.services.evaluation import EvaluationSummary, Trigger, recovery_evaluate, recovery_sweep

__all__ = [
    "AlertAlreadyResolved",
    "CheckinOutcome",
    "EvaluationSummary",
    "Trigger",
    "alert_acknowledge",
    "alert_resolve",
    "checkin_submit",
    "daily_record_body",
    "evaluation_mark",
    "recovery_evaluate",
    "recovery_sweep",
]
