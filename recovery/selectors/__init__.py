"""Reads of the recovery layer, scoped and shaped for the API and the dashboard.

- progress: patient_progress (one row a day against the expected bounds, milestones and their windows);
- patients: staff_patients (a nurse's patients with the summary: open alerts, last check-in, status);
- messages: patient_message_list, patient_messages_unread_count, patient_inbox (patients' words
  waiting for a nurse, scoped to the nurse's clinics).
"""

from recovery.selectors.messages import patient_inbox, patient_message_list, patient_messages_unread_count
from recovery.selectors.patients import staff_patients
from recovery.selectors.progress import patient_daily_records, patient_plan, patient_progress

__all__ = [
    "patient_daily_records",
    "patient_inbox",
    "patient_message_list",
    "patient_messages_unread_count",
    "patient_plan",
    "patient_progress",
    "staff_patients",
]
