"""A Redis cache that degrades instead of failing when Redis is down.

The cache holds throttle counters and rate-limit tokens, never the only copy of anything, so a
check-in must still be accepted while Redis is unreachable: reads miss, writes are skipped, and the
failure is logged (once a minute at most).
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)
_last_warning = 0.0


def _warn(operation: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("cache unavailable during %s (%s); continuing without it", operation, exc)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _FAILURES as exc:
            _warn("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _FAILURES as exc:
            _warn("get_many", exc)
            return {}

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 - Django's API
        try:
            return super().set(key, value, timeout, version)
        except _FAILURES as exc:
            _warn("set", exc)
            return None

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _FAILURES as exc:
            _warn("add", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _FAILURES as exc:
            _warn("delete", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _FAILURES as exc:
            _warn("incr", exc)
            raise ValueError("cache unavailable") from exc

    def clear(self):
        try:
            return super().clear()
        except _FAILURES as exc:
            _warn("clear", exc)
            return None
