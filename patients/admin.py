"""Admin for clinics, nurses, patients, enrollment codes and the (read-only) audit trail."""

from django.contrib import admin

from patients.models import AuditEvent, Clinic, ClinicMembership, EnrollmentCode, NurseProfile, Patient


class ClinicMembershipInline(admin.TabularInline):
    model = ClinicMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "timezone", "quiet_hours_start", "quiet_hours_end"]
    search_fields = ["name"]
    inlines = [ClinicMembershipInline]


@admin.register(NurseProfile)
class NurseProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "phone"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(ClinicMembership)
class ClinicMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "on_call", "roster_position"]
    list_filter = ["clinic", "on_call"]
    autocomplete_fields = ["user", "clinic"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "clinic", "procedure", "surgery_date", "sms_opt_in", "monitoring_ended_at"]
    list_filter = ["clinic", "procedure", "language", "sms_opt_in"]
    search_fields = ["last_name", "first_name", "phone"]
    date_hierarchy = "surgery_date"
    readonly_fields = ["public_id", "user", "created_at", "updated_at", "created_by", "phone_invalid_at"]
    list_select_related = ["clinic"]


@admin.register(EnrollmentCode)
class EnrollmentCodeAdmin(admin.ModelAdmin):
    list_display = ["patient", "created_at", "expires_at", "used_at"]
    readonly_fields = ["patient", "code_hash", "created_at", "expires_at", "used_at", "created_by"]
    list_select_related = ["patient"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Viewable and filterable, never editable: the trail is append-only."""

    list_display = ["at", "actor_label", "action", "resource", "patient", "channel", "ip_address", "detail"]
    list_filter = ["action", "resource", "channel", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_label", "detail", "=patient__id", "=ip_address"]
    date_hierarchy = "at"
    list_select_related = ["patient"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
