"""The embedded PostgreSQL and Redis: start, reuse, persist across restarts, recover from a killed run."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import psycopg
import pytest
import redis

from factcheck.embedded import EmbeddedPostgres, EmbeddedRedis


@pytest.fixture
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Short path: Unix socket paths are limited to ~107 bytes.
    return tmp_path_factory.mktemp("emb")


def wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, f"process {pid} still running"
        time.sleep(0.05)


def pg_query(server: EmbeddedPostgres, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(host=str(server.socket_dir()), user="postgres", dbname="factcheck", autocommit=True) as c:
        cursor = c.execute(sql)
        return cursor.fetchall() if cursor.description else []


def test_postgres_starts_reuses_persists_and_recovers(root: Path) -> None:
    server = EmbeddedPostgres(root)
    try:
        assert server.start() is True
        assert server.start() is False  # a second start reuses the running server
        assert pg_query(server, "SELECT extname FROM pg_extension WHERE extname = 'vector'") == [("vector",)]
        pg_query(server, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")

        server.stop()
        assert not server.is_running()
        assert server.start() is True
        assert pg_query(server, "SELECT v FROM kept") == [("still here",)]

        # A killed run leaves postmaster.pid behind: the next start must recover, not fail.
        pid = int((server.pgdata / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid)
        assert (server.pgdata / "postmaster.pid").exists()
        assert server.start() is True
        assert pg_query(server, "SELECT v FROM kept") == [("still here",)]
    finally:
        server.stop()


def test_postgres_treats_a_pid_file_of_another_program_as_stale(root: Path) -> None:
    server = EmbeddedPostgres(root)
    try:
        server.start()
        server.stop()
        pid_file = server.pgdata / "postmaster.pid"
        pid_file.write_text(f"{os.getpid()}\n{server.pgdata}\n0\n5432\n{server.pgdata}\n\n\n")
        assert not server.is_running()  # the pid is alive but it is not postgres (it is pytest)
        assert server.start() is True
        assert server.is_running()
    finally:
        server.stop()


def test_redis_starts_reuses_persists_and_recovers(root: Path) -> None:
    server = EmbeddedRedis(root)
    try:
        assert server.start() is True
        assert server.start() is False
        client = redis.Redis.from_url(server.url())
        client.set("kept", "still here")
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=server.port()).set("x", "1")  # a password is required

        server.stop()
        assert not server.is_running()
        assert server.start() is True
        assert redis.Redis.from_url(server.url()).get("kept") == b"still here"

        pid = int(server.pid_file.read_text())
        os.kill(pid, signal.SIGKILL)
        wait_gone(pid)
        assert server.pid_file.exists()
        assert server.start() is True
        assert redis.Redis.from_url(server.url()).get("kept") == b"still here"
    finally:
        server.stop()
