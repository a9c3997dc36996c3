"""The nurses' pages."""

app_name = "dashboard"
urlpatterns = []
