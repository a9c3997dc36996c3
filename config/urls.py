"""Top-level URL map: the API under /api/v1/, its schema, Twilio's webhooks, the admin, the patients'
web check-in and the dashboard."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.views import healthz
from dashboard.auth import admin_login
from dashboard.sessions import second_factor_owed
from monitoring.views import metrics


def _superusers_only(request) -> bool:
    """The admin shows every clinic's data, so it is for superusers only (a clinic's clinical lead
    who edits the recovery protocols is made a superuser); nurses work in the dashboard. A session
    that owes its second factor is not let in."""
    return request.user.is_active and request.user.is_superuser and not second_factor_owed(request)


admin.site.has_permission = _superusers_only
# One sign-in for the admin and the dashboard, with its second step (dashboard/auth.py).
admin.site.login = admin_login
admin.site.site_header = gettext_lazy("Recovery tracking administration")
handler404 = "config.views.not_found"

api_v1 = [
    path("", include("patients.urls")),
    path("", include("recovery.urls")),
    path("", include("caregivers.urls")),
    path("", include("outcomes.api_urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, and our template its style: the CSP
    # allows neither inline.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="patients/swagger_ui.html"), name="api-docs"),
    path("webhooks/", include("notifications.urls")),
    path("fhir/R4/", include("fhir_api.urls")),
    path("admin/", admin.site.urls),
    # Django's set_language: the dashboard's language switch posts here (a cookie the LocaleMiddleware reads).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("webcheckin.urls")),
    path("", include("outcomes.urls")),
    path("", include("dashboard.urls")),
]
