"""Admin for recovery protocols (edited by clinic staff, every change kept in their history), daily
records, submissions and alerts."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from patients.admin import PatientDataAdmin
from recovery.models import (
    Alert,
    AlertEvent,
    CheckinSubmission,
    DailyRecord,
    EvaluationState,
    MilestoneQuestion,
    ProtocolBand,
    ProtocolMilestone,
    RecoveryProtocol,
)


class ProtocolMilestoneInline(admin.TabularInline):
    model = ProtocolMilestone
    extra = 0


class ProtocolBandInline(admin.TabularInline):
    model = ProtocolBand
    extra = 0


# How many changes to a protocol's milestone windows and bands its change page lists.
CHILD_CHANGES_SHOWN = 30


def _changes(record) -> str:
    """A history record's changes in words: "expected_by 2 → 3"; "created" or "deleted" otherwise."""
    if record.history_type == "+":
        return "created"
    if record.history_type == "-":
        return "deleted"
    previous = record.prev_record
    if previous is None:
        return "changed"
    delta = record.diff_against(previous)
    return "; ".join(f"{c.field}: {c.old} → {c.new}" for c in delta.changes) or "saved, nothing changed"


@admin.register(RecoveryProtocol)
class RecoveryProtocolAdmin(SimpleHistoryAdmin):
    """Every procedure a patient may have needs its protocol: protocols are edited, never deleted
    (every procedure has one from the start, migration 0002). Values outside their clinical range are
    refused with the reason (the models' validators); "History" lists every change to the protocol,
    and the change page the latest changes to its milestone windows and bands, each with who and when."""

    list_display = ["name", "procedure", "program_days", "updated_at"]
    inlines = [ProtocolMilestoneInline, ProtocolBandInline]
    readonly_fields = ["window_and_band_changes"]
    history_list_display = ["program_days", "pain_high_at", "pain_rise_points"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Changes to milestone windows and bands")
    def window_and_band_changes(self, obj: RecoveryProtocol) -> str:
        if obj.pk is None:
            return "-"
        records = sorted(
            [
                *ProtocolMilestone.history.filter(protocol_id=obj.pk).select_related("history_user")[:CHILD_CHANGES_SHOWN],
                *ProtocolBand.history.filter(protocol_id=obj.pk).select_related("history_user")[:CHILD_CHANGES_SHOWN],
            ],
            key=lambda r: r.history_date,
            reverse=True,
        )[:CHILD_CHANGES_SHOWN]
        if not records:
            return "No change yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{r.history_date:%Y-%m-%d %H:%M}",
                    r.history_user.get_username() if r.history_user else "(by the system)",
                    str(r.instance),
                    _changes(r),
                )
                for r in records
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Old → new</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(DailyRecord)
class DailyRecordAdmin(PatientDataAdmin):
    list_display = ["patient", "date", "pain", "walking_minutes", "steps", "opioid_use", "channel"]
    list_filter = ["channel", "opioid_use"]
    search_fields = ["=patient__id", "patient__last_name"]
    date_hierarchy = "date"
    raw_id_fields = ["patient"]
    list_select_related = ["patient"]


@admin.register(CheckinSubmission)
class CheckinSubmissionAdmin(PatientDataAdmin):
    """Submissions are the record of what came in: read-only."""

    list_display = ["client_id", "patient", "date", "channel", "received_at", "response_status"]
    list_filter = ["channel"]
    search_fields = ["=client_id", "=patient__id"]
    list_select_related = ["patient"]
    readonly_fields = [f.name for f in CheckinSubmission._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    readonly_fields = ["action", "actor", "note", "at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(PatientDataAdmin):
    list_display = ["patient", "kind", "severity", "status", "recovery_day", "created_at", "paged_at"]
    list_filter = ["status", "severity", "kind"]
    search_fields = ["=patient__id", "patient__last_name", "message"]
    raw_id_fields = ["patient", "acknowledged_by", "resolved_by"]
    list_select_related = ["patient"]
    inlines = [AlertEventInline]


@admin.register(MilestoneQuestion)
class MilestoneQuestionAdmin(PatientDataAdmin):
    """The questions asked before a milestone alert, and their answers: read-only (the patient answers)."""

    list_display = ["patient", "milestone", "state", "asked_on", "answered_on", "channel"]
    list_filter = ["state", "milestone", "channel"]
    search_fields = ["=patient__id", "patient__last_name"]
    list_select_related = ["patient"]
    readonly_fields = [f.name for f in MilestoneQuestion._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EvaluationState)
class EvaluationStateAdmin(PatientDataAdmin):
    list_display = ["patient", "needs_evaluation_since", "judged_through", "updated_at"]
    raw_id_fields = ["patient"]
