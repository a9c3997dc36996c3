"""Admin for clinics, nurses, patients, enrollment codes and the (read-only) audit trail; and the base
of every admin of patient data, which audits each page that shows it and each change."""

from django import forms
from django.contrib import admin

from patients.audit import admin_resource, audit_record, audit_record_many
from patients.models import AuditEvent, Clinic, ClinicMembership, EnrollmentCode, NurseProfile, Patient
from patients.services import patient_phone_check
from patients.validators import DEFAULT_PHONE_REGION, PHONE_INPUT_MAX_LENGTH, phone_normalize

Action = AuditEvent.Action


class PatientDataAdmin(admin.ModelAdmin):
    """An admin of patient data. Through patients.audit, with channel `admin`, it records:

    - the list (one row per patient on the page), a change or view page, the history page and the
      delete confirmation: what the superuser was shown;
    - every add, change (the names of the fields, not their values) and deletion.
    """

    # The attribute holding the patient's id; the Patient admin itself uses the object's own.
    audit_patient_attr = "patient_id"

    def _patient_id(self, obj) -> int | None:
        return obj.pk if isinstance(obj, Patient) else getattr(obj, self.audit_patient_attr, None)

    def _resource(self, suffix: str = "") -> str:
        return admin_resource(self.model._meta.model_name, suffix)

    def _audit(self, request, obj, action: str, *, suffix: str = "", detail: str = "") -> None:
        patient_id = self._patient_id(obj)
        detail = detail or f"{self.model._meta.verbose_name} {obj.pk}"
        audit_record(actor=request.user, patient=patient_id, action=action, resource=self._resource(suffix), detail=detail, channel="admin", request=request)

    @staticmethod
    def _context(response) -> dict:
        return getattr(response, "context_data", None) or {}

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = self._context(response).get("cl")
        if changelist is not None and response.status_code == 200:
            patient_ids = sorted({pid for pid in (self._patient_id(obj) for obj in changelist.result_list) if pid is not None})
            if patient_ids:
                audit_record_many(
                    actor=request.user, patients=patient_ids, action=Action.LIST, resource=self._resource(), channel="admin", request=request
                )
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        original = self._context(response).get("original")
        if original is not None and response.status_code == 200:
            self._audit(request, original, Action.VIEW)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = self._context(response).get("object")
        if obj is not None and response.status_code == 200:
            self._audit(request, obj, Action.VIEW, suffix=":history")
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        obj = self._context(response).get("object")
        if obj is not None and response.status_code == 200:
            self._audit(request, obj, Action.VIEW, suffix=":delete")
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = ", ".join(form.changed_data) if change else ""
        detail = f"{self.model._meta.verbose_name} {obj.pk}" + (f": changed {fields}" if fields else "")
        self._audit(request, obj, Action.UPDATE if change else Action.CREATE, detail=detail)

    def delete_model(self, request, obj):
        self._audit(request, obj, Action.DELETE)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, Action.DELETE)
        super().delete_queryset(request, queryset)


class _PhoneForm(forms.ModelForm):
    """A phone typed as people type it, read in the clinic's region and kept in E.164."""

    phone = forms.CharField(max_length=PHONE_INPUT_MAX_LENGTH, required=False)

    def _region(self) -> str:
        return DEFAULT_PHONE_REGION

    def clean(self):
        # In clean(), not clean_phone(): the region may come from a field cleaned after the phone.
        data = super().clean()
        phone = (data.get("phone") or "").strip()
        if phone:
            try:
                data["phone"] = phone_normalize(phone, region=self._region())
            except forms.ValidationError as exc:
                self.add_error("phone", exc)
        elif not self._meta.model._meta.get_field("phone").blank:
            self.add_error("phone", forms.ValidationError("This field is required.", code="required"))
        return data


class ClinicForm(_PhoneForm):
    def _region(self) -> str:
        return self.cleaned_data.get("phone_region") or DEFAULT_PHONE_REGION

    class Meta:
        model = Clinic
        fields = ["phone_region", "phone"]  # the admin adds the others


class NurseProfileForm(_PhoneForm):
    class Meta:
        model = NurseProfile
        fields = ["phone"]


class PatientForm(_PhoneForm):
    def _region(self) -> str:
        clinic = self.cleaned_data.get("clinic")
        return getattr(clinic, "phone_region", "") or DEFAULT_PHONE_REGION

    def clean(self):
        data = super().clean()
        clinic, phone = data.get("clinic"), data.get("phone")
        if clinic is not None and phone and "phone" not in self.errors:
            patient_phone_check(clinic=clinic, phone=phone, exclude_patient_id=self.instance.pk)
        return data

    class Meta:
        model = Patient
        fields = ["clinic", "phone"]


class ClinicMembershipInline(admin.TabularInline):
    model = ClinicMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    form = ClinicForm
    list_display = ["name", "phone", "timezone", "quiet_hours_start", "quiet_hours_end"]
    search_fields = ["name"]
    inlines = [ClinicMembershipInline]


@admin.register(NurseProfile)
class NurseProfileAdmin(admin.ModelAdmin):
    form = NurseProfileForm
    list_display = ["user", "phone"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(ClinicMembership)
class ClinicMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "on_call", "roster_position"]
    list_filter = ["clinic", "on_call"]
    autocomplete_fields = ["user", "clinic"]


@admin.register(Patient)
class PatientAdmin(PatientDataAdmin):
    form = PatientForm
    list_display = ["last_name", "first_name", "clinic", "procedure", "surgery_date", "sms_opt_in", "monitoring_ended_at"]
    list_filter = ["clinic", "procedure", "language", "sms_opt_in"]
    search_fields = ["last_name", "first_name", "phone"]
    date_hierarchy = "surgery_date"
    readonly_fields = ["public_id", "user", "created_at", "updated_at", "created_by", "phone_invalid_at"]
    list_select_related = ["clinic"]


@admin.register(EnrollmentCode)
class EnrollmentCodeAdmin(PatientDataAdmin):
    list_display = ["patient", "created_at", "expires_at", "used_at"]
    # Neither the hash nor the seed is shown: with the server's key, the seed gives the code.
    exclude = ["code_hash", "seed"]
    readonly_fields = ["patient", "created_at", "expires_at", "used_at", "created_by"]
    list_select_related = ["patient"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(PatientDataAdmin):
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
