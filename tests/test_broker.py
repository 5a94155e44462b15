"""The broker transport keeps one Redis client per channel (factcheck/broker.py), and messages still travel
through the real embedded Redis."""

from __future__ import annotations

from factcheck import broker
from factcheck.celery import app


def test_the_app_uses_the_transport_and_a_channel_keeps_its_client() -> None:
    assert app.conf.broker_transport == "factcheck.broker:Transport"
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        assert isinstance(channel, broker.Channel)
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second
        given = object()
        with channel.conn_or_acquire(client=given) as used:
            assert used is given


def test_messages_go_through_redis_in_order() -> None:
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("factcheck-test-broker")
        try:
            queue.clear()
            for n in range(3):
                queue.put({"n": n})
            received = []
            for _ in range(3):
                message = queue.get(timeout=5)
                received.append(message.payload["n"])
                message.ack()
            assert received == [0, 1, 2]
        finally:
            queue.clear()
            queue.close()


def test_a_new_pool_gets_a_new_client() -> None:
    # After a fork kombu replaces the channel's pool; a kept client of the old pool must go with it.
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        with channel.conn_or_acquire() as before:
            assert before.ping()
        channel._disconnect_pools()
        with channel.conn_or_acquire() as after:
            assert after is not before
            assert after.connection_pool is channel.pool
            assert after.ping()
