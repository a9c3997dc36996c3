"""Staff pages: the on-call nurse paged by SMS about an alert that owes a page, the next one when a
page cannot be delivered or nobody acknowledges it in time; the pages relay pages what was missed.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import texts
from notifications.models import Message
from notifications.services.outbox import message_enqueue
from patients.models import Patient
from patients.selectors import on_call_roster
from recovery.choices import AlertKind, AlertStatus
from recovery.models import Alert
from recovery.services import alert_page_record

logger = logging.getLogger(__name__)

Purpose = Message.Purpose
# At most this many alerts per relay run and kind of repair, so one run stays short.
RELAY_BATCH = 1000


def _initials(patient: Patient) -> str:
    return "".join(f"{name.strip()[:1].upper()}." for name in (patient.first_name, patient.last_name) if name.strip())


def _nurse_phone(membership) -> str:
    try:
        return membership.user.nurse_profile.phone or ""
    except Exception:  # noqa: BLE001 - a user without a nurse profile has no phone
        return ""


def alert_page(
    *,
    alert_id: int,
    due_before: datetime.datetime | None = None,
    failed_level: int | None = None,
    now: datetime.datetime | None = None,
) -> Message | None:
    """Page the next on-call nurse about an alert that is still open and owes a page.

    The first page goes to the first nurse of the clinic's roster; when `due_before` is given (an
    escalation), the alert is paged again only if its last page is older than that, to the next nurse
    (round the roster again after the last). When `failed_level` is given, page number `failed_level`
    could not be delivered: the next nurse is paged at once, if that page is still the latest and the
    roster has not been gone round yet (after that, the escalation time applies). The alert row is
    locked, so two relays never page twice. The page carries the patient's initials and id, the alert
    kind and a link to the dashboard.
    """
    now = now or timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update(of=("self",)).select_related("patient").filter(pk=alert_id).first()
        if alert is None or not alert.page_required or alert.status != AlertStatus.OPEN:
            return None
        if failed_level is not None:
            if alert.page_level != failed_level:
                return None  # a later page has gone out since
        elif alert.paged_at is not None and (due_before is None or alert.paged_at > due_before):
            return None
        roster = [m for m in on_call_roster(clinic_id=alert.patient.clinic_id) if _nurse_phone(m)]
        if not roster:
            logger.error("alert %s owes a page but clinic %s has no on-call nurse with a phone", alert.pk, alert.patient.clinic_id)
            return None
        if failed_level is not None and failed_level >= len(roster):
            logger.error("alert %s: page %s failed and every on-call nurse has been tried; next at the escalation", alert.pk, failed_level)
            return None
        # New evidence on an alert already paged (paged_at cleared, page_level kept) goes to the nurse
        # paged last, who has the patient in hand; an escalation or a failed page to the next one.
        repage = alert.paged_at is None and alert.page_level > 0 and failed_level is None
        nurse = roster[(alert.page_level - 1 if repage else alert.page_level) % len(roster)]
        level = alert.page_level + 1
        body = texts.page_text(
            severity=alert.severity,
            initials=_initials(alert.patient),
            patient_id=alert.patient_id,
            kind=alert.kind,
            url=f"{settings.PUBLIC_BASE_URL}/patients/{alert.patient_id}/",
            escalated_minutes=settings.PAGE_ESCALATION_MINUTES if level > 1 and failed_level is None and not repage else None,
            previous_failed=failed_level is not None,
            symptoms=_alert_symptoms(alert),
            new_evidence=repage,
        )
        earlier = Message.objects.filter(dedupe_key=_page_key(alert.pk, level)).values_list("pk", flat=True).first()
        message = message_enqueue(
            purpose=Purpose.PAGE,
            to_phone=_nurse_phone(nurse),
            body=body,
            patient=alert.patient,
            recipient_user=nurse.user,
            alert_id=alert.pk,
            dedupe_key=_page_key(alert.pk, level),
            now=now,
        )
        why = f"; page {failed_level} could not be delivered" if failed_level is not None else ""
        why = "; new evidence" if repage else why
        alert_page_record(
            alert_id=alert.pk,
            level=level,
            note=f"SMS page to {nurse.user.get_username()} (page {level}{why})",
            # This level's page was written before (a replayed relay): the history says paged once.
            replayed=earlier is not None,
            now=now,
        )
    return message


def _alert_symptoms(alert: Alert) -> list[str]:
    """The red-flag symptoms an alert carries, most recent report first, each once."""
    if alert.kind != AlertKind.RED_FLAG:
        return []
    codes: list[str] = []
    for report in sorted(reversed((alert.details or {}).get("reports") or []), key=lambda r: r[0], reverse=True):
        if len(report) > 1 and report[1] not in codes:
            codes.append(report[1])
    return codes


def _page_key(alert_id: int, level: int) -> str:
    return f"page:{alert_id}:{level}"


def page_undelivered(message: Message, now: datetime.datetime) -> None:
    """A page that will not reach its nurse (refused, undeliverable, given up): page the next one now."""
    if message.purpose != Purpose.PAGE or message.alert_id is None:
        return
    prefix, _, level = (message.dedupe_key or "").rpartition(":")
    if prefix != f"page:{message.alert_id}" or not level.isdigit():
        return
    alert_page(alert_id=message.alert_id, failed_level=int(level), now=now)


def pages_relay(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Pages owed and not sent (the signal's receiver missed them), and escalations: an alert still
    open PAGE_ESCALATION_MINUTES after its last page pages the next nurse on the roster."""
    now = now or timezone.now()
    due_before = now - datetime.timedelta(minutes=settings.PAGE_ESCALATION_MINUTES)
    owed = Alert.objects.filter(page_required=True, status=AlertStatus.OPEN)
    counts = {"paged": 0, "escalated": 0}
    for alert_id in owed.filter(paged_at__isnull=True).order_by("created_at").values_list("id", flat=True)[:RELAY_BATCH]:
        if alert_page(alert_id=alert_id, now=now):
            counts["paged"] += 1
    for alert_id in owed.filter(paged_at__lte=due_before).order_by("paged_at").values_list("id", flat=True)[:RELAY_BATCH]:
        if alert_page(alert_id=alert_id, due_before=due_before, now=now):
            counts["escalated"] += 1
    if any(counts.values()):
        logger.info("pages relay: %s", counts)
    return counts
