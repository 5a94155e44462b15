"""Where the API's time goes: CPU per request and SQL statements, in-process with Django's test client.

`.venv/bin/python bench/profile_api.py [--profile create|fetch] [--sql]` prints, for span create and for
fetching an article with 200 spans, the CPU time of this process per request (the app's Python, not
PostgreSQL's) and the statement count (--sql: the statements). With --profile, the top functions by
cumulative CPU time (SORT=tottime to sort by own time, CALLEES=regex for what matching functions call,
DUMP=file to keep the pstats). cProfile slows the code about fourfold; compare shares, not times.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=["create", "fetch"])
    parser.add_argument("--sql", action="store_true", help="print each statement of one request")
    args = parser.parse_args()
    os.environ.setdefault("FACTCHECK_DATA_DIR", str(REPO / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "bench"))
    import django

    django.setup()
    from api import make_fixture
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)
    fixture = make_fixture(args.requests + 20, 200, 5000)
    client = Client(HTTP_AUTHORIZATION=f"Token {fixture.token}", HTTP_HOST="127.0.0.1")
    create_path = f"/api/v1/articles/{fixture.create1_article}/spans"
    fetch_path = f"/api/v1/articles/{fixture.fetch_article}"
    bodies = iter(fixture.bodies)

    def create() -> None:
        response = client.post(create_path, next(bodies), content_type="application/json")
        assert response.status_code == 201, response.content

    def fetch() -> None:
        response = client.get(fetch_path)
        assert response.status_code == 200, response.content

    for name, call in (("create", create), ("fetch", fetch)):
        for _ in range(10):
            call()
        with CaptureQueriesContext(connection) as queries:
            call()
        print(f"{name}: {len(queries)} statements")
        if args.sql:
            for query in queries.captured_queries:
                print(f"    {query['sql'][:300]}")
        count = args.requests if name == "fetch" else args.requests // 2
        profiler = cProfile.Profile(time.process_time) if args.profile == name else None
        cpu = []
        for _ in range(count):
            if profiler:
                profiler.enable()
            began = time.process_time()
            call()
            cpu.append((time.process_time() - began) * 1000)
            if profiler:
                profiler.disable()
        cpu.sort()
        print(f"  CPU per request: p50 {statistics.median(cpu):.2f} ms, p95 {cpu[int(len(cpu) * 0.95)]:.2f} ms")
        if profiler:
            stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative"))
            stats.print_stats(45)
            if os.environ.get("DUMP"):
                stats.dump_stats(os.environ["DUMP"])
            if os.environ.get("CALLEES"):
                stats.print_callees(os.environ["CALLEES"])


if __name__ == "__main__":
    main()
