"""Shared fixtures: personas in a project, API clients, and a real Celery worker.

The embedded PostgreSQL and Redis start once per session, when the settings load (FACTCHECK_DATA_DIR is
var/test, set in pyproject's pytest env, so tests never share servers with `make run`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.test import TransactionTestCase
from rest_framework.test import APIClient

from annotations.domain import Role
from annotations.matching.embedders import describe
from annotations.models import CanonicalClaim, ClaimEmbedding, Project
from annotations.services.claims import ClaimFields, claim_create
from tests.caching import cache_forget_all
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"


# A transactional test ends by truncating every table. The session's worker (its sweeper runs every second)
# or a live-server request still in flight may hold a lock on one of them while waiting for another that the
# TRUNCATE took: PostgreSQL then breaks the deadlock by failing one side, sometimes the flush. Its data is
# being wiped either way, so the flush is tried again (a real failure still fails, after the last attempt).
_flush = TransactionTestCase._fixture_teardown  # type: ignore[attr-defined]  # not in the stubs
FLUSH_ATTEMPTS = 5


def _flush_retrying_lock_conflicts(self: TransactionTestCase) -> None:
    for attempt in range(1, FLUSH_ATTEMPTS + 1):
        try:
            _flush(self)
            return
        except CommandError as exc:
            cause = exc.__cause__.__cause__ if exc.__cause__ is not None else None
            conflict = isinstance(cause, psycopg.errors.DeadlockDetected | psycopg.errors.LockNotAvailable)
            if not conflict or attempt == FLUSH_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)


TransactionTestCase._fixture_teardown = _flush_retrying_lock_conflicts  # type: ignore[attr-defined]


@dataclass
class Personas:
    project: Project
    manager: User
    curator: User
    annotator: User
    other_annotator: User
    outsider: User  # an annotator of another project


@pytest.fixture
def personas(db: None) -> Personas:
    project = ProjectFactory.create()
    other_project = ProjectFactory.create()
    people = {}
    for name, role in [
        ("manager", Role.MANAGER),
        ("curator", Role.CURATOR),
        ("annotator", Role.ANNOTATOR),
        ("other_annotator", Role.ANNOTATOR),
    ]:
        people[name] = MembershipFactory.create(project=project, role=role, user=UserFactory.create(username=name)).user
    outsider = MembershipFactory.create(
        project=other_project, role=Role.ANNOTATOR, user=UserFactory.create(username="outsider")
    )
    return Personas(project=project, outsider=outsider.user, **people)


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, django_db_blocker: object) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` process, on the test database and the session's embedded Redis."""
    db = settings.DATABASES["default"]
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    url = f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "FACTCHECK_SWEEP_SECONDS": "1",  # tests wait on the sweeper: make it quick
    }
    log = open(Path(settings.DATA_DIR) / "celery-worker.log", "wb")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "factcheck",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"test-{os.getpid()}@%h",
            "-B",
            "--schedule",
            str(Path(settings.DATA_DIR) / "celerybeat-test-schedule"),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from factcheck.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start; see {log.name}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {seconds} s waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def claims(personas: Personas, celery_worker_process: subprocess.Popen[bytes]) -> list[CanonicalClaim]:
    """The 30 demo claims in the project's claim base, embedded by the real worker after their commits."""
    made = []
    for line in (REPO / "fixtures" / "demo" / "claims.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        fields = ClaimFields(
            text=row["text"], title=row["title"], verdict=row["verdict"], language=row.get("language", "")
        )
        made.append(claim_create(claim_base_id=personas.project.claim_base_id, fields=fields, actor=None))
    model = describe(settings.FACTCHECK_EMBEDDER)
    wait_until(
        lambda: ClaimEmbedding.objects.filter(model_name=model.name, claim__in=made).count() == len(made),
        120,
        "the worker to embed the claims",
    )
    return made


@pytest.fixture(scope="session", autouse=True)
def _cache_forgotten_at_start() -> None:
    """The embedded Redis keeps its data between sessions, and a new test database numbers rows from 1 again:
    a key an earlier session left (a queued forced agreement run of "project 3") must not speak for this one."""
    cache_forget_all()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: object) -> None:
    """Real hashing is slow by design; tests need only that passwords check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]
