"""Badges and words of the nurses' pages: each state is written out and carries a shape, never a colour alone."""

import re

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from recovery.choices import Severity

register = template.Library()

SEVERITY_SHAPES = {"urgent": "▲", "high": "◆", "routine": "●"}
STATUS = {
    "alert": ("▲", pgettext_lazy("patient status", "Alert")),
    "watch": ("●", pgettext_lazy("patient status", "Watch")),
    "on_track": ("✓", pgettext_lazy("patient status", "On track")),
}
TREND = {
    "rising": ("↑", pgettext_lazy("pain trend", "rising")),
    "falling": ("↓", pgettext_lazy("pain trend", "falling")),
    "steady": ("→", pgettext_lazy("pain trend", "steady")),
}
PROCEDURE_SHORT = {
    "mis_lumbar_fusion": gettext_lazy("MIS lumbar fusion"),
    "open_lumbar_fusion": gettext_lazy("Open lumbar fusion"),
    # Translators: the abbreviation of anterior cervical discectomy and fusion.
    "acdf": gettext_lazy("ACDF"),
    "posterior_cervical_fusion": gettext_lazy("Posterior cervical fusion"),
}
MESSAGE_STATUS_SHAPES = {
    "delivered": "✓",
    "sent": "→",
    "logged": "→",
    "received": "←",
    "queued": "…",
    "sending": "…",
    "undelivered": "✕",
    "failed": "✕",
    "dropped": "✕",
}


@register.simple_tag
def status_badge(status: str):
    shape, words = STATUS.get(status, ("", status))
    return format_html('<span class="badge status-{}"><span aria-hidden="true">{}</span> {}</span>', status, shape, words)


@register.simple_tag
def severity_badge(severity: str):
    shape = SEVERITY_SHAPES.get(severity, "")
    return format_html(
        '<span class="badge severity-{}"><span aria-hidden="true">{}</span> {}</span>',
        severity,
        shape,
        Severity(severity).label if severity in Severity.values else severity.capitalize(),
    )


@register.simple_tag
def trend_badge(trend):
    """The pain trend as an arrow and words, with the change in points for screen readers and eyes."""
    if trend.direction not in TREND:
        return format_html('<span class="trend trend-unknown">{}</span>', _("no trend yet"))
    arrow, words = TREND[trend.direction]
    change = trend.change
    sign = "+" if change > 0 else ""
    return format_html(
        '<span class="trend trend-{}" title="{}">'
        '<span aria-hidden="true">{}</span> {} <span class="muted">({}{})</span></span>',
        trend.direction,
        _("mean of the last 3 logged days %(recent)s against the 3 before %(previous)s")
        % {"recent": f"{trend.recent_mean:.1f}", "previous": f"{trend.previous_mean:.1f}"},
        arrow,
        words,
        sign,
        f"{change:.1f}",
    )


@register.simple_tag
def message_status_badge(message):
    shape = MESSAGE_STATUS_SHAPES.get(message.status, "")
    bad = message.status in ("undelivered", "failed", "dropped")
    return format_html(
        '<span class="badge msg-{}{}"><span aria-hidden="true">{}</span> {}</span>',
        message.status,
        " msg-bad" if bad else "",
        shape,
        message.get_status_display(),
    )


@register.filter
def days_ago(days):
    if days is None:
        return ""
    if days <= 0:
        return _("today")
    if days == 1:
        return _("yesterday")
    return ngettext("%(days)d day ago", "%(days)d days ago", days) % {"days": days}


@register.filter
def procedure_short(code: str) -> str:
    return str(PROCEDURE_SHORT.get(code, code))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


# A live token (rows written before links were stored masked) or the stored mask (webcheckin.links.LINK_MASK).
_CHECKIN_LINK = re.compile(r"/c/(?:[A-Za-z0-9_-]{22}|\*{22})(?![A-Za-z0-9_*-])")


@register.filter
def checkin_links_masked(body: str) -> str:
    """An SMS body with its web check-in link's token hidden: the link opens the patient's check-in
    with no password, so the history shows where it pointed, not the key."""
    return _CHECKIN_LINK.sub("/c/…", body or "")
