"""Strict parsing of settings from the environment.

A value that cannot be parsed stops start-up with a message naming the variable, instead of falling
back silently to a default. Any variable may instead be read from a file named by ``NAME_FILE``
(for secrets mounted by an orchestrator).
"""

import os
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()


def raw(name: str, default=_MISSING):
    """The variable's text, from NAME or the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            with open(file_name, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {file_name!r} ({exc.strerror})") from exc
    value = os.environ.get(name)
    if value is None or value == "":
        if default is _MISSING:
            raise ImproperlyConfigured(f"{name}: this setting is required")
        return default
    return value


def string(name: str, default: str = "") -> str:
    return raw(name, default)


def boolean(name: str, default: bool) -> bool:
    value = raw(name, None)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}: expected true or false, got {value!r}")


def integer(name: str, default: int, minimum: int | None = None, maximum: int | None = None) -> int:
    value = raw(name, None)
    if value is None:
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name}: must be at most {maximum}, got {number}")
    return number


def number(name: str, default: float, minimum: float | None = None) -> float:
    value = raw(name, None)
    if value is None:
        return default
    try:
        parsed = float(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a number, got {value!r}") from None
    if minimum is not None and parsed < minimum:
        raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {parsed}")
    return parsed


def string_list(name: str, default: list[str]) -> list[str]:
    value = raw(name, None)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{name}: expected a comma-separated list, got {value!r}")
    return items


_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def url(name: str, default: str, schemes: tuple[str, ...] | None = None) -> str:
    value = raw(name, default)
    if not _URL.match(value):
        raise ImproperlyConfigured(f"{name}: expected a URL such as scheme://host, got {value!r}")
    scheme = value.split("://", 1)[0].lower()
    if schemes and scheme not in schemes:
        raise ImproperlyConfigured(f"{name}: scheme must be one of {', '.join(schemes)}, got {scheme!r}")
    return value.rstrip("/") if scheme in ("http", "https") else value


def timezone_name(name: str, default: str) -> str:
    value = raw(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}: unknown time zone {value!r}") from None
    return value


def choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = raw(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: must be one of {', '.join(choices)}, got {value!r}")
    return value


_RATE = re.compile(r"^[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)$")


def rate(name: str, default: str) -> str:
    """A throttle rate as the REST framework reads it: a count per second, minute, hour or day."""
    value = raw(name, default).strip()
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name}: expected a rate such as 20/hour (per second, minute, hour or day), got {value!r}")
    return value
