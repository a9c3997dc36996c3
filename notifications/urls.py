"""Twilio's webhooks, under /webhooks/."""

from django.urls import path

from notifications import webhooks

app_name = "notifications"

urlpatterns = [
    path("twilio/sms/", webhooks.sms_inbound, name="twilio-sms"),
    path("twilio/status/", webhooks.sms_status, name="twilio-status"),
]
