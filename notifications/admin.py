"""Admin for the message history (every SMS in or out)."""

from django.contrib import admin

from notifications.models import Message
from patients.admin import PatientDataAdmin


@admin.register(Message)
class MessageAdmin(PatientDataAdmin):
    list_display = ["created_at", "direction", "purpose", "status", "patient", "to_phone", "attempts", "error_code", "reason"]
    list_filter = ["direction", "purpose", "status"]
    search_fields = ["=patient__id", "to_phone", "provider_sid", "body"]
    date_hierarchy = "created_at"
    raw_id_fields = ["patient", "recipient_user", "caregiver"]
    list_select_related = ["patient"]
    readonly_fields = ["provider_sid", "sent_at", "delivered_at", "created_at", "updated_at", "attempts", "queued_at", "claimed_at", "reason"]
