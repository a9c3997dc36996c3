"""The admin of the outcome questionnaires: an instrument is uploaded as its file (a FHIR R4 Questionnaire
with the service's part, docs/outcomes.md) and read, not edited field by field; responses are patient
data, shown read-only and audited as every admin page of patient data."""

import json

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from outcomes.definition import DefinitionError
from outcomes.models import Instrument, QuestionnaireResponse, TimePoint
from outcomes.services import instrument_load
from patients.admin import PatientDataAdmin

MAX_FILE_BYTES = 1_000_000


class UploadForm(forms.Form):
    file = forms.FileField(label="Questionnaire file (JSON)", help_text="A FHIR R4 Questionnaire with the service's part: see docs/outcomes.md.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError("The file is larger than 1 MB.")
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"Not a JSON file: {exc}") from None


class TimePointInline(admin.TabularInline):
    model = TimePoint
    extra = 0
    can_delete = False
    fields = ("code", "label", "day", "start_day", "end_day", "baseline")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "version", "scoring_method", "mcid", "active", "loaded_at")
    list_filter = ("active",)
    readonly_fields = ("code", "version", "url", "title", "scoring_method", "higher_is_better", "mcid", "improvement_by",
                       "procedures", "languages", "loaded_at", "loaded_by", "questionnaire", "translations", "scoring")
    fields = ("active", *readonly_fields)
    inlines = [TimePointInline]
    change_list_template = "admin/outcomes/instrument/change_list.html"

    def languages(self, obj):
        return ", ".join(obj.languages)

    def has_add_permission(self, request):
        return False  # added by upload

    def get_urls(self):
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="outcomes_instrument_upload"), *super().get_urls()]

    def upload_view(self, request):
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                instrument = instrument_load(document=form.cleaned_data["file"], user=request.user)
            except DefinitionError as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(request, f"Loaded {instrument}.")
                return redirect(reverse("admin:outcomes_instrument_change", args=[instrument.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "title": "Upload a questionnaire", "opts": self.model._meta}
        return TemplateResponse(request, "admin/outcomes/instrument/upload.html", context, status=400 if form.errors else 200)


@admin.register(QuestionnaireResponse)
class QuestionnaireResponseAdmin(PatientDataAdmin):
    list_display = ("patient", "instrument", "time_point", "status", "score", "channel", "authored_on")
    list_filter = ("status", "channel")
    readonly_fields = ("patient", "instrument", "time_point", "client_id", "status", "answers", "raw_score", "score", "channel",
                       "language", "entered_by", "authored_on", "created_at", "updated_at", "completed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
