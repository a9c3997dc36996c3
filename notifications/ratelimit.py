"""The send rate per sender (settings.SMS_RATE_PER_SECOND), shared by every worker through Redis.

A generic cell rate algorithm: Redis keeps, per sender, the earliest time at which the next message
may go; each send reserves that slot and pushes it one interval on, atomically in a Lua script that
reads Redis's own clock (so workers on several machines agree). Without Redis (REDIS_URL empty, the
bare-machine default) the limit is kept per worker process instead: N processes then send up to N
times the rate.
"""

import logging
import threading
import time

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# KEYS[1]: the sender's key. ARGV[1]: microseconds between sends; ARGV[2]: the longest wait (µs) the
# caller accepts. Returns the wait in µs with the slot reserved, or -1 - wait without reserving.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now
if wait > tonumber(ARGV[2]) then return -1 - wait end
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.floor((wait + interval) / 1000) + 1000)
return wait
"""

_lock = threading.Lock()
_local_next: dict[str, float] = {}
_clients: dict[str, redis.Redis] = {}


def _redis() -> redis.Redis:
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return client


def _reserve_local(sender: str, interval: float, max_wait: float) -> float | None:
    with _lock:
        now = time.monotonic()
        slot = max(_local_next.get(sender, 0.0), now)
        wait = slot - now
        if wait > max_wait:
            return None
        _local_next[sender] = slot + interval
        return wait


def rate_slot_reserve(*, sender: str, rate: float, max_wait: float) -> float | None:
    """Reserve the sender's next send slot: the seconds to wait before sending, or None (nothing
    reserved) when the next free slot is more than `max_wait` seconds away. A rate of 0 is no limit."""
    if rate <= 0:
        return 0.0
    interval = 1.0 / rate
    if settings.REDIS_URL:
        try:
            micros = int(_redis().eval(_RESERVE, 1, f"sms-rate:{sender}", int(interval * 1_000_000), int(max_wait * 1_000_000)))
        except redis.RedisError:
            # Redis holds nothing we cannot lose; keep sending at this process's own pace meanwhile.
            logger.warning("rate limit: Redis unreachable, limiting per process", exc_info=True)
            return _reserve_local(sender, interval, max_wait)
        return None if micros < 0 else micros / 1_000_000
    return _reserve_local(sender, interval, max_wait)


def rate_slot_reset(*, sender: str) -> None:
    """Forget the sender's reservations (tests and benchmarks start from an idle sender)."""
    with _lock:
        _local_next.pop(sender, None)
    if settings.REDIS_URL:
        _redis().delete(f"sms-rate:{sender}")
