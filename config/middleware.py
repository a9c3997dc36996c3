"""Answers 503 in JSON with Retry-After when the database cannot be reached, never a 500 page."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

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
