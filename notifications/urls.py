"""Twilio's webhooks: inbound SMS and delivery status callbacks."""

urlpatterns = []
