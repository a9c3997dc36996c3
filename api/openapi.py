"""The error bodies of the API, described once for the OpenAPI schema (drf-spectacular)."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class DetailErrorSerializer(serializers.Serializer):
    """{"detail": "..."}: 401, 403, 404, 429, and 400s that concern the whole request."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="A machine-readable reason, where there is one.")


class TokenErrorMessageSerializer(serializers.Serializer):
    token_class = serializers.CharField()
    token_type = serializers.CharField()
    message = serializers.CharField()


class AuthErrorSerializer(DetailErrorSerializer):
    """401: no token, an expired or invalid one, or bad credentials."""

    messages = TokenErrorMessageSerializer(many=True, required=False)


# DRF's usual 400 body: each field named, with its messages; `non_field_errors` or `detail` for the
# request as a whole.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": 'Each invalid field with its messages, e.g. {"pain": ["Ensure this value is less than or equal to 10."]}.',
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
        ]
    },
}

_DESCRIPTIONS = {
    400: "Invalid input: each field named with its messages. Nothing was changed.",
    401: "No token, or an expired or invalid one.",
    403: "The token does not reach this call (a staff token on a patient call, or the reverse).",
    404: "Not found, or not yours to see.",
    429: "Too many requests: wait and retry (the Retry-After header says how long).",
}


def error_responses(*codes: int) -> dict:
    """The documented error answers for an operation, by status code."""
    responses = {}
    for code in codes:
        if code == 400:
            responses[400] = OpenApiResponse(response=FIELD_ERRORS_SCHEMA, description=_DESCRIPTIONS[400])
        elif code == 401:
            responses[401] = OpenApiResponse(response=AuthErrorSerializer, description=_DESCRIPTIONS[401])
        else:
            responses[code] = OpenApiResponse(response=DetailErrorSerializer, description=_DESCRIPTIONS[code])
    return responses
