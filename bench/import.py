"""Benchmark: import 10,000 generated ~120-word articles (JSONL) through `manage.py import_articles`.

Prints articles/s for the whole command (process start to exit) and for the import itself (as the command
reports it), and the command's peak RSS. Runs against the embedded PostgreSQL under var/bench (or the
servers named by DATABASE_URL / REDIS_URL). Usage: `.venv/bin/python bench/import.py [--articles N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_VOCABULARY = """
    talks envoy ceasefire geneva delegation ukraine russia security guarantees territory sanctions
    prisoners exchange monitoring negotiators kremlin kyiv washington summit statement progress difficult
    round agreement frontline energy infrastructure drones humanitarian corridor reporters minister
    president officials
    meeting weekend proposal framework deadline anniversary troops
"""
WORDS = _VOCABULARY.split()


def generate(path: Path, count: int, words_per_article: int = 120) -> None:
    rng = random.Random(2026)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            body = " ".join(rng.choice(WORDS) for _ in range(words_per_article))
            out.write(
                json.dumps(
                    {
                        "external_id": f"bench-{n}",
                        "title": f"Bench article {n}",
                        "published_date": "2026-02-18",
                        "text": f"{body.capitalize()}. ({n})",
                    }
                )
                + "\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("FACTCHECK_DATA_DIR", str(REPO / "var" / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()  # starts (and at exit stops) the embedded servers, so the command measures only itself
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    env = {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
    }

    rates, walls, rss = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "articles.jsonl"
        generate(feed, args.articles)
        for run in range(1, args.runs + 1):
            project = f"bench-{int(time.time())}-{run}"
            command = [
                sys.executable,
                "manage.py",
                "import_articles",
                str(feed),
                "--project",
                project,
                "--no-progress",
            ]
            started = time.perf_counter()
            proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
            wall = time.perf_counter() - started
            if proc.returncode != 0:
                sys.exit(f"import_articles failed:\n{proc.stdout}\n{proc.stderr}")
            match = re.search(r"Imported ([\d,]+) articles .* in ([\d.]+) s", proc.stdout)
            if not match or int(match.group(1).replace(",", "")) != args.articles:
                sys.exit(f"unexpected output: {proc.stdout}")
            seconds = float(match.group(2))
            rates.append(args.articles / seconds)
            walls.append(args.articles / wall)
            # RUSAGE_CHILDREN's ru_maxrss: the largest child so far, i.e. the command (servers are not ours).
            rss.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
            print(
                f"run {run}: import {seconds:.2f} s = {rates[-1]:,.0f} articles/s; "
                f"whole command {wall:.2f} s = {walls[-1]:,.0f} articles/s"
            )

    print(f"articles per run:          {args.articles:,} (~120 words each, JSONL); {args.runs} runs")
    print(f"import (parse + insert):   median {statistics.median(rates):,.0f}/s (min {min(rates):,.0f}/s)")
    print(f"whole command incl. start: median {statistics.median(walls):,.0f} articles/s")
    print(f"peak RSS of the command:   {max(rss):.0f} MB")


if __name__ == "__main__":
    main()
