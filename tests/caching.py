"""Forgets the app's cached counters (login failures, API throttles) between tests.

Only keys under the cache's prefix: `cache.clear()` would FLUSHDB the Redis that Celery's queues share.
"""

from __future__ import annotations

import redis
from django.conf import settings


def cache_forget_all() -> None:
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
