"""Validation of phone numbers and time zones, shared by models, serializers and commands."""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError

E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def validate_e164(value: str) -> None:
    if not isinstance(value, str) or not E164.match(value):
        raise ValidationError("Enter a phone number in E.164 form, such as +15551230001.", code="invalid_phone")


_ZONES: frozenset[str] | None = None


def validate_timezone(value: str) -> None:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    if value not in _ZONES:
        raise ValidationError(f"Unknown IANA time zone {value!r}, expected a name such as America/Chicago.", code="invalid_timezone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown IANA time zone {value!r}.", code="invalid_timezone") from None
