"""Middleware of the whole site: 503 in JSON with Retry-After when the database cannot be reached
(never a 500 page), no-store on every answer, the sign-in forms' rate limit, and each request's
language (the nurse's for the pages, the default for the APIs)."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext

from api.throttling import login_throttle_wait

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unavailable_response() -> JsonResponse:
    response = JsonResponse(
        {"detail": "The service is temporarily unavailable (database unreachable). Please retry shortly."},
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError):
            logger.exception("database unavailable while serving %s", request.path)
            return database_unavailable_response()

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.exception("database unavailable while serving %s", request.path)
            return database_unavailable_response()
        return None


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer the application makes: pages and API answers carry
    patient data, and neither a shared ward computer's browser nor a proxy may keep a copy. (Static
    files are served before this, by WhiteNoise, with their own long cache headers.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class LoginThrottleMiddleware:
    """The dashboard's and the admin's sign-in forms count, per client address, toward the same limit
    as the API's token call (the `login` scope): django-axes locks out a username, this stops one
    address from trying many usernames. Over the limit, the form is not even looked at: 429."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def __call__(self, request):
        if request.method == "POST":
            if self._paths is None:
                self._paths = {reverse("dashboard:login"), reverse("admin:login")}
            if request.path in self._paths:
                wait = login_throttle_wait(request)
                if wait is not None:
                    response = HttpResponse(gettext("Too many sign-in attempts from this address. Try again later."), status=429, content_type="text/plain; charset=utf-8")
                    response["Retry-After"] = str(max(1, int(wait)))
                    return response
        return self.get_response(request)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's LocaleMiddleware for the pages people read: the dashboard and the admin in the nurse's
    language (the switch's cookie, else the browser's), the web check-in (which then renders in the
    patient's own). The APIs (/api/, /fhir/, the webhooks) stay in the default language whatever
    Accept-Language says: their messages are part of the contract an app is written against, and an
    answer half in Django's Spanish and half in our English would help nobody."""

    MACHINE_PREFIXES = ("/api/", "/fhir/", "/webhooks/", "/healthz", "/metrics")

    def process_request(self, request):
        if request.path.startswith(self.MACHINE_PREFIXES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
            return None
        return super().process_request(request)

    def process_response(self, request, response):
        if request.path.startswith(self.MACHINE_PREFIXES):
            return response
        return super().process_response(request, response)
