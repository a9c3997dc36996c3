"""Routes of the patients' own calls: check-ins, sync, profile and progress."""

urlpatterns = []
