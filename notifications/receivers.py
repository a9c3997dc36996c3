"""Receivers of the lower layers' signals: the enrollment code to text, the alert to page for.

They run inside the sender's transaction and write the outbox row there; a failure here is logged and
never breaks the sender's work (the pages relay pages for any alert left owing one).
"""

import logging

from django.db import transaction
from django.dispatch import receiver

from notifications.follow_ups import advice_follow_up_schedule
from notifications.services.invitation import enrollment_invitation_enqueue
from notifications.services.pages import alert_page
from patients.signals import enrollment_code_issued
from recovery.signals import alert_page_owed

logger = logging.getLogger(__name__)


@receiver(enrollment_code_issued, dispatch_uid="notifications.enrollment_invitation")
def on_enrollment_code_issued(sender, patient, code_id, **kwargs):
    try:
        with transaction.atomic():
            enrollment_invitation_enqueue(patient=patient, code_id=code_id)
    except Exception:  # noqa: BLE001 - the nurse still sees the code; enrolling must not fail for the text
        logger.exception("could not write the enrollment invitation of patient %s", patient.pk)


@receiver(alert_page_owed, dispatch_uid="notifications.alert_page")
def on_alert_page_owed(sender, alert, immediate=True, **kwargs):
    try:
        # Emergency advice is followed up with the patient a few hours later.
        advice_follow_up_schedule(alert=alert, now=kwargs.get("now"))
    except Exception:  # noqa: BLE001 - the page matters more; the alert stands either way
        logger.exception("could not schedule the follow-up of alert %s", alert.pk)
    # A sweep's urgent alerts are paged by the pages relay (every 30 s), not inside the sweep.
    if alert.paged_at is not None or not immediate:
        return
    try:
        with transaction.atomic():
            alert_page(alert_id=alert.pk)
    except Exception:  # noqa: BLE001 - paging must never undo the alert itself; the relay retries
        logger.exception("paging for alert %s failed; the pages relay will retry", alert.pk)
