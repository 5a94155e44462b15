"""Celery's Redis transport, keeping one Redis client per channel instead of building one per message.

kombu's Redis channel makes a new redis-py client for every operation that is not given one
(`Channel.conn_or_acquire`), which includes every publish. The client's constructor (it registers about 170
response callbacks) cost as much CPU as the rest of a publish, about a fifth of a span create's request.
A redis-py client is a thin front to the channel's connection pool, so this channel makes one the first
time and keeps it. Configured by `CELERY_BROKER_TRANSPORT` for the web processes and the workers alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    _kept_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        if self._kept_client is None:
            self._kept_client = self._create_client()
        yield self._kept_client

    def _disconnect_pools(self) -> None:
        # After a fork or on close kombu replaces the pool; the kept client must not outlive it.
        self._kept_client = None
        super()._disconnect_pools()


class Transport(redis.Transport):
    Channel = Channel
