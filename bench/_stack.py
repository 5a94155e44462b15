"""What bench/suggest.py and bench/ui.py share: the CheckThat! claims as an import feed, gunicorn and one
Celery worker on the benchmark's own database and Redis, and percentiles."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "claim-matching"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def checkthat_claims_feed(limit: int) -> bytes:
    """Up to `limit` claims (text and title) of three CheckThat! splits, as JSONL for `claim_import`."""
    rows: list[dict[str, str]] = []
    for folder in ("clef2022-2a-en", "clef2021-2b-en", "clef2020-t2-en"):
        with (DATA / folder / "claims.jsonl").open(encoding="utf-8") as lines:
            rows.extend(json.loads(line) for line in lines if line.strip())
    return "".join(json.dumps({"text": r["text"], "title": r.get("title", "")}) + "\n" for r in rows[:limit]).encode()


@contextmanager
def web_and_worker(*, beat_schedule: Path | None = None) -> Iterator[int]:
    """gunicorn (2 workers) and one solo Celery worker (with beat, the sweeper, if given a schedule file), on
    the settings' database and Redis; yields the web port once the worker answers a ping."""
    from django.conf import settings

    from factcheck.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    worker_args = ["--pool", "solo", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]
    if beat_schedule is not None:
        worker_args += ["-B", "--schedule", str(beat_schedule)]
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "factcheck", "worker", *worker_args], cwd=REPO, env=env
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = subprocess.Popen(
        [
            *[sys.executable, "-m", "gunicorn", "factcheck.wsgi:application", "--bind", f"127.0.0.1:{port}"],
            *["--workers", "2", "--log-level", "warning"],
        ],
        cwd=REPO,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline:
                sys.exit("the worker did not start")
        time.sleep(1)  # gunicorn boots alongside
        yield port
    finally:
        web.terminate()
        worker.terminate()
        web.wait(timeout=20)
        worker.wait(timeout=30)


def tree_cpu(pid: int | None) -> float:
    """CPU seconds of a process tree, including descendants that exited and were reaped within it (0 for no
    process). PostgreSQL backends and gunicorn workers may be replaced during a workload (Django closes a
    connection after DATABASE_CONN_MAX_AGE): a reaped child's time moves to its parent's children_*."""
    import psutil

    total = 0.0
    if pid is None:
        return total
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return total
    for proc in processes:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total
