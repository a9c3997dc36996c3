"""The clinic edits each protocol's day-by-day guidance here. Check-in links are not shown: they are
minted with an SMS and used by the patient, never edited."""

from django.contrib import admin

from webcheckin.models import ProtocolGuidance


@admin.register(ProtocolGuidance)
class ProtocolGuidanceAdmin(admin.ModelAdmin):
    list_display = ("protocol", "stretch", "updated_at")
    list_filter = ("protocol", "stretch")
    fields = ("protocol", "stretch", "text_en", "text_es")
