"""The long tables of the hot pages, built in Python: the worklist's rows and a patient's daily records.

The worklist shows 50 patients and a patient's page up to 90 days of eleven cells; built here with
format_html, each costs a fraction of the same loop in the template language (bench/bench_dashboard.py
holds the budget), and every value is still escaped. Shapes and words go with every colour, as in
the templates.
"""

from django.urls import reverse
from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.templatetags.dashboard_tags import SEVERITY_SHAPES, days_ago, procedure_short, status_badge, trend_badge
from recovery.choices import AlertKind, Milestone, Severity, Symptom

_NONE = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant
_SYMPTOMS = dict(Symptom.choices)
_MILESTONES = dict(Milestone.choices)


def _pain(day: dict) -> SafeString:
    if day["pain"] is None:
        return _NONE
    bound = day["expected_pain_max"]
    if bound is not None and day["pain"] > bound:
        return format_html('{} <span class="over">◆ {}</span>', day["pain"], _("above"))
    return format_html("{}", day["pain"])


def _walking(day: dict) -> SafeString:
    minutes = day["walking_minutes"]
    if minutes is None:
        return _NONE
    bound = day["expected_walking_min"]
    if bound is not None and minutes < bound:
        return format_html('{} <span class="over">◆ {}</span>', _("%(minutes)s min") % {"minutes": minutes}, _("below"))
    return format_html("{}", _("%(minutes)s min") % {"minutes": minutes})


def _symptoms(day: dict) -> SafeString:
    if not day["symptoms"]:
        return format_html('<span class="muted">{}</span>', _("none"))
    names = ", ".join(str(_SYMPTOMS.get(code, code)) for code in day["symptoms"])
    return format_html('<span class="flag-label"><span aria-hidden="true">▲</span> {}</span> {}', _("red flag:"), names)


def daily_record_rows(days: list[dict], *, answered_by: dict | None = None) -> SafeString:
    """The <tr> rows of the logged days, in the order given (newest first on the page); a day a
    caregiver answered for names who (`answered_by`: date to names)."""
    answered_by = answered_by or {}

    def when(day: dict):
        date = dateformat.format(day["date"], "D M j")
        who = answered_by.get(day["date"])
        return format_html('{}<span class="sub">{}</span>', date, _("by %(names)s") % {"names": ", ".join(who)}) if who else date

    yes_no = {True: _("yes"), False: _("no")}

    def cells(day: dict) -> tuple:
        opioids = yes_no.get(day["opioid_use"], "")
        return (
            ' class="has-flag"' if day["symptoms"] else "",
            when(day),
            day["recovery_day"],
            _pain(day),
            f"≤ {day['expected_pain_max']}" if day["expected_pain_max"] is not None else "",
            _walking(day),
            f"≥ {day['expected_walking_min']}" if day["expected_walking_min"] is not None else "",
            day["steps"] if day["steps"] is not None else "—",
            opioids or _NONE,
            _symptoms(day),
            ", ".join(str(_MILESTONES.get(code, code)) for code in day["milestones"]),
            day.get("note", ""),
        )

    return format_html_join(
        "\n",
        '<tr{}><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num muted">{}</td>'
        '<td class="num">{}</td><td class="num muted">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="note">{}</td></tr>',
        (cells(day) for day in days),
    )


_KINDS = dict(AlertKind.choices)
_SEVERITIES = dict(Severity.choices)


def _alert_chips(alerts) -> SafeString:
    if not alerts:
        return format_html('<span class="muted">{}</span>', _("none"))
    acknowledged = format_html(' <span class="ack-note">({})</span>', _("acknowledged"))
    chips = format_html_join(
        "",
        '<li class="chip severity-{}{}"><span aria-hidden="true">{}</span> {}<span class="visually-hidden">, {}</span>{}</li>',
        (
            (
                a.severity,
                " chip-ack" if a.status == "acknowledged" else "",
                SEVERITY_SHAPES.get(a.severity, ""),
                _KINDS.get(a.kind, a.kind),
                _SEVERITIES.get(a.severity, a.severity),
                acknowledged if a.status == "acknowledged" else "",
            )
            for a in alerts
        ),
    )
    return format_html('<ul class="alert-chips">{}</ul>', chips)


def _last_checkin(row) -> SafeString:
    last = row.patient.last_checkin_date
    if last is None:
        return format_html('<span class="stale">{}</span>', _("never"))
    days = row.days_since_checkin
    return format_html(
        '<span class="{}">{}</span> <span class="sub">{}</span>',
        "stale" if days >= 2 else "",
        days_ago(days),
        dateformat.format(last, "M j"),
    )


def _latest_pain(row) -> SafeString:
    if row.pain.latest is None:
        return format_html('<span class="muted">{}</span>', _("none logged"))
    return format_html(
        '<span class="pain-value">{}<span class="muted">/10</span></span> {}', row.pain.latest, trend_badge(row.pain)
    )


def _unread(patient) -> SafeString:
    n = getattr(patient, "unread_messages", 0)
    if not n:
        return mark_safe("")  # noqa: S308 - a constant
    return format_html(
        '<span class="badge unread-marker"><span aria-hidden="true">✉</span> {}</span>',
        ngettext("%(count)d unread message", "%(count)d unread messages", n) % {"count": n},
    )


def worklist_row_html(rows, *, many_clinics: bool) -> SafeString:
    """The <tr> rows of the worklist, most pressing first (the order given)."""
    # One reverse() for the page: the patient's address differs only by its id.
    url_pattern = reverse("dashboard:patient", args=[0]).replace("/0/", "/{}/")
    # The words of the page's language, looked up once for the page.
    day_word = _("day")
    before_surgery = format_html('<span class="muted">{}</span>', _("before surgery"))
    labels = [_("Patient"), _("Status"), _("Recovery day"), _("Last check-in"), _("Latest pain"), _("Open alerts")]

    def cells(row) -> tuple:
        patient = row.patient
        sub = procedure_short(patient.procedure) + (f" · {patient.clinic.name}" if many_clinics else "")
        day = format_html('<span class="visually-hidden">{} </span>{}', day_word, row.recovery_day) if row.recovery_day >= 0 else before_surgery
        return (
            patient.status,
            patient.pk,
            labels[0],
            url_pattern.format(patient.pk),
            patient.last_name,
            patient.first_name,
            _unread(patient),
            sub,
            labels[1],
            status_badge(patient.status),
            labels[2],
            day,
            labels[3],
            _last_checkin(row),
            labels[4],
            _latest_pain(row),
            labels[5],
            _alert_chips(row.alerts),
        )

    return format_html_join(
        "\n",
        '<tr class="row-{}" data-patient-id="{}"><th scope="row" data-label="{}">'
        '<a class="patient-link" href="{}">{}, {}</a>{}<span class="sub">{}</span></th>'
        '<td data-label="{}">{}</td><td data-label="{}" class="num">{}</td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td></tr>',
        (cells(row) for row in rows),
    )
