"""The test harness's flush (conftest.py) survives a deadlock with another connection, as the worker makes.

A second connection holds a lock on the last table the TRUNCATE takes and, once the TRUNCATE waits for it,
asks for the first: PostgreSQL fails the TRUNCATE, which waited longer, as the deadlock. The flush tries again
and succeeds once the other transaction ends.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection
from django.test import TransactionTestCase

from annotations.models import Project
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)


def truncate_waits(watcher: psycopg.Connection) -> bool:
    row = watcher.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'TRUNCATE%%'"
    ).fetchone()
    return row is not None and row[0] > 0


def test_a_flush_that_deadlocks_with_another_connection_is_tried_again() -> None:
    ProjectFactory.create()
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    first, last = connection.ops.quote_name(tables[0]), connection.ops.quote_name(tables[-1])
    params = connection.get_connection_params()
    holding = threading.Event()
    outcome: list[str] = []

    def other_side() -> None:
        with psycopg.connect(**params) as conn, psycopg.connect(**params, autocommit=True) as watcher:
            conn.execute(f"LOCK TABLE {last} IN ACCESS SHARE MODE")
            holding.set()
            deadline = time.monotonic() + 10
            while not truncate_waits(watcher):
                assert time.monotonic() < deadline, "the flush never waited for the lock"
                time.sleep(0.02)
            conn.execute(f"LOCK TABLE {first} IN ACCESS SHARE MODE")  # the flush holds it: a deadlock
            outcome.append("got both locks")
            conn.commit()

    thread = threading.Thread(target=other_side)
    thread.start()
    assert holding.wait(10)
    TransactionTestCase()._fixture_teardown()  # type: ignore[attr-defined]  # what pytest-django calls
    thread.join(20)
    assert outcome == ["got both locks"]  # the flush, not the other side, was the deadlock's victim
    assert not Project.objects.exists()  # and its second attempt emptied the tables
