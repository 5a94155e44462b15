"""API rate limits: a counter per client and fixed window in Redis, failing open.

DRF's throttles keep a list of request times per client in the cache, read and rewritten whole on every
request (at 6,000/min that is a pickled list of 6,000 floats, twice per request). These count instead:
one INCR and EXPIRE in a single round trip. A fixed window lets a client reach twice the rate across a
window boundary; that is the price of the cheap counter, and the limit is a guard, not a quota.

While Redis is unreachable, requests are not counted: a brief outage must not turn every API call into a
500; the limits resume when it is back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

if TYPE_CHECKING:  # rest_framework.views imports the throttle classes while it loads
    from rest_framework.views import APIView

from annotations.services.login_throttle import CACHE_ERRORS

log = logging.getLogger(__name__)

_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    """One client (and connection pool) per process, on the cache's Redis."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    return _client


class _FixedWindow(SimpleRateThrottle):
    duration: int  # seconds; SimpleRateThrottle sets these two from the rate
    num_requests: int
    wait_seconds: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        # Under the cache's key prefix, so that whoever clears the app's cached counters clears these.
        counter = f"{settings.CACHES['default']['KEY_PREFIX']}:{key}:{window}"
        try:
            pipe = _redis().pipeline(transaction=False)
            pipe.incr(counter)
            pipe.expire(counter, self.duration + 1)
            count, _ = pipe.execute()
        except CACHE_ERRORS:
            log.warning("API throttle skipped: the cache is unreachable")
            return True
        if count > self.num_requests:
            self.wait_seconds = self.duration - (now % self.duration)
            return False
        return True

    def wait(self) -> float | None:
        return self.wait_seconds


class UserThrottle(_FixedWindow, UserRateThrottle):
    pass


class AnonThrottle(_FixedWindow, AnonRateThrottle):
    pass
