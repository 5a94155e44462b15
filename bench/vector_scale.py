"""Benchmark: the dense candidate query at scale, with synthetic unit vectors (384-d) for N claims.

Prints the load time, the HNSW index build time, table and index sizes, and the p50/p95 of
`dense_candidates` (the worker's query, claim-base filter included, as configured in retrieval.py). Usage:
`.venv/bin/python bench/vector_scale.py --claims 1000000` (slow: the index build dominates). The timed
queries follow untimed warm-up queries, which bring the index into memory as on a serving database; the
warm-up's own figures are printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000, help="timed queries, after the warm-up")
    parser.add_argument(
        "--warmup",
        type=int,
        default=300,
        help="untimed queries first: the 2 GB index must be in memory, as on a serving database",
    )
    args = parser.parse_args()

    os.environ.setdefault("FACTCHECK_DATA_DIR", str(REPO / "var" / "bench-scale"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from pgvector.psycopg import register_vector

    from annotations.matching.embedders import ModelId
    from annotations.matching.retrieval import DENSE_CANDIDATES, dense_candidates, ensure_vector_index, index_name
    from annotations.services.projects import claim_base_get_or_create

    call_command("migrate", verbosity=0)
    model = ModelId(name=f"synthetic-{args.claims}", version="1", dimensions=384)
    base = claim_base_get_or_create(slug=f"scale-{args.claims}")
    rng = np.random.default_rng(2026)

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM annotations_claimembedding WHERE model_name = %s", [model.name])
        present = cursor.fetchone()[0]
    load_seconds = 0.0
    if present < args.claims:
        started = time.perf_counter()
        raw = connection.connection
        register_vector(raw)
        now = timezone.now()
        with raw.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM annotations_canonicalclaim")
            first_id = cursor.fetchone()[0] + 1
            chunk = 50_000
            for start in range(0, args.claims, chunk):
                ids = range(first_id + start, first_id + min(start + chunk, args.claims))
                with cursor.copy(
                    "COPY annotations_canonicalclaim (id, claim_base_id, text, normalized_text, title, language, "
                    "claimant, verdict, fact_check_url, reviewed_by, tags, status, version, created_at, updated_at) "
                    "FROM STDIN"
                ) as copy:
                    for claim_id in ids:
                        text = f"synthetic claim number {claim_id} for the scale benchmark"
                        copy.write_row(
                            (claim_id, base.pk, text, text, "", "", "", "", "", "", [], "active", 1, now, now)
                        )
                vectors = rng.standard_normal((len(ids), 384)).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                with cursor.copy(
                    "COPY annotations_claimembedding (claim_id, model_name, model_version, dimensions, vector, "
                    "text_sha256, title_sha256, created_at) FROM STDIN"
                ) as copy:
                    for claim_id, vector in zip(ids, vectors, strict=True):
                        copy.write_row((claim_id, model.name, model.version, 384, vector, "0" * 64, "", now))
                print(f"\rloaded {start + len(ids):,}/{args.claims:,}", end="", file=sys.stderr)
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('annotations_canonicalclaim', 'id'), "
                "(SELECT max(id) FROM annotations_canonicalclaim))"
            )
        raw.commit()
        load_seconds = time.perf_counter() - started
        print(file=sys.stderr)

    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '2GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        ensure_vector_index(model)
        build_seconds = time.perf_counter() - started
        cursor.execute("ANALYZE annotations_claimembedding")
        cursor.execute("ANALYZE annotations_canonicalclaim")
        cursor.execute(
            "SELECT pg_total_relation_size('annotations_claimembedding'), pg_relation_size(%s)", [index_name(model)]
        )
        table_bytes, index_bytes = cursor.fetchone()

    queries = rng.standard_normal((args.warmup + args.queries, 384)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    warmup: list[float] = []
    timings: list[float] = []
    for i, vector in enumerate(queries):
        started = time.perf_counter()
        found = dense_candidates(vector.tolist(), model, claim_base_id=base.pk).candidates
        (warmup if i < args.warmup else timings).append((time.perf_counter() - started) * 1000)
        if len(found) != DENSE_CANDIDATES:
            sys.exit(f"query {i} found {len(found)} candidates, not {DENSE_CANDIDATES}")
    ordered = sorted(timings)
    print(f"claims with vectors:        {args.claims:,} (384-d, synthetic unit vectors)")
    if load_seconds:
        print(f"load (COPY):                {load_seconds:.0f} s")
    print(f"HNSW index build:           {build_seconds:.0f} s (0 s means it existed already)")
    print(
        f"claim_embedding table:      {table_bytes / 2**20:,.0f} MiB in all, "
        f"of which the HNSW index {index_bytes / 2**20:,.0f} MiB"
    )
    if warmup:
        print(
            f"warm-up (index coming into memory): first 20 queries p50 {statistics.median(warmup[:20]):.1f} ms; "
            f"all {len(warmup)} p50 {statistics.median(warmup):.1f} ms"
        )
    print(
        f"dense candidate query:      p50 {statistics.median(timings):.1f} ms, "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms "
        f"over {len(timings)} queries (top {DENSE_CANDIDATES}, claim-base filter; target p95 < 20 ms at 1,000,000)"
    )


if __name__ == "__main__":
    main()
