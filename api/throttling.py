"""Rate limits counted in Redis with one round trip a request.

DRF's ScopedRateThrottle keeps a list of timestamps per client in the cache, read and written back
whole on every request (two round trips and a pickle of up to `rate` floats). On the check-in path
that is a sizeable share of the request. This throttle takes the same scopes and rates from
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], but counts requests in fixed windows with INCR and EXPIRE
in one pipeline. A fixed window lets a client through at most twice the rate across a window's edge,
which is enough to stop a runaway app. Without Redis (the file cache of `make run`) it falls back
to DRF's own.
"""

import logging
import threading
from types import SimpleNamespace

import redis
from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)
_local = threading.local()


def _redis_for(url: str):
    """One client (and connection) per thread: gunicorn's threads never share a socket."""
    clients = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return clients[url]


class ScopedWindowRateThrottle(ScopedRateThrottle):
    def allow_request(self, request, view) -> bool:
        url = getattr(settings, "REDIS_URL", "")
        if not url:
            return super().allow_request(request, view)
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        key = f"{self.key}:{window}"  # e.g. throttle_checkin_42:493712
        try:
            pipe = _redis_for(url).pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, self.duration + 1)
            count, _ = pipe.execute()
        except Exception:  # noqa: BLE001 - a rate limit must not take the service down with Redis
            logger.warning("rate limit not counted (Redis unavailable) for %s", self.scope, exc_info=True)
            return True
        if count > self.num_requests:
            self.wait_seconds = (window + 1) * self.duration - self.now
            return False
        return True

    def wait(self):
        if hasattr(self, "wait_seconds"):
            return self.wait_seconds
        return super().wait()


def login_throttle_wait(request) -> float | None:
    """Count a sign-in attempt made outside the REST framework (the dashboard's and the admin's forms)
    toward the `login` scope of the client's address; None when allowed, else the seconds to wait."""
    throttle = ScopedWindowRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope="login")):
        return None
    return throttle.wait() or 60.0
