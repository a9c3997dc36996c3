"""Routes of the staff calls: patients, their daily records, alerts."""

urlpatterns = []
