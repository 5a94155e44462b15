"""Benchmark: "next article" (`queue_next`) latency with 100,000 articles and 100 reviewers pulling at once.

Sets up once in its own data folder (var/bench-queue; `--fresh` rebuilds): a project with k = 2, N short
generated articles (COPY, priorities 0-3), and R annotators. Every run first resets the review state (no
assignments, every article's slots free again) and vacuums, so runs start alike. Then R reviewer threads,
each with its own database connection, pull concurrently: `queue_next` (timed), then `assignment_submit`
(timed separately), a few untimed warm-up pulls each and then `--pulls` timed ones. It prints p50/p95/p99/max
of `queue_next`, pulls per second, the CPU shares, what the database backends were waiting on (sampled from
`pg_stat_activity`), the `EXPLAIN ANALYZE` of the pick statement after the run, and checks in SQL that no
article got more than k reviewers, no reviewer an article twice, and that every article's `open_slots` is k
minus its assignments holding a slot.

100 Python threads on 2 cores measure the GIL and the connection fan-in as much as the database:
`--processes N` runs R/N reviewer threads in each of N processes instead. `--http` pulls through
`POST /api/v1/projects/{id}/queue/next` and `.../articles/{id}/submit` under gunicorn (bench/api.py's), and
`--think MS` pauses before each pull (a load below saturation). Opt-in, not part of the test suite. Usage:
`.venv/bin/python bench/review_queue.py [--processes 4] [--http] [--think 2000] [--fresh]`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import os
import random
import shlex
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from _stack import percentile, tree_cpu

REPO = Path(__file__).resolve().parent.parent
SLUG = "bench-queue"
REVIEWER_PREFIX = "bench-queue-reviewer-"
SOLO = "bench-queue-solo"
K = 2
TARGET_P95_MS = 30.0
SAMPLE_EVERY = 0.025  # seconds between pg_stat_activity samples
_VOCABULARY = """
    talks envoy ceasefire geneva delegation ukraine russia security guarantees territory sanctions prisoners
    exchange monitoring negotiators kremlin kyiv washington summit statement progress difficult round agreement
    frontline energy infrastructure drones humanitarian corridor reporters minister president officials
"""
WORDS = _VOCABULARY.split()


# --- Set-up -------------------------------------------------------------------------------------------


def _ensure_connections(data_dir: Path, needed: int) -> None:
    """The embedded cluster allows 100 connections; the reviewers need one each plus the bench's own. Raise
    max_connections in the bench's own data folder once (ALTER SYSTEM, a restart)."""
    import psycopg

    from factcheck import embedded

    url = embedded.ensure_postgres(data_dir).url
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SHOW max_connections").fetchone()
        if row is not None and int(row[0]) >= needed:
            return
        conn.execute(f"ALTER SYSTEM SET max_connections = {int(needed)}")
    print(f"raising max_connections to {needed} in {data_dir} (restarting its PostgreSQL)")
    embedded.EmbeddedPostgres(data_dir).stop()
    embedded.ensure_postgres(data_dir)


def _article_rows(project_id: int, first: int, count: int, start: Any) -> list[tuple[object, ...]]:
    rng = random.Random(2026 + first)
    rows: list[tuple[object, ...]] = []
    for n in range(first, first + count):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30)))
        text = f"{words.capitalize()}. Bench queue article {n}."
        priority = rng.choices((0, 1, 2, 3), weights=(70, 20, 8, 2))[0]
        created = start + timedelta(milliseconds=n)
        digest = hashlib.sha256(text.encode()).hexdigest()
        rows.append((project_id, created, f"q-{n}", f"Queue article {n}", "", None, "en", text, digest, priority, "{}"))
    return rows


def set_up(articles: int, reviewers: int, fresh: bool) -> int:
    """The project (its id), its articles and annotators, reused when present; its review state reset."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone

    from annotations.domain import Role
    from annotations.models import Article, Membership, Project
    from annotations.services.projects import project_create

    project = Project.objects.filter(slug=SLUG).first()
    if project is not None and fresh:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE annotations_article CASCADE")  # the bench's own database only
        project.delete()
        project = None
    if project is None:
        project = project_create(name="Queue bench", slug=SLUG, actor=None, reviewers_per_article=K)
    if project.reviewers_per_article != K:
        sys.exit(f"project {SLUG} has k = {project.reviewers_per_article}, not {K}: rerun with --fresh")

    have = Article.objects.filter(project=project).count()
    if have > articles:
        sys.exit(f"project {SLUG} has {have:,} articles, more than --articles {articles:,}: rerun with --fresh")
    if have < articles:
        started = time.perf_counter()
        columns = (
            "project_id, created_at, external_id, title, source_url, published_date, language, text, sha256, "
            "priority, metadata"
        )
        base = timezone.now() - timedelta(days=30)
        with connection.cursor() as cursor:
            for first in range(have, articles, 10_000):
                rows = _article_rows(project.pk, first, min(10_000, articles - first), base)
                with cursor.cursor.copy(f"COPY annotations_article ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        print(f"set-up: {articles - have:,} articles copied in {time.perf_counter() - started:.1f} s")

    names = [f"{REVIEWER_PREFIX}{n:03d}" for n in range(reviewers)] + [SOLO]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    unusable = make_password(None)
    User.objects.bulk_create([User(username=name, password=unusable) for name in names if name not in existing])
    users = list(User.objects.filter(username__in=names))
    Membership.objects.bulk_create(
        [Membership(project=project, user=user, role=Role.ANNOTATOR) for user in users], ignore_conflicts=True
    )
    reset_review_state(project.pk)
    return project.pk


def reset_review_state(project_id: int) -> None:
    """Every article back to k free slots and no assignments, then VACUUM ANALYZE (as autovacuum would
    have by the time a queue is this deep), so every run starts from the same state."""
    from django.db import connection

    from annotations.domain import ArticleStatus

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM annotations_assignment s USING annotations_article a "
            "WHERE s.article_id = a.id AND a.project_id = %s",
            [project_id],
        )
        deleted = cursor.rowcount
        cursor.execute(
            "UPDATE annotations_article SET open_slots = %(k)s, submitted_count = 0, review_status = %(status)s, "
            "ready_at = NULL, disagreement = NULL WHERE project_id = %(project)s AND (open_slots <> %(k)s "
            "OR submitted_count <> 0 OR review_status <> %(status)s OR ready_at IS NOT NULL "
            "OR disagreement IS NOT NULL)",
            {"k": K, "status": ArticleStatus.UNASSIGNED.value, "project": project_id},
        )
        reset = cursor.rowcount
        cursor.execute("VACUUM (ANALYZE) annotations_article, annotations_assignment, annotations_membership")
    print(
        f"reset: {deleted:,} assignments deleted, {reset:,} articles freed, vacuumed "
        f"in {time.perf_counter() - started:.1f} s"
    )


# --- The reviewers ------------------------------------------------------------------------------------


@dataclass
class GroupResult:
    """What one process's reviewer threads measured (picklable: it crosses processes)."""

    next_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    warmup_next_ms: list[float] = field(default_factory=list)
    empty: int = 0
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    cpu_seconds: float = 0.0


@dataclass(frozen=True)
class Plan:
    """What each reviewer thread does (picklable: it crosses processes)."""

    project_id: int
    warmup: int
    pulls: int
    think_ms: float = 0.0  # mean pause before each timed pull (exponential), 0: none
    port: int | None = None  # through gunicorn on this port, else the services in-process
    tokens: dict[str, str] = field(default_factory=dict)  # username -> API token, for HTTP


def run_group(plan: Plan, usernames: list[str], gate: Callable[[], None]) -> GroupResult:
    """Reviewer threads, one per name: each connects and warms up; then `gate()` (all processes ready) and
    the timed pulls. Each thread closes its own connection."""
    from django.contrib.auth.models import User
    from django.db import connection

    from annotations.models import Project
    from annotations.services.review import assignment_submit, queue_next

    project = Project.objects.get(pk=plan.project_id)
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    connection.close()  # this thread's; the reviewers open their own
    result = GroupResult()
    lock = threading.Lock()
    ready = threading.Barrier(len(usernames) + 1)
    go = threading.Event()

    # A pull: (ms of "next", ms of the submit or None when "next" had nothing left).
    Pull = Callable[[], tuple[float, float | None]]

    def service_pull(user: User) -> Pull:
        def pull() -> tuple[float, float | None]:
            started = time.perf_counter()
            assignment = queue_next(project=project, reviewer=user)
            taken = time.perf_counter()
            if assignment is None:
                return (taken - started) * 1000, None
            assignment_submit(article=assignment.article, reviewer=user)
            return (taken - started) * 1000, (time.perf_counter() - taken) * 1000

        connection.ensure_connection()
        return pull

    def http_pull(client: Any) -> Pull:
        def pull() -> tuple[float, float | None]:
            seconds, body = client.call("POST", f"/api/v1/projects/{plan.project_id}/queue/next")
            if not body:  # 204: nothing left
                return seconds * 1000, None
            submit, _ = client.call("POST", f"/api/v1/articles/{json.loads(body)['article']}/submit")
            return seconds * 1000, submit * 1000

        return pull

    def reviewer(user: User) -> None:
        nexts: list[float] = []
        submits: list[float] = []
        warm: list[float] = []
        empty = 0
        client = None
        rng = random.Random(user.pk)
        try:
            if plan.port is None:
                pull = service_pull(user)
            else:
                from api import Client

                client = Client(plan.port, plan.tokens[user.username])
                pull = http_pull(client)
            for _ in range(plan.warmup):
                next_ms, submit_ms = pull()
                warm.append(next_ms)
                empty += submit_ms is None
            ready.wait()
            go.wait()
            for _ in range(plan.pulls):
                if plan.think_ms:
                    time.sleep(rng.expovariate(1000 / plan.think_ms))
                next_ms, submit_ms = pull()
                nexts.append(next_ms)
                if submit_ms is None:
                    empty += 1
                else:
                    submits.append(submit_ms)
        except threading.BrokenBarrierError:
            pass
        except Exception as exc:  # reported by the main thread; the others go on
            ready.abort()
            with lock:
                result.errors.append(f"{user.username}: {type(exc).__name__}: {exc}")
        finally:
            if client is not None:
                client.close()
            connection.close()
            with lock:
                result.next_ms += nexts
                result.submit_ms += submits
                result.warmup_next_ms += warm
                result.empty += empty

    threads = [threading.Thread(target=reviewer, args=(users[name],), daemon=True) for name in usernames]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    gate()
    cpu = time.process_time()
    result.started = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    result.finished = time.perf_counter()
    result.cpu_seconds = time.process_time() - cpu
    return result


def _child(plan: Plan, usernames: list[str], barrier: Any, results: Any) -> None:
    """One process of `--processes N`: Django set up on the parent's servers (passed in the environment)."""
    import django

    django.setup()
    try:
        results.put(run_group(plan, usernames, lambda: barrier.wait(300)))
    except BaseException as exc:
        results.put(GroupResult(errors=[f"process {os.getpid()}: {type(exc).__name__}: {exc}"]))
        raise


def run_processes(plan: Plan, usernames: list[str], processes: int, on_start: Callable[[], None]) -> list[GroupResult]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    children = [
        context.Process(target=_child, args=(plan, usernames[n::processes], barrier, results)) for n in range(processes)
    ]
    for child in children:
        child.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(300)
    on_start()
    out = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join(60)
    return out


# --- What the database is doing -----------------------------------------------------------------------


class ActivitySampler(threading.Thread):
    """Samples pg_stat_activity: how many of the database's backends are active (and waiting on what) or
    idle in a transaction (waiting for their client) at a time."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.counts: Counter[str] = Counter()
        self.samples = 0

    def run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self.stop.wait(SAMPLE_EVERY):
                    cursor.execute(
                        "SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), "
                        "60), count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle' "
                        "GROUP BY 1, 2, 3, 4"
                    )
                    for state, kind, event, query, count in cursor.fetchall():
                        if state != "active":
                            key = str(state)
                        elif not kind:
                            key = "active, on CPU"
                        elif kind == "Lock":  # which statement waits for another transaction's lock
                            key = f"active, Lock: {event}: {query}"
                        else:
                            key = f"active, {kind}: {event}"
                        self.counts[key] += count
                    self.samples += 1
        finally:
            connection.close()


def cpu_snapshot(gunicorn_pid: int | None) -> dict[str, float]:
    """CPU seconds so far of the embedded PostgreSQL, gunicorn (with --http) and the whole machine."""
    import psutil
    from django.conf import settings

    from factcheck.embedded import EmbeddedPostgres

    snap: dict[str, float] = {}
    if settings.EMBEDDED:
        snap["PostgreSQL"] = tree_cpu(EmbeddedPostgres(Path(settings.DATA_DIR))._postmaster_pid())
    if gunicorn_pid is not None:
        snap["gunicorn"] = tree_cpu(gunicorn_pid)
    t = psutil.cpu_times()
    # guest time is counted in user time too; steal is the hypervisor's, not this machine's work
    idle = t.idle + sum(getattr(t, name, 0.0) for name in ("iowait", "guest", "guest_nice", "steal"))
    snap["machine"] = float(sum(t) - idle)
    return snap


@contextlib.contextmanager
def serving(plan: Plan, usernames: list[str], args: argparse.Namespace) -> Iterator[tuple[Plan, int]]:
    """gunicorn on the bench's servers (bench/api.py's), a fresh API token per reviewer; yields the plan
    with the port and tokens, and gunicorn's pid."""
    from api import gunicorn, wait_ready
    from django.conf import settings
    from django.contrib.auth.models import User

    from annotations.models import ApiToken
    from annotations.services.tokens import token_create

    users = list(User.objects.filter(username__in=usernames))
    ApiToken.objects.filter(user__in=users).delete()  # earlier runs' (the keys are not recoverable)
    tokens = {user.username: token_create(user=user, name="queue bench")[1] for user in users}
    env = {**os.environ}
    server = argparse.Namespace(worker_class="gthread", workers=args.workers, threads=args.threads, access_log=None)
    log = Path(settings.DATA_DIR) / "bench-queue-gunicorn.log"
    with gunicorn(server, env, log) as (port, pid):
        wait_ready(port, pid, tokens[usernames[0]], log)
        yield replace(plan, port=port, tokens=tokens), pid


def explain_take(project_id: int, username: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the pick (`_TAKE_SQL`) for one reviewer, in a rolled-back transaction."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations.domain import QueueOrder
    from annotations.models import Project
    from annotations.services.review import _TAKE, take_params

    user = User.objects.get(username=username)
    params = take_params(project=Project.objects.get(pk=project_id), reviewer=user, now=timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + _TAKE[QueueOrder.PRIORITY, True], params)
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return plan


# --- Checks and report --------------------------------------------------------------------------------

_CHECK_SQL = """
    WITH h AS (
        SELECT s.article_id,
            count(*) FILTER (WHERE s.status = ANY(%(holding)s)) AS holding,
            count(*) FILTER (WHERE s.status = %(submitted)s) AS submitted,
            count(*) AS n
        FROM annotations_assignment s JOIN annotations_article a ON a.id = s.article_id
        WHERE a.project_id = %(project)s GROUP BY s.article_id
    )
    SELECT
        (SELECT count(*) FROM h WHERE holding > %(k)s),
        (SELECT count(*) FROM (
            SELECT 1 FROM annotations_assignment s JOIN annotations_article a ON a.id = s.article_id
            WHERE a.project_id = %(project)s GROUP BY s.article_id, s.reviewer_id HAVING count(*) > 1) d),
        (SELECT count(*) FROM annotations_article a LEFT JOIN h ON h.article_id = a.id
            WHERE a.project_id = %(project)s AND a.open_slots <> %(k)s - coalesce(h.holding, 0)),
        (SELECT count(*) FROM annotations_article a LEFT JOIN h ON h.article_id = a.id
            WHERE a.project_id = %(project)s AND a.submitted_count <> coalesce(h.submitted, 0)),
        (SELECT coalesce(sum(n), 0) FROM h),
        (SELECT coalesce(sum(submitted), 0) FROM h),
        (SELECT count(*) FROM h),
        (SELECT count(*) FROM h WHERE submitted = %(k)s),
        (SELECT count(*) FROM annotations_article
            WHERE project_id = %(project)s AND review_status = %(ready)s)
"""


def check(project_id: int, expected: int) -> bool:
    from django.db import connection

    from annotations.domain import HOLDING_SLOT, ArticleStatus, AssignmentStatus

    with connection.cursor() as cursor:
        cursor.execute(
            _CHECK_SQL,
            {
                "project": project_id,
                "k": K,
                "holding": [status.value for status in HOLDING_SLOT],
                "submitted": AssignmentStatus.SUBMITTED.value,
                "ready": ArticleStatus.READY_FOR_CURATION.value,
            },
        )
        row = cursor.fetchone()
    over_k, duplicates, slot_drift, submitted_drift, assignments, submitted, touched, full, ready = row
    checks = [
        (f"articles with more than k = {K} assignments holding a slot", over_k, 0),
        ("(article, reviewer) pairs assigned twice", duplicates, 0),
        ("articles whose open_slots is not k minus their holding assignments", slot_drift, 0),
        ("articles whose submitted_count is not their submitted assignments", submitted_drift, 0),
        ("assignments in all (every pull, warm-up included)", assignments, expected),
        ("of them submitted", submitted, expected),
        (f"articles with all {K} submitted = articles ready for curation", full, ready),
    ]
    print(f"correctness (SQL, {touched:,} articles touched):")
    ok = True
    for label, value, wanted in checks:
        good = value == wanted
        ok &= good
        print(f"  {label + ':':<72} {value:>6,} {'ok' if good else f'WRONG (expected {wanted:,})'}")
    return ok


def _line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<34} (none)"
    return (
        f"{name:<34} p50 {percentile(values, 50):6.1f}  p95 {percentile(values, 95):6.1f}  "
        f"p99 {percentile(values, 99):6.1f}  max {max(values):7.1f} ms  (n = {len(values):,})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--reviewers", type=int, default=100)
    parser.add_argument("--pulls", type=int, default=20, help="timed pulls per reviewer")
    parser.add_argument("--warmup", type=int, default=2, help="untimed pulls per reviewer first")
    parser.add_argument("--solo", type=int, default=200, help="pulls by one reviewer alone first (0: none)")
    parser.add_argument("--processes", type=int, default=1, help="spread the reviewer threads over N processes")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause (ms) before each timed pull")
    parser.add_argument("--http", action="store_true", help="through POST .../queue/next and .../submit")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers, with --http")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker, with --http")
    parser.add_argument("--fresh", action="store_true", help="delete and rebuild the articles")
    parser.add_argument("--plan", action="store_true", help="print the whole EXPLAIN ANALYZE of the pick")
    args = parser.parse_args()
    if not 1 <= args.processes <= args.reviewers:
        parser.error("--processes must be between 1 and --reviewers")

    os.environ.setdefault("FACTCHECK_DATA_DIR", str(REPO / "var" / "bench-queue"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    if not os.environ.get("DATABASE_URL"):
        _ensure_connections(Path(os.environ["FACTCHECK_DATA_DIR"]).resolve(), args.reviewers + 20)
    import django

    django.setup()  # starts (and at exit stops) the embedded servers; child processes get their URLs
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    os.environ.update(
        {"DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL, "SECRET_KEY": settings.SECRET_KEY}
    )
    call_command("migrate", verbosity=0)
    project_id = set_up(args.articles, args.reviewers, args.fresh)
    usernames = [f"{REVIEWER_PREFIX}{n:03d}" for n in range(args.reviewers)]

    solo: list[float] = []
    if args.solo:
        alone = run_group(Plan(project_id, 10, args.solo), [SOLO], lambda: None)
        if alone.errors:
            sys.exit(f"FAILED: {alone.errors[0]}")
        solo = alone.next_ms

    plan = Plan(project_id, args.warmup, args.pulls, think_ms=args.think)
    with contextlib.ExitStack() as stack:
        gunicorn_pid = None
        if args.http:
            plan, gunicorn_pid = stack.enter_context(serving(plan, usernames, args))
        connection.close()
        sampler = ActivitySampler()
        before: dict[str, float] = {}

        def on_start() -> None:  # every reviewer warmed up: the timed pulls begin
            before.update(cpu_snapshot(gunicorn_pid))
            sampler.start()

        if args.processes == 1:
            groups = [run_group(plan, usernames, on_start)]
        else:
            groups = run_processes(plan, usernames, args.processes, on_start)
        sampler.stop.set()
        if sampler.is_alive():
            sampler.join()
        after = cpu_snapshot(gunicorn_pid)

    errors = [error for group in groups for error in group.errors]
    nexts = [ms for group in groups for ms in group.next_ms]
    submits = [ms for group in groups for ms in group.submit_ms]
    warm = [ms for group in groups for ms in group.warmup_next_ms]
    wall = max(group.finished for group in groups) - min(group.started for group in groups)
    empty = sum(group.empty for group in groups)

    print()
    print(f"command: .venv/bin/python bench/review_queue.py {shlex.join(sys.argv[1:])}".rstrip())
    mode = (
        f"{args.reviewers} reviewer threads in this process"
        if args.processes == 1
        else f"{args.processes} processes x {args.reviewers // args.processes}"
        f"{'+' if args.reviewers % args.processes else ''} reviewer threads"
    )
    if args.http:
        transport = (
            f"HTTP to gunicorn gthread {args.workers} workers x {args.threads} threads, {mode}, "
            "one keep-alive connection each"
        )
    else:
        transport = f"in-process services, {mode}, one database connection each"
    think = f"; think time {args.think:.0f} ms (mean, exponential) before each pull" if args.think else ""
    print(
        f"mode: {transport}; {os.cpu_count()} CPUs; "
        f"PostgreSQL {'embedded' if settings.EMBEDDED else 'from DATABASE_URL'}{think}"
    )
    print(
        f"data: {args.articles:,} articles, k = {K}, priority order; {args.warmup} warm-up + {args.pulls} timed "
        f"pulls per reviewer; load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if solo:
        print(_line("queue_next, 1 reviewer alone", solo))
    print(_line("queue_next, warm-up pulls", warm))
    print(_line(f"queue_next, {args.reviewers} concurrent", nexts))
    print(_line("assignment_submit (not in the above)", submits))
    if nexts:
        p95 = percentile(nexts, 95)
        print(
            f"throughput: {len(nexts) / wall:,.0f} pulls/s (each with its submit), {len(nexts):,} pulls "
            f"in {wall:.1f} s; empty answers {empty}; "
            f"target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'MISSED'} ({p95:.1f} ms)"
        )
    cores = os.cpu_count() or 1
    client = sum(group.cpu_seconds for group in groups)
    shares = [f"reviewer process{'es' if args.processes > 1 else ''} {client / wall * 100:.0f} %"]
    shares += [f"{name} {(after[name] - before[name]) / wall * 100:.0f} %" for name in after if name != "machine"]
    shares.append(f"whole machine {(after['machine'] - before['machine']) / wall * 100:.0f} % of {cores * 100} %")
    print(f"CPU while pulling (100 % = one core): {', '.join(shares)}")
    if sampler.samples:
        print(f"database backends at a time (mean of {sampler.samples} samples of pg_stat_activity):")
        for key, count in sampler.counts.most_common(8):
            print(f"  {count / sampler.samples:6.1f}  {key}")
    for error in errors[:5]:
        print(f"ERROR {error}", file=sys.stderr)

    explained = explain_take(project_id, usernames[0])
    print("EXPLAIN ANALYZE of the pick for one reviewer, after the run:")
    for line in explained if args.plan else [line for line in explained if "Execution" in line or "Planning" in line]:
        print(f"  {line}")
    expected = (10 + args.solo if args.solo else 0) + args.reviewers * (args.warmup + args.pulls) - empty
    ok = check(project_id, expected)
    if errors or not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
