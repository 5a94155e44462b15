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

import redis as redis_py
from kombu.transport import redis


class Channel(redis.Channel):
    _kept_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        if self._kept_client is None:
            try:
                self._kept_client = self._create_client()
            except AttributeError as exc:
                # The broker was lost and kombu released the connection before closing this channel; a
                # worker then restores its unacknowledged messages (an ETA task it holds, say) through here.
                # kombu itself fails the same way and the worker dies; as a connection error it reconnects,
                # and Redis still holds those messages in its unacked set for the visibility timeout to restore.
                raise redis_py.ConnectionError("the broker connection was released") from exc
        yield self._kept_client

    def _disconnect_pools(self) -> None:
        # After a fork or on close kombu replaces the pool; the kept client must not outlive it.
        self._kept_client = None
        super()._disconnect_pools()


class Transport(redis.Transport):
    Channel = Channel
