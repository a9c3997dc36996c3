"""Validation of phone numbers and time zones, shared by models, serializers, forms and commands.

Phone numbers are read with phonenumbers (Google's libphonenumber): what a nurse types, such as
"(312) 555-0142", is read in the clinic's region and stored in E.164 form (+13125550142). Only
numbers of a possible length for their country are taken. "Possible" rather than "valid": the
fictional 555 numbers used in tests and demonstrations are possible but not assigned, and a number
plan changes faster than a pinned library.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

DEFAULT_PHONE_REGION = "US"
# Longer than any way of writing a 15-digit number with spaces, dashes and brackets.
PHONE_INPUT_MAX_LENGTH = 32
PHONE_HELP = "A mobile number such as (312) 555-0142, or +13125550142 with the country code."
_INVALID_PHONE = gettext_lazy("Enter a possible phone number, such as (312) 555-0142 or +13125550142.")

_E164 = gettext_lazy("Enter a phone number in E.164 form, such as +15551230001.")


def phone_normalize(value: str, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """The number in E.164 form, read in `region` when it has no +country prefix; a ValidationError
    (code invalid_phone) when it is not a possible number."""
    if not isinstance(value, str) or not value.strip() or len(value) > PHONE_INPUT_MAX_LENGTH:
        raise ValidationError(_INVALID_PHONE, code="invalid_phone")
    try:
        number = phonenumbers.parse(value, region or DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_INVALID_PHONE, code="invalid_phone") from None
    # An extension ("x12") cannot receive SMS; phonenumbers keeps it apart, so refuse it here.
    # IS_POSSIBLE only: a local number without its area code ("555-0100") is "possible locally" to
    # phonenumbers, but cannot be dialled from elsewhere.
    reason = phonenumbers.is_possible_number_with_reason(number)
    if number.extension or reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise ValidationError(_INVALID_PHONE, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    """A stored number: already in E.164 form, and possible."""
    if not isinstance(value, str) or not value.startswith("+"):
        raise ValidationError(_E164, code="invalid_phone")
    if phone_normalize(value) != value:
        raise ValidationError(_E164, code="invalid_phone")


def validate_phone_region(value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(gettext("Unknown region %(value)r, expected a two-letter country code such as US.") % {"value": value}, code="invalid_region")


_ZONES: frozenset[str] | None = None


def validate_timezone(value: str) -> None:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    if value not in _ZONES:
        raise ValidationError(
            gettext("Unknown IANA time zone %(value)r, expected a name such as America/Chicago.") % {"value": value}, code="invalid_timezone"
        )
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(gettext("Unknown IANA time zone %(value)r.") % {"value": value}, code="invalid_timezone") from None
