"""Strict input fields for the API: JSON types as the schema states them, never coerced.

DRF would take "5" for a number and "yes" for a boolean; the mobile app sends real JSON types, and
anything else is a 400 naming the field, as the OpenAPI schema promises.
"""

import datetime
import re
import uuid

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# Matched with fullmatch: "$" alone also matches before a trailing newline ("...7b10\n").
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class StrictIntegerField(serializers.IntegerField):
    """A JSON whole number (not a string, a boolean or a fraction)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictCharField(serializers.CharField):
    """A JSON string (a number is not taken for its digits)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """A date as YYYY-MM-DD, and nothing else."""

    default_error_messages = {"invalid": "Enter a date as YYYY-MM-DD."}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _DATE.fullmatch(data):
            self.fail("invalid")
        try:
            return datetime.date.fromisoformat(data)
        except ValueError:
            self.fail("invalid")


class ClientIdField(serializers.UUIDField):
    """A UUID in its usual 8-4-4-4-12 form, as phones make them."""

    default_error_messages = {"invalid": "Must be a UUID such as 0b6e1c1e-5d0c-4f1e-9a59-2a8f3d6c7b10."}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _UUID.fullmatch(data):
            self.fail("invalid")
        return uuid.UUID(data)


@extend_schema_field({"type": "string", "pattern": _HHMM.pattern, "example": "18:00"})
class ClockTimeField(serializers.Field):
    """A time of day as HH:MM (24-hour)."""

    default_error_messages = {"invalid": "Enter a time as HH:MM (24-hour), such as 18:00."}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _HHMM.fullmatch(data):
            self.fail("invalid")
        hours, minutes = data.split(":")
        return datetime.time(int(hours), int(minutes))

    def to_representation(self, value):
        return value.strftime("%H:%M")


class CodeListField(serializers.Field):
    """A list of codes from a fixed vocabulary; an unknown one is named in the error. Repeats are
    dropped (the first mention keeps its place)."""

    default_error_messages = {
        "not_a_list": "Expected a list of codes.",
        "unknown": "Unknown code {code!r}; known codes: {known}.",
        "too_long": "At most {max} codes.",
    }

    def __init__(self, *, codes, **kwargs):
        self.codes = tuple(codes)
        self.max_items = len(self.codes)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list")
        unknown = [code for code in data if not isinstance(code, str) or code not in self.codes]
        if unknown:
            raise serializers.ValidationError(
                [self.error_messages["unknown"].format(code=code, known=", ".join(self.codes)) for code in unknown[:5]]
            )
        codes = list(dict.fromkeys(data))
        if len(codes) > self.max_items:
            self.fail("too_long", max=self.max_items)
        return codes

    def to_representation(self, value):
        return list(value)


class _CodeListFieldSchema(OpenApiSerializerFieldExtension):
    """drf-spectacular: a CodeListField is an array of its own vocabulary (each instance has one)."""

    target_class = CodeListField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "array", "items": {"type": "string", "enum": list(self.target.codes)}}
