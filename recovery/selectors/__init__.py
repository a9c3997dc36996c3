"""Reads of the recovery layer, scoped and shaped for the API and the dashboard: one read vocabulary.

- alerts: severity_rank (the one SQL CASE of severity), alert_list (a nurse's alerts, most urgent
  first, for the dashboard's inbox and the staff API);
- patients: staff_patients (a nurse's patients with the summary: open alerts, last check-in, status),
  most_in_need_first (the one order of the worklist and the staff API's patient list);
- worklist: patient_worklist (the nurse's worklist, one page with its rows and pain trends);
- progress: patient_progress (one row a day against the expected bounds, milestones and their windows);
- messages: patient_message_list, patient_messages_unread_count, patient_inbox (patients' words
  waiting for a nurse, scoped to the nurse's clinics);
- cohort, exports: the cohort page's figures and the CSV exports.
The active (standing) statuses are recovery.choices.ACTIVE_ALERT_STATUSES.
"""

from recovery.selectors.alerts import alert_list, severity_rank
from recovery.selectors.messages import patient_inbox, patient_message_list, patient_messages_unread_count
from recovery.selectors.patients import most_in_need_first, staff_patients, staff_patients_most_in_need_first
from recovery.selectors.progress import patient_daily_records, patient_plan, patient_progress
from recovery.selectors.worklist import patient_worklist

__all__ = [
    "alert_list",
    "most_in_need_first",
    "patient_daily_records",
    "patient_inbox",
    "patient_message_list",
    "patient_messages_unread_count",
    "patient_plan",
    "patient_progress",
    "patient_worklist",
    "severity_rank",
    "staff_patients",
    "staff_patients_most_in_need_first",
]
