"""The JSON parser of every API call: it refuses, with a 400, what would otherwise break later as a 500."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The API's deepest body is a sync: {"checkins": [{"symptoms": [...]}]}, four levels.
MAX_JSON_DEPTH = 32


def _unencodable(text: str) -> bool:
    """A lone surrogate ("\\ud800" in JSON) is valid JSON but no UTF-8 text: PostgreSQL and the
    JSON answer echoing it could not carry it."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class StrictJSONParser(JSONParser):
    """JSON, refused with a 400 when nested deeper than MAX_JSON_DEPTH or carrying a lone surrogate.

    Python's parser raises RecursionError on about 1,000 levels, which is not a ValueError and so
    was a 500; shallower but deep bodies would recurse later, in validation or in the error answer.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels") from None
        # Walk the parsed value without recursion: (value, depth) pairs.
        pending = [(data, 1)]
        while pending:
            value, depth = pending.pop()
            if isinstance(value, str):
                if _unencodable(value):
                    raise ParseError("JSON parse error - a string holds a lone surrogate (not valid Unicode text)")
                continue
            if not isinstance(value, dict | list):
                continue
            if depth > MAX_JSON_DEPTH:
                raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels")
            if isinstance(value, dict):
                pending.extend((key, depth) for key in value)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)
        return data
