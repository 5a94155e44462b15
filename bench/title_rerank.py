"""Experiment: re-rank the pipeline's candidates with the similarity of the span to each claim's *title*.

Not part of the pipeline yet (see docs/matching.md). It reads a ranking written by `evaluate_matching
--run-out FILE --top-k 40` (the candidates, best first), embeds the candidates' titles and the cleaned
queries with the serving model, fuses the pipeline's rank with the title-similarity rank by reciprocal-rank
fusion (score 1/(k + r) + w/(k + r_title)), and prints MAP@1, MAP@5, Recall@5 and MRR for each setting.

    FACTCHECK_DATA_DIR=var/eval .venv/bin/python manage.py evaluate_matching \\
        --data ../shared/data/claim-matching/clef2022-2a-en --split dev --top-k 40 --run-out var/run-dev.jsonl
    .venv/bin/python bench/title_rerank.py --data ../shared/data/claim-matching/clef2022-2a-en \\
        --run var/run-dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
SETTINGS = [(10, 0.25), (10, 0.5), (10, 1.0), (10, 2.0), (60, 0.5), (60, 1.0)]  # (k, w)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a folder of ../shared/data/claim-matching")
    parser.add_argument("--run", type=Path, required=True, help="evaluate_matching --run-out output")
    args = parser.parse_args()
    os.environ.setdefault("FACTCHECK_DATA_DIR", str(REPO / "var" / "eval"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings

    from annotations.matching.embedders import get_embedder
    from annotations.matching.metrics import score
    from annotations.matching.text import clean_query

    with (args.data / "claims.jsonl").open(encoding="utf-8") as lines:
        claims = {row["id"]: row for row in map(json.loads, lines)}
    with (args.data / "queries.jsonl").open(encoding="utf-8") as lines:
        queries = {row["id"]: row["text"] for row in map(json.loads, lines)}
    qrels: dict[str, set[str]] = {}
    with (args.data / "qrels.tsv").open(encoding="utf-8") as lines:
        for line in lines:
            query_id, claim_id = line.split()[:2]
            qrels.setdefault(query_id, set()).add(claim_id)
    with args.run.open(encoding="utf-8") as lines:
        runs = {row["query_id"]: row["ranking"] for row in map(json.loads, lines)}
    gold = {q: qrels.get(q, set()) for q in runs}

    embedder = get_embedder(settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)
    candidates = sorted({c for ranking in runs.values() for c in ranking})
    started = time.perf_counter()
    titles = np.asarray(embedder.embed_passages([claims[c].get("title") or claims[c]["text"] for c in candidates]))
    query_ids = list(runs)
    vectors = np.asarray(embedder.embed_queries([clean_query(queries[q]) for q in query_ids]))
    print(f"embedded {len(candidates):,} titles and {len(query_ids)} queries in {time.perf_counter() - started:.0f} s")
    row_of = {c: i for i, c in enumerate(candidates)}

    print(f"{'pipeline':<22} {score(runs, gold)}")
    for k, w in SETTINGS:
        reranked = {}
        for i, query_id in enumerate(query_ids):
            ranking = runs[query_id]
            similarity = titles[[row_of[c] for c in ranking]] @ vectors[i]
            by_title = {ranking[j]: r for r, j in enumerate(np.argsort(-similarity, kind="stable"))}
            fused = {c: 1 / (k + r) + w / (k + by_title[c]) for r, c in enumerate(ranking)}
            reranked[query_id] = sorted(ranking, key=lambda c: -fused[c])
        print(f"{f'RRF k={k}, w={w}':<22} {score(reranked, gold)}")


if __name__ == "__main__":
    main()
