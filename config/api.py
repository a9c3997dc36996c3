"""The REST framework's exception handler, extended so that a database outage is a 503, not a 500."""

from django.db import InterfaceError, OperationalError
from rest_framework.views import exception_handler as drf_exception_handler

from config.middleware import database_unavailable_response


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        return database_unavailable_response()
    return drf_exception_handler(exc, context)
