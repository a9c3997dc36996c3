"""Top-level URL map: the API under /api/v1/, its schema, Twilio's webhooks, the admin and the dashboard."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.views import healthz

api_v1 = [
    path("", include("patients.urls")),
    path("", include("recovery.urls")),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("webhooks/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("", include("dashboard.urls")),
]
