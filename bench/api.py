"""Benchmark: span creation (1 and 8 clients) and article fetch through the REST API under gunicorn.

Prints p50/p95/p99 latency, throughput and CPU shares next to the targets: `.venv/bin/python bench/api.py`.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from _stack import tree_cpu

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0  # seconds, per socket operation of every request
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0

# Server configuration. Compared on the 2-core machine on 2026-11-24 with short interleaved runs
# (--spans 600..800); spans/s with 8 clients in the runs where other jobs used under 5 % of a core:
#   gthread 2 workers x 4 threads  41      (runstack's setting: one worker's GIL caps it near 1 core)
#   gthread 2 x 2                  53      gthread 4 x 1   57      gthread 4 x 2   49, 55, 66, 69
#   sync 2 workers                 63, 70, 89                      sync 4          64
#   sync 3                         86      gthread 3 x 2   73, 83
# The 1-client latencies did not differ beyond the noise. Span creation is CPU-bound in Python: what
# helps is a process per core plus one to cover the database waits, and a second thread per process so
# that a worker holding two keep-alive connections still serves both. gthread 3 x 2 is about as fast as
# sync 3 and keeps connections alive (sync closes each one), so it is the default here.
DEFAULT_WORKER_CLASS = "gthread"
DEFAULT_WORKERS = 3
DEFAULT_THREADS = 2

_VOCABULARY = """
    talks envoy ceasefire geneva delegation ukraine russia security guarantees territory sanctions
    prisoners exchange monitoring negotiators kremlin kyiv washington summit statement progress difficult
    round agreement frontline energy infrastructure drones humanitarian corridor reporters minister
    president officials meeting weekend proposal framework deadline anniversary troops percent billion
    café zürich münchen señor naïve élysée
"""
WORDS = _VOCABULARY.split()

# Workload key -> (target as printed, whether a result meets it).
TARGETS: dict[str, tuple[str, Callable[[Result], bool]]] = {
    "create1": ("p95 < 15 ms", lambda result: result.percentile(95) < 15),
    "create8": (">= 150 spans/s", lambda result: result.rate >= 150),
    "fetch": ("p95 < 20 ms", lambda result: result.percentile(95) < 20),
}
# Quoted in the issue, for orientation only (other tools, other machines).
PEERS = {
    "create1": ("p95 17-66 ms", "p95 92-308 ms"),
    "create8": ("37-80 spans/s", "6-15 spans/s"),
    "fetch": ("p95 18-32 ms", "p95 116-144 ms"),
}


class BenchError(Exception):
    """A non-2xx response, a timeout or a server that would not start: the benchmark stops."""


# --- Fixture data ----------------------------------------------------------------------------------


def article_text(rng: random.Random, chars: int) -> str:
    """Sentences of 8-24 words, about `chars` code points, NFC (some words are not ASCII)."""
    sentences: list[str] = []
    length = 0
    while length < chars:
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 24))]
        sentence = " ".join(words).capitalize() + rng.choice([".", ".", ".", ",", ";", "?"])
        sentences.append(sentence)
        length += len(sentence) + 1
    text = " ".join(sentences)
    assert unicodedata.normalize("NFC", text) == text
    return text


def span_bodies(rng: random.Random, text: str, count: int) -> list[bytes]:
    """`count` JSON bodies for POST .../spans: 1-30 whole words, offsets in code points (may overlap)."""
    starts = [i for i, ch in enumerate(text) if ch != " " and (i == 0 or text[i - 1] == " ")]
    ends = [i for i, ch in enumerate(text) if ch != " " and (i + 1 == len(text) or text[i + 1] == " ")]
    bodies = []
    for _ in range(count):
        first = rng.randrange(len(starts))
        last = min(first + rng.randint(0, 29), len(ends) - 1)
        start, end = starts[first], ends[last] + 1
        body = {"start": start, "end": end, "quote": text[start:end], "label": "claim"}
        bodies.append(json.dumps(body).encode())
    return bodies


@dataclass
class Fixture:
    token: str
    create1_article: int
    create8_article: int
    fetch_article: int
    warm_up_article: int
    bodies: list[bytes]
    fetch_spans: int


def make_fixture(spans: int, fetch_spans: int, chars: int) -> Fixture:
    """A fresh project, a manager, an annotator with a token and four assigned articles (via services).

    The two create articles share their text up to a last marker, so the same span bodies fit both; the
    fetch article gets `fetch_spans` spans through the span service; the warm-up article shares the text.
    """
    from annotations.domain import Role
    from annotations.models import Article
    from annotations.services.articles import article_import
    from annotations.services.projects import membership_set, project_create
    from annotations.services.review import assignment_create
    from annotations.services.spans import span_create
    from annotations.services.tokens import token_create
    from annotations.services.users import user_ensure

    run = f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    rng = random.Random(2026)
    manager, _ = user_ensure(username=f"bench-manager-{run}", password=secrets.token_urlsafe(16))
    annotator, _ = user_ensure(username=f"bench-annotator-{run}", password=secrets.token_urlsafe(16))
    project = project_create(name=f"API bench {run}", slug=f"bench-api-{run}", actor=manager)
    membership_set(project=project, user=manager, role=Role.MANAGER, actor=manager)
    membership_set(project=project, user=annotator, role=Role.ANNOTATOR, actor=manager)

    base = article_text(rng, chars)
    texts = {key: f"{base} ({key})" for key in ("create1", "create8", "warm-up")}
    texts["fetch"] = article_text(rng, chars)
    feed = "".join(
        json.dumps({"external_id": key, "title": f"Bench {key}", "published_date": "2026-11-24", "text": t}) + "\n"
        for key, t in texts.items()
    )
    report = article_import(project=project, sources=[("bench.jsonl", io.BytesIO(feed.encode()))], actor=manager)
    if report.created != len(texts):
        raise BenchError(f"article import created {report.created} of {len(texts)}: {report.problems}")
    articles = {a.external_id: a for a in Article.objects.filter(project=project)}
    for key, text in texts.items():
        if articles[key].text != text:
            raise BenchError(f"the stored text of {key!r} differs from the generated one")
        assignment_create(article=articles[key], reviewer=annotator, actor=manager)

    fetch = articles["fetch"]
    for body in span_bodies(rng, fetch.text, fetch_spans):
        span_create(article=fetch, annotator=annotator, **json.loads(body))
    _, key = token_create(user=annotator, name="api benchmark")
    return Fixture(
        token=key,
        create1_article=articles["create1"].pk,
        create8_article=articles["create8"].pk,
        fetch_article=fetch.pk,
        warm_up_article=articles["warm-up"].pk,
        bodies=span_bodies(rng, base, spans),
        fetch_spans=fetch_spans,
    )


# --- The server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(args: argparse.Namespace, env: dict[str, str], log: Path) -> Iterator[tuple[int, int]]:
    """Run gunicorn on a free loopback port; yield (port, master pid); stop it however the block ends."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "factcheck.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--worker-class",
        args.worker_class,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        # Clients keep their connection through a workload; gunicorn's default closes it after 2 s idle.
        "--keep-alive",
        "30",
        "--timeout",
        "30",
    ]
    if args.access_log:
        # %(D)s: the time gunicorn spent on the request, in microseconds.
        command += ["--access-logfile", args.access_log, "--access-logformat", "%(m)s %(U)s %(s)s %(D)s"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield port, proc.pid
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(STOP_TIMEOUT)


def wait_ready(port: int, pid: int, token: str, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            raise BenchError(f"gunicorn exited at start:\n{log.read_text()[-3000:]}") from None
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            conn.request("GET", "/api/v1/projects", headers={"Authorization": f"Token {token}"})
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {READY_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


# --- The client -------------------------------------------------------------------------------------


class Client:
    """One keep-alive connection (http.client reconnects by itself if the server closes it)."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.headers = {
            "Authorization": f"Token {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[float, bytes]:
        """(seconds, response body); raises BenchError on a non-2xx status or a timeout."""
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=self.headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            raise BenchError(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
        elapsed = time.perf_counter() - started
        if not 200 <= response.status < 300:
            text = data[:2000].decode(errors="replace")
            raise BenchError(f"{method} {path} -> {response.status} {response.reason}\n{text}")
        return elapsed, data

    def close(self) -> None:
        self.conn.close()


class CpuMeter:
    """CPU use of the client (this process), gunicorn, PostgreSQL, Redis and the rest of the machine."""

    def __init__(self, roots: dict[str, int | None]) -> None:
        self.roots = {name: pid for name, pid in roots.items() if pid is not None}

    def snapshot(self) -> dict[str, float]:
        import psutil

        machine = psutil.cpu_times()
        snap = {"client": time.process_time()}
        snap.update({name: tree_cpu(pid) for name, pid in self.roots.items()})
        snap["machine"] = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0)
        return snap

    @staticmethod
    def shares(before: dict[str, float], after: dict[str, float], wall: float) -> dict[str, float]:
        """Each part's CPU as a share of one core over `wall` seconds (2 cores busy = 200 %)."""
        result = {name: (after[name] - before[name]) / wall for name in after if name != "machine"}
        # Everything else the machine ran meanwhile: other jobs on a shared machine skew the figures.
        machine = (after["machine"] - before["machine"]) / wall
        result["other"] = max(0.0, machine - sum(result.values()))
        return result


@dataclass
class Result:
    name: str
    latencies: list[float]
    wall: float
    cpu: dict[str, float]

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall


def measured(name: str, meter: CpuMeter, run: Callable[[], list[float]]) -> Result:
    before = meter.snapshot()
    started = time.perf_counter()
    latencies = run()
    wall = time.perf_counter() - started
    return Result(name, latencies, wall, CpuMeter.shares(before, meter.snapshot(), wall))


def sequential(port: int, token: str, method: str, path: str, bodies: list[bytes | None]) -> list[float]:
    client = Client(port, token)
    try:
        return [client.call(method, path, body)[0] for body in bodies]
    finally:
        client.close()


def concurrent(
    port: int, token: str, path: str, bodies: list[bytes], clients: int, method: str = "POST"
) -> list[float]:
    """Send the bodies from `clients` threads, each with its own connection and an equal share."""
    shares = [bodies[i::clients] for i in range(clients)]
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    stop = threading.Event()
    start = threading.Barrier(clients)

    def worker(n: int) -> None:
        client = Client(port, token)
        try:
            start.wait(READY_TIMEOUT)
            for body in shares[n]:
                if stop.is_set():
                    return
                results[n].append(client.call(method, path, body or None)[0])
        except BaseException as exc:  # handed to the main thread
            errors.append(exc)
            stop.set()
        finally:
            client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return [latency for part in results for latency in part]


def warm_up(port: int, fixture: Fixture, clients: int) -> None:
    """Open the workers' database connections and run both code paths once before measuring."""
    get_path = f"/api/v1/articles/{fixture.fetch_article}"
    bodies = fixture.bodies[: clients * 5]
    concurrent(port, fixture.token, f"/api/v1/articles/{fixture.warm_up_article}/spans", bodies, clients)
    concurrent(port, fixture.token, get_path, [b""] * clients * 5, clients, method="GET")


def purge_queued_tasks() -> None:
    """Drop the Celery messages the new spans queued (suggestion runs): no worker reads this broker.

    Only for the embedded Redis under the benchmark's data folder, which would otherwise grow each run.
    The runs themselves are marked failed: left queued, a later worker on this data folder (bench/suggest.py
    uses it too) would have its start-up sweep hand all of them out again, ahead of its own work.
    """
    from django.utils import timezone

    from annotations.domain import RunStatus
    from annotations.models import SuggestionRun
    from factcheck.celery import app

    SuggestionRun.objects.filter(span__article__project__slug__startswith="bench-api-", status=RunStatus.QUEUED).update(
        status=RunStatus.FAILED, error="bench/api.py: no worker reads this broker", finished_at=timezone.now()
    )
    try:
        app.control.purge()
    except Exception as exc:  # the broker's errors vary by transport; the figures stand regardless
        print(f"could not purge the queued tasks: {exc}", file=sys.stderr)


# --- Report -----------------------------------------------------------------------------------------


def report(results: dict[str, Result], args: argparse.Namespace) -> None:
    print()
    print(
        f"gunicorn {args.worker_class}, {args.workers} workers x {args.threads} threads; "
        f"{os.cpu_count()} CPUs; PostgreSQL and Redis embedded; loopback HTTP/1.1 keep-alive;\n"
        f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    header = (
        f"{'workload':<36} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'rate':>13}  {'target':<15} "
        f"{'met':<4} {'doccano 1.8.4':<14} {'Label Studio 1.23':<17}"
    )
    print(header)
    print("-" * len(header))
    for key, result in results.items():
        unit = "GET/s" if key == "fetch" else "spans/s"
        target, check = TARGETS[key]
        doccano, label_studio = PEERS[key]
        print(
            f"{result.name:<36} {result.percentile(50):>7.1f} {result.percentile(95):>7.1f} "
            f"{result.percentile(99):>7.1f} {result.rate:>5.0f} {unit:<7}  {target:<15} "
            f"{'yes' if check(result) else 'NO':<4} {doccano:<14} {label_studio:<17}"
        )
    print()
    print(
        f"CPU during each workload, as a share of one core ({os.cpu_count()} cores busy = "
        f"{100 * (os.cpu_count() or 1)} %), and gunicorn's CPU time per request:"
    )
    for result in results.values():
        parts = ", ".join(f"{name} {share * 100:.0f} %" for name, share in result.cpu.items())
        per_request = result.cpu.get("gunicorn", 0.0) * result.wall / len(result.latencies) * 1000
        print(f"  {result.name:<36} {parts}; gunicorn {per_request:.1f} ms/request")
    busiest = max(result.cpu["other"] for result in results.values())
    if busiest > 0.2:
        print(
            f"WARNING: other processes used up to {busiest * 100:.0f} % of a core meanwhile; "
            "these figures understate the app (rerun on a quiet machine)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=2000, help="spans created by each create workload")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--fetches", type=int, default=500)
    parser.add_argument("--fetch-spans", type=int, default=200, help="spans on the fetched article")
    parser.add_argument("--chars", type=int, default=5000, help="length of each article")
    parser.add_argument("--worker-class", default=DEFAULT_WORKER_CLASS, choices=["sync", "gthread"])
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--access-log", help="gunicorn access log with each request's time (µs)")
    args = parser.parse_args()

    def stop_on_term(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop_on_term)

    os.environ.setdefault("FACTCHECK_DATA_DIR", str(REPO / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()  # starts (and at exit stops) the embedded servers; gunicorn gets their URLs
    from django.conf import settings
    from django.core.management import call_command

    from factcheck.embedded import EmbeddedPostgres

    call_command("migrate", verbosity=0)
    env = {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    started = time.perf_counter()
    fixture = make_fixture(args.spans, args.fetch_spans, args.chars)
    print(
        f"fixture: project, 2 users, a token, 4 articles and {args.fetch_spans} spans "
        f"in {time.perf_counter() - started:.1f} s"
    )

    roots: dict[str, int | None] = {}
    if settings.EMBEDDED:
        roots["postgres"] = EmbeddedPostgres(settings.DATA_DIR)._postmaster_pid()
        redis_pid = Path(settings.DATA_DIR) / "redis" / "redis.pid"
        roots["redis"] = int(redis_pid.read_text().split()[0]) if redis_pid.exists() else None
    log = Path(settings.DATA_DIR) / "bench-api-gunicorn.log"
    results: dict[str, Result] = {}
    try:
        with gunicorn(args, env, log) as (port, pid):
            wait_ready(port, pid, fixture.token, log)
            meter = CpuMeter({"gunicorn": pid, **roots})
            fetch_path = f"/api/v1/articles/{fixture.fetch_article}"
            check = Client(port, fixture.token)
            _, body = check.call("GET", fetch_path)
            check.close()
            if len(json.loads(body)["spans"]) != fixture.fetch_spans:
                raise BenchError(f"GET {fetch_path} did not return {fixture.fetch_spans} spans")
            warm_up(port, fixture, args.clients)

            # One annotator makes all ~4,600 requests: within the API's default limit of 6,000/min per user.
            path1 = f"/api/v1/articles/{fixture.create1_article}/spans"
            results["create1"] = measured(
                "span create, 1 client",
                meter,
                lambda: sequential(port, fixture.token, "POST", path1, list(fixture.bodies)),
            )
            path8 = f"/api/v1/articles/{fixture.create8_article}/spans"
            results["create8"] = measured(
                f"span create, {args.clients} clients",
                meter,
                lambda: concurrent(port, fixture.token, path8, fixture.bodies, args.clients),
            )
            results["fetch"] = measured(
                f"article fetch ({args.fetch_spans} spans), 1 client",
                meter,
                lambda: sequential(port, fixture.token, "GET", fetch_path, [None] * args.fetches),
            )
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
    from annotations.models import Span

    for article in (fixture.create1_article, fixture.create8_article):
        stored = Span.objects.filter(article_id=article).count()
        if stored != args.spans:
            sys.exit(f"article #{article} has {stored} spans, expected {args.spans}")
    if settings.EMBEDDED:
        purge_queued_tasks()
    report(results, args)


if __name__ == "__main__":
    main()
