"""Routes of the patients layer's API: staff tokens, refresh, logout and patient enrollment."""

from django.urls import path

from patients import api

urlpatterns = [
    path("auth/token/", api.StaffTokenView.as_view(), name="auth-token"),
    path("auth/token/refresh/", api.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/enroll/", api.EnrollView.as_view(), name="auth-enroll"),
]
