"""Benchmark: writing a dataset release of 1,000,000 spans, format by format: rows per second and peak RSS.

Sets up once in its own data folder (var/bench-export; `--fresh` rebuilds): a project with one curated
article set, N generated articles (~3,200 characters each, COPY) holding S gold spans in all (quote, prefix
and suffix cut from the text, so the span trigger accepts them), a claim base of C claims and links from
60% of the spans (half of them accepted suggestions with rank, score and model, a third found by search,
the rest explicit "no match"). No adjudications: the release query LEFT JOINs them.

Then each measurement runs in its own child process (spawned, so its peak RSS, `ru_maxrss`, is that
format's alone), in one REPEATABLE READ READ ONLY transaction as the release build does:
- `read`: `release_spans(project=, filters=ReleaseFilters())` through `Pseudonymizer(key).span`, no
  writer (what the cursor and the records cost on their own);
- `jsonl`, `csv`, `parquet`, `jsonld`: the same stream into that format's writer (annotations/exports);
- `release`: the whole `release_build` (every file, the manifest, the checksums) end to end.
Targets (issue #8): at least 50,000 rows/s for JSONL and under 300 MB peak RSS. Opt-in, not part of the
test suite. Usage: `.venv/bin/python bench/export.py [--only jsonl,csv,...] [--keep] [--fresh]`.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import random
import resource
import shlex
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SLUG = "bench-export"
CURATOR = "bench-export-curator"
MANAGER = "bench-export-manager"
SPANS_PER_ARTICLE = 50
SLOT = 62  # characters of text per span slot: a span and its gaps
TARGET_ROWS_PER_S = 50_000  # JSONL
TARGET_RSS_MB = 300.0
MEASURES = ("read", "jsonl", "csv", "parquet", "jsonld", "release")
_VOCABULARY = """
    talks envoy ceasefire geneva delegation ukraine russia security guarantees territory sanctions prisoners
    exchange monitoring negotiators kremlin kyiv washington summit statement progress difficult round agreement
    frontline energy infrastructure drones humanitarian corridor reporters minister president officials
    café zürich kraków éléments naïve señora
"""
WORDS = _VOCABULARY.split()
LABELS = ["claim", "statistic", "quote"]


# --- Set-up -------------------------------------------------------------------------------------------


def _text(rng: random.Random, n: int, length: int) -> str:
    words: list[str] = [f"Bench export article {n}."]
    size = len(words[0])
    while size < length:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
        words.append(sentence)
        size += len(sentence) + 1
    return " ".join(words)


def _spans_of(text: str, rng: random.Random, spans: int) -> list[tuple[int, int, str, str, str]]:
    """`spans` non-overlapping (start, end, quote, prefix, suffix), one per SLOT characters of the text."""
    out = []
    for slot in range(spans):
        start = slot * SLOT + rng.randint(0, 10)
        end = start + rng.randint(15, 48)
        out.append((start, end, text[start:end], text[max(0, start - 32) : start], text[end : end + 32]))
    return out


def _clear(project_id: int) -> None:
    """The bench's own database only: every article, span, link, release and claim of the project gone
    (TRUNCATE fires no row triggers, so published releases go too)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE annotations_datasetrelease, annotations_article, annotations_canonicalclaim CASCADE")
    print(f"--fresh: the data of project {project_id} truncated")


def set_up(articles: int, spans: int, claims: int, fresh: bool) -> tuple[int, int]:
    """(project id, manager id): the project, its curated articles, gold spans, claims and links, reused
    when present."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from annotations.domain import ArticleStatus, Role
    from annotations.models import Membership, Project, Span
    from annotations.services.projects import project_create

    unusable = make_password(None)
    curator, _ = User.objects.get_or_create(username=CURATOR, defaults={"password": unusable})
    manager, _ = User.objects.get_or_create(username=MANAGER, defaults={"password": unusable})
    project = Project.objects.filter(slug=SLUG).first()
    if project is None:
        project = project_create(name="Export bench", slug=SLUG, actor=None, labels=LABELS)
    Membership.objects.get_or_create(project=project, user=curator, defaults={"role": Role.CURATOR})
    Membership.objects.get_or_create(project=project, user=manager, defaults={"role": Role.MANAGER})
    if fresh:
        _clear(project.pk)
    have = Span.objects.filter(article__project=project, is_gold=True).count()
    if have == spans:
        print(f"set-up: reusing {have:,} gold spans in {REPO / 'var' / SLUG}")
        return project.pk, manager.pk
    if have:
        sys.exit(f"project {SLUG} has {have:,} gold spans, not {spans:,}: rerun with --fresh")

    per_article = -(-spans // articles)
    if per_article > SPANS_PER_ARTICLE * 2:
        sys.exit("too many spans per article: raise --articles")
    started = time.perf_counter()
    now = timezone.now()
    article_columns = (
        "project_id, created_at, external_id, title, source_url, published_date, language, text, sha256, "
        "priority, metadata, review_status, open_slots, submitted_count"
    )
    span_columns = (
        'article_id, annotator_id, start, "end", quote, prefix, suffix, label, note, version, is_gold, '
        "created_at, updated_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        left = spans
        for first in range(0, articles, 2_000):
            batch = range(first, min(first + 2_000, articles))
            texts: dict[str, str] = {}
            with raw.copy(f"COPY annotations_article ({article_columns}) FROM STDIN") as copy:
                for n in batch:
                    rng = random.Random(8_000_000 + n)
                    text = _text(rng, n, per_article * SLOT + 40)
                    external = f"x-{n}"
                    texts[external] = text
                    copy.write_row((
                        project.pk, now, external, f"Export article {n}", f"https://news.example/{n}",
                        f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}", "en", text,
                        hashlib.sha256(text.encode()).hexdigest(), n % 4, "{}", ArticleStatus.CURATED.value, 0, 2,
                    ))  # fmt: skip
            raw.execute(
                "SELECT external_id, id FROM annotations_article WHERE project_id = %s AND external_id = ANY(%s)",
                [project.pk, list(texts)],
            )
            ids = dict(raw.fetchall())
            with raw.copy(f"COPY annotations_span ({span_columns}) FROM STDIN") as copy:
                for external, text in texts.items():
                    count = min(per_article, left)
                    left -= count
                    rng = random.Random(external)
                    for start, end, quote, prefix, suffix in _spans_of(text, rng, count):
                        note = "checked against the ministry's figures" if start % 7 == 0 else ""
                        copy.write_row((
                            ids[external], curator.pk, start, end, quote, prefix, suffix, LABELS[start % 3], note,
                            1, True, now, now,
                        ))  # fmt: skip
            print(f"  {first + len(batch):,} articles, {spans - left:,} spans ({time.perf_counter() - started:.0f} s)")
        # The insert trigger starts every article unassigned: mark them curated (both reviewers submitted).
        cursor.execute(
            "UPDATE annotations_article SET review_status = %s, open_slots = 0, submitted_count = 2 "
            "WHERE project_id = %s",
            [ArticleStatus.CURATED.value, project.pk],
        )
        # Claims in the project's claim base, and links from 60% of the spans (by span id mod 10): 0-3 none,
        # 4-6 an accepted suggestion, 7-8 found by search, 9 "no match".
        cursor.execute(
            """INSERT INTO annotations_canonicalclaim (claim_base_id, text, normalized_text, title, language,
                claimant, claim_date, verdict, fact_check_url, reviewed_by, tags, status, version, created_at,
                updated_at)
            SELECT %(base)s, t, lower(t), 'Fact check ' || n, 'en', 'A minister', DATE '2025-01-01' + n %% 300,
                CASE n %% 3 WHEN 0 THEN 'False' WHEN 1 THEN 'Misleading' ELSE 'True' END,
                'https://factcheck.example/' || n, 'Bench Checkers', ARRAY['bench', 'export'], 'active', 1,
                now(), now()
            FROM generate_series(1, %(claims)s) n, LATERAL (SELECT 'Bench export claim number ' || n
                || ': the ceasefire talks in Geneva made progress on prisoners.' AS t) x""",
            {"base": project.claim_base_id, "claims": claims},
        )
        cursor.execute(
            """WITH c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rn FROM annotations_canonicalclaim
                WHERE claim_base_id = %(base)s AND text LIKE 'Bench export claim number %%')
            INSERT INTO annotations_claimlink (span_id, claim_id, source, suggestion_rank, suggestion_score,
                suggestion_model, created_by_id, created_at, updated_at, version)
            SELECT s.id, CASE WHEN s.id %% 10 = 9 THEN NULL ELSE c.id END,
                CASE WHEN s.id %% 10 <= 6 THEN 'suggestion' WHEN s.id %% 10 <= 8 THEN 'search' ELSE 'no_match' END,
                CASE WHEN s.id %% 10 <= 6 THEN 1 + s.id %% 5 END,
                CASE WHEN s.id %% 10 <= 6 THEN 0.4 + (s.id %% 60) / 100.0 END,
                CASE WHEN s.id %% 10 <= 6 THEN 'bench-embed@' || (1 + s.id %% 2) ELSE '' END,
                %(curator)s, now(), now(), 1
            FROM annotations_span s JOIN annotations_article a ON a.id = s.article_id
            JOIN c ON c.rn = (s.id * 7919) %% %(claims)s
            WHERE a.project_id = %(project)s AND s.id %% 10 >= 4""",
            {"base": project.claim_base_id, "claims": claims, "project": project.pk, "curator": curator.pk},
        )
        links = cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) annotations_article, annotations_span, annotations_claimlink")
    print(
        f"set-up: {articles:,} articles, {spans:,} gold spans, {claims:,} claims, {links:,} links "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return project.pk, manager.pk


# --- One measurement per child process ----------------------------------------------------------------


@dataclass
class Result:
    measure: str
    rows: int
    seconds: float
    peak_rss_mb: float
    start_rss_mb: float  # after Django set-up, before the measurement
    bytes_written: int
    cpu_seconds: float
    note: str = ""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(name: str, project_id: int, manager_id: int, out_dir: str, keep: bool) -> Result:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection, transaction

    from annotations.exports.csv import write_spans_csv
    from annotations.exports.jsonl import write_spans_jsonl
    from annotations.exports.parquet import write_spans_parquet
    from annotations.exports.pseudonyms import Pseudonymizer
    from annotations.exports.webannotation import write_annotations_jsonld
    from annotations.models import Project
    from annotations.selectors.releases import ReleaseFilters, release_spans
    from annotations.services.releases import SOFTWARE, release_build, release_create, release_path

    project = Project.objects.get(pk=project_id)
    connection.ensure_connection()
    start_rss = _rss_mb()
    folder = Path(out_dir)
    cpu = time.process_time()
    started = time.perf_counter()
    note = ""
    if name == "release":
        release = release_create(
            project=project, actor=User.objects.get(pk=manager_id), filters=ReleaseFilters(), dispatch=False
        )
        started = time.perf_counter()  # the build only, not the "is there anything" check of create
        built = release_build(release_id=release.pk)
        seconds = time.perf_counter() - started
        if built is None or built.status != "published":
            raise RuntimeError(f"release not published: {built and built.error}")
        path = release_path(built)
        rows = int(built.counts["spans"])
        written = _size(path)
        note = f"v{built.version}, {len(built.files)} files + manifest"
        if not keep:
            for item in [path, *path.rglob("*")]:
                item.chmod(0o755 if item.is_dir() else 0o644)
            shutil.rmtree(path)
    else:
        names = Pseudonymizer(Pseudonymizer.new_secret())
        target = folder / {"jsonl": "spans.jsonl", "csv": "spans.csv", "parquet": "spans.parquet"}.get(
            name, "annotations.jsonld"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            spans = release_spans(project=project, filters=ReleaseFilters(), person=names.pseudonym)
            if name == "read":
                rows = sum(1 for _ in spans)
            elif name == "parquet":
                rows = write_spans_parquet(spans, str(target))
            else:
                with target.open("wb") as out:
                    if name == "jsonl":
                        rows = write_spans_jsonl(spans, out)
                    elif name == "csv":
                        rows = write_spans_csv(spans, out)
                    else:
                        rows = write_annotations_jsonld(
                            spans, out, collection_id="urn:factcheck:release:bench:v0", label="bench",
                            software=SOFTWARE,
                        )  # fmt: skip
        seconds = time.perf_counter() - started
        written = target.stat().st_size if target.exists() else 0
        if not keep and target.exists():
            target.unlink()
    return Result(name, rows, seconds, _rss_mb(), start_rss, written, time.process_time() - cpu, note)


def _child(name: str, args: tuple[Any, ...], results: Any) -> None:
    try:
        results.put(measure(name, *args))
    except BaseException as exc:
        results.put(f"{name}: {type(exc).__name__}: {exc}")
        raise


def run_child(name: str, args: tuple[Any, ...]) -> Result:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_child, args=(name, args, results))
    child.start()
    result = results.get(timeout=900)
    child.join(60)
    if isinstance(result, str):
        sys.exit(f"FAILED: {result}")
    return result


# --- Main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--claims", type=int, default=3_000)
    parser.add_argument("--only", default=",".join(MEASURES), help=f"comma-separated, of: {', '.join(MEASURES)}")
    parser.add_argument("--keep", action="store_true", help="keep the files written (var/bench-export/out)")
    parser.add_argument("--fresh", action="store_true", help="delete and rebuild the data")
    args = parser.parse_args()
    wanted = [m.strip() for m in args.only.split(",") if m.strip()]
    if unknown := sorted(set(wanted) - set(MEASURES)):
        parser.error(f"unknown measurement {unknown[0]!r}")

    os.environ.setdefault("FACTCHECK_DATA_DIR", str(REPO / "var" / SLUG))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()  # starts (and at exit stops) the embedded servers; child processes get their URLs
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    os.environ.update(
        {"DATABASE_URL": settings.DATABASE_URL, "REDIS_URL": settings.REDIS_URL, "SECRET_KEY": settings.SECRET_KEY}
    )
    call_command("migrate", verbosity=0)
    project_id, manager_id = set_up(args.articles, args.spans, args.claims, args.fresh)
    connection.close()
    out_dir = Path(settings.DATA_DIR) / "out"
    out_dir.mkdir(parents=True, exist_ok=True)

    results: list[Result] = []
    for name in wanted:
        result = run_child(name, (project_id, manager_id, str(out_dir), args.keep))
        results.append(result)
        print(
            f"  {name:8} {result.rows:>9,} rows in {result.seconds:6.1f} s: "
            f"{result.rows / result.seconds:>7,.0f} rows/s, "
            f"peak RSS {result.peak_rss_mb:5.0f} MB, {result.bytes_written / 1e6:,.0f} MB written"
        )

    print()
    print(f"command: .venv/bin/python bench/export.py {shlex.join(sys.argv[1:])}".rstrip())
    print(
        f"data: {args.spans:,} gold spans in {args.articles:,} curated articles, {args.claims:,} claims; "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'measure':10}{'rows':>11}{'seconds':>9}{'rows/s':>9}{'CPU s':>8}{'RSS start':>11}{'peak RSS':>10}"
        f"{'written':>10}"
    )
    for r in results:
        print(
            f"{r.measure:10}{r.rows:>11,}{r.seconds:>9.1f}{r.rows / r.seconds:>9,.0f}{r.cpu_seconds:>8.1f}"
            f"{r.start_rss_mb:>9.0f}MB{r.peak_rss_mb:>8.0f}MB{r.bytes_written / 1e6:>8,.0f}MB  {r.note}"
        )
    by_name = {r.measure: r for r in results}
    failed = False
    if "jsonl" in by_name:
        rate = by_name["jsonl"].rows / by_name["jsonl"].seconds
        ok = rate >= TARGET_ROWS_PER_S
        failed |= not ok
        print(f"JSONL {rate:,.0f} rows/s (target >= {TARGET_ROWS_PER_S:,}): {'met' if ok else 'MISSED'}")
    worst = max(results, key=lambda r: r.peak_rss_mb, default=None)
    if worst is not None:
        ok = worst.peak_rss_mb < TARGET_RSS_MB
        failed |= not ok
        print(
            f"highest peak RSS {worst.peak_rss_mb:.0f} MB ({worst.measure}; target < {TARGET_RSS_MB:.0f} MB): "
            f"{'met' if ok else 'MISSED'}"
        )
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
