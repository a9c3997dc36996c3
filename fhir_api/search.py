"""FHIR search parameters read from a query string, pure: each bad value is a SearchError naming the
parameter, which the views answer as a 400 OperationOutcome."""

import datetime
import operator
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_COUNT = 50
MAX_COUNT = 500
# Parameters every search takes besides its own: _format is what FHIR clients send to ask for JSON.
COMMON_PARAMETERS = frozenset({"_count", "_offset", "_format"})

_PREFIXES: dict[str, Callable[[datetime.date, datetime.date], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


class SearchError(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Page:
    count: int
    offset: int


@dataclass(frozen=True)
class DateBound:
    prefix: str
    value: datetime.date

    def matches(self, day: datetime.date) -> bool:
        return _PREFIXES[self.prefix](day, self.value)

    def lookup(self) -> tuple[str, datetime.date] | None:
        """The Django lookup of `date` for this bound, or None for `ne` (filtered after)."""
        lookups = {"eq": "date", "lt": "date__lt", "le": "date__lte", "gt": "date__gt", "ge": "date__gte"}
        return (lookups[self.prefix], self.value) if self.prefix in lookups else None


def reject_unknown(query, allowed: set[str] | frozenset[str]) -> None:
    """A parameter this search does not know is an error rather than silently ignored: a client that
    misspells `patient` would otherwise get every match."""
    for name in query:
        if name not in allowed and name not in COMMON_PARAMETERS:
            raise SearchError(name, f"Unknown search parameter '{name}'.")


def _one(query, name: str) -> str | None:
    values = query.getlist(name)
    if len(values) > 1:
        raise SearchError(name, f"Give '{name}' once.")
    return values[0] if values else None


def page(query) -> Page:
    """_count (default 50; above 500 is served as 500, as FHIR lets a server do) and _offset."""
    count, offset = DEFAULT_COUNT, 0
    raw = _one(query, "_count")
    if raw is not None:
        if not raw.isdigit() or int(raw) < 1:
            raise SearchError("_count", "'_count' must be a whole number from 1.")
        count = min(int(raw), MAX_COUNT)
    raw = _one(query, "_offset")
    if raw is not None:
        if not raw.isdigit():
            raise SearchError("_offset", "'_offset' must be a whole number from 0.")
        offset = int(raw)
    return Page(count=count, offset=offset)


def patient_id(query, *, required: bool = True) -> int | None:
    """`patient` as an id or a reference (`Patient/12`)."""
    raw = _one(query, "patient")
    if raw is None or raw == "":
        if required:
            raise SearchError("patient", "'patient' is required: the patient's id.")
        return None
    value = raw.removeprefix("Patient/")
    if not value.isdigit() or len(value) > 18:
        raise SearchError("patient", "'patient' must be a patient's id, e.g. 12 or Patient/12.")
    return int(value)


def dates(query) -> list[DateBound]:
    """Each `date` (several are ANDed): an optional prefix then YYYY-MM-DD."""
    bounds = []
    for raw in query.getlist("date"):
        prefix, value = (raw[:2], raw[2:]) if raw[:2] in _PREFIXES else ("eq", raw)
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise SearchError("date", f"'date' must be YYYY-MM-DD with an optional prefix (eq, ne, lt, le, gt, ge): got '{raw}'.") from None
        if len(value) != 10:
            raise SearchError("date", f"'date' must be YYYY-MM-DD: got '{raw}'.")
        bounds.append(DateBound(prefix, day))
    return bounds


def tokens(query, name: str) -> list[tuple[str | None, str]]:
    """A token parameter: comma-separated `system|code`, `|code` (no system) or `code` (any system),
    as (system or None, code) pairs. Several occurrences are ANDed, so only one is taken."""
    raw = _one(query, name)
    if raw is None:
        return []
    pairs = []
    for part in raw.split(","):
        if not part:
            raise SearchError(name, f"'{name}' has an empty value.")
        if "|" in part:
            system, code = part.split("|", 1)
            pairs.append((system, code))
        else:
            pairs.append((None, part))
    return pairs


def string(query, name: str, *, max_length: int = 100) -> str | None:
    raw = _one(query, name)
    if raw is not None and len(raw) > max_length:
        raise SearchError(name, f"'{name}' is longer than {max_length} characters.")
    return raw
