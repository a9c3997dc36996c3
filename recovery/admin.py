"""Admin for recovery protocols (edited by clinic staff), daily records, submissions and alerts."""

from django.contrib import admin

from patients.admin import PatientDataAdmin
from recovery.models import (
    Alert,
    AlertEvent,
    CheckinSubmission,
    DailyRecord,
    EvaluationState,
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


@admin.register(RecoveryProtocol)
class RecoveryProtocolAdmin(admin.ModelAdmin):
    """Every procedure a patient may have needs its protocol: protocols are edited, never deleted
    (every procedure has one from the start, migration 0002)."""

    list_display = ["name", "procedure", "program_days", "updated_at"]
    inlines = [ProtocolMilestoneInline, ProtocolBandInline]

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(EvaluationState)
class EvaluationStateAdmin(PatientDataAdmin):
    list_display = ["patient", "needs_evaluation_since", "judged_through", "updated_at"]
    raw_id_fields = ["patient"]
