"""`manage.py evaluate_matching --data DIR`: score claim matching on a CheckThat!-style benchmark folder.

The folder holds claims.jsonl (id, text, title), queries.jsonl (id, text, split) and qrels.tsv (query id, claim
id). Claims go through the claim import into a scratch project and are embedded (texts and titles) by the
same service the worker runs; each query is ranked by `rank_claims`, as a span is. Prints MAP@1, MAP@5,
Recall@5 and MRR; `--grid` also scores other fusions and title re-rankings of the same candidate lists.
"""

from __future__ import annotations

import io
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.domain import normalize_text
from annotations.management.progress import ProgressBar
from annotations.matching.embedders import get_embedder, model_id
from annotations.matching.fusion import FusionConfig, RerankConfig
from annotations.matching.metrics import score
from annotations.matching.retrieval import DEFAULT_FUSION, ensure_vector_index, rank_candidates, rank_claims
from annotations.matching.text import clean_query
from annotations.selectors.claims import claim_ids_by_normalized_text
from annotations.services.claim_import import claim_import
from annotations.services.claims import claim_normalized_text
from annotations.services.embeddings import claims_embed, claims_missing_embeddings
from annotations.services.projects import claim_base_get_or_create, project_get_or_create

# Fusion variants without the title step (the earlier pipeline's choices), then title re-rankings of the pipeline's
# fusion (RerankConfig's k counts ranks from 1).
GRID: dict[str, tuple[FusionConfig, RerankConfig | None]] = {
    "dense only": (FusionConfig(weights={"dense": 1.0, "lexical": 0.0}), None),
    "lexical only": (FusionConfig(weights={"dense": 0.0, "lexical": 1.0}), None),
    "rrf k=60 (1:1)": (FusionConfig(k=60), None),
    "rrf k=60 (2:1)": (FusionConfig(k=60, weights={"dense": 2.0, "lexical": 1.0}), None),
    "rrf k=60 (1:2)": (FusionConfig(k=60, weights={"dense": 1.0, "lexical": 2.0}), None),
    "rrf k=10 (1:1)": (FusionConfig(k=10), None),
    "rrf k=10 (2:1)": (FusionConfig(k=10, weights={"dense": 2.0, "lexical": 1.0}), None),
    "linear (1:1)": (FusionConfig(method="linear"), None),
    "linear (2:1)": (FusionConfig(method="linear", weights={"dense": 2.0, "lexical": 1.0}), None),
    "linear (3:1)": (FusionConfig(method="linear", weights={"dense": 3.0, "lexical": 1.0}), None),
    "linear (1:1) + titles k=9 w=1": (DEFAULT_FUSION, RerankConfig(k=9, weight=1.0)),
    "linear (1:1) + titles k=9 w=2": (DEFAULT_FUSION, RerankConfig(k=9, weight=2.0)),
    "linear (1:1) + titles k=59 w=1": (DEFAULT_FUSION, RerankConfig(k=59, weight=1.0)),
}


def read_jsonl(path: Path, *, required: tuple[str, ...]) -> list[dict[str, Any]]:
    """The file's objects; CommandError naming the file, line and field for anything else (before anything is
    written)."""
    rows = []
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path.name}, line {number}"
            try:
                text = raw.decode("utf-8")
                row = json.loads(text) if text.strip() else None
            except UnicodeDecodeError:
                raise CommandError(f"{where}: not UTF-8") from None
            except json.JSONDecodeError as error:
                raise CommandError(f"{where}: not JSON ({error.msg})") from None
            if row is None:
                continue
            if not isinstance(row, dict):
                raise CommandError(f"{where}: expected a JSON object")
            for field in required:
                if not isinstance(row.get(field), str) or not row[field].strip():
                    raise CommandError(f'{where}: "{field}" must be a non-empty string')
            rows.append(row)
    return rows


def read_qrels(path: Path) -> dict[str, set[str]]:
    """query id -> its gold claim ids, from `query<TAB>claim[<TAB>...]` lines."""
    qrels: dict[str, set[str]] = defaultdict(set)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CommandError(f"{path.name}: not UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise CommandError(f"{path.name}, line {number}: expected a query id and a claim id, tab-separated")
        qrels[fields[0]].add(fields[1])
    return qrels


class Command(BaseCommand):
    help = "Score claim matching (MAP@1, MAP@5, Recall@5, MRR) on a benchmark folder, through the real pipeline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data", type=Path, required=True, help="folder with claims.jsonl, queries.jsonl, qrels.tsv"
        )
        parser.add_argument("--split", default="all", help="queries whose split (or clef2020_split) is this; or all")
        parser.add_argument("--run-out", type=Path, help="write the rankings here, one JSON line per query")
        parser.add_argument("--top-k", type=int, default=10)
        parser.add_argument("--grid", action="store_true", help="also score the fusion variants in GRID")
        parser.add_argument("--raw-queries", action="store_true", help="skip the query clean-up (URLs, hashtags)")
        parser.add_argument("--limit", type=int, default=0, help="only the first N queries (quick checks)")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["data"]
        for name in ("claims.jsonl", "queries.jsonl", "qrels.tsv"):
            if not (folder / name).is_file():
                raise CommandError(f"--data: {folder / name} is missing")
        claims = read_jsonl(folder / "claims.jsonl", required=("id", "text"))
        queries = [
            q for q in read_jsonl(folder / "queries.jsonl", required=("id", "text")) if _in_split(q, options["split"])
        ]
        if options["limit"]:
            queries = queries[: options["limit"]]
        qrels = read_qrels(folder / "qrels.tsv")
        wanted = {q["id"] for q in queries}
        qrels = defaultdict(set, {q: g for q, g in qrels.items() if q in wanted})
        if not queries:
            raise CommandError(f"--split {options['split']!r}: no queries")

        base_id = self._load_claims(folder, claims)
        ids_by_pk = self._external_ids(base_id, claims)
        embedder = get_embedder(settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)
        configs = dict(GRID) if options["grid"] else {}
        rankings: dict[str, dict[str, list[str]]] = {name: {} for name in ["pipeline", *configs]}
        bar = ProgressBar(cast(TextIO, self.stderr._out), len(queries), unit="queries")
        started = time.perf_counter()
        clean = not options["raw_queries"]
        texts = [(clean_query(q["text"]) or q["text"]) if clean else q["text"] for q in queries]
        vectors = embedder.embed_queries(texts)
        top_k = max(options["top_k"], 10)
        for done, (query, vector) in enumerate(zip(queries, vectors, strict=True), start=1):
            # The pipeline exactly as the worker runs it (the query embedded in one batch beforehand); the grid
            # re-ranks the same candidate lists.
            pipeline = rank_claims(
                query["text"], claim_base_id=base_id, embedder=embedder, top_k=top_k, query_vector=vector, clean=clean
            )
            by_config = {"pipeline": pipeline.fused}
            for name, (config, title_rerank) in configs.items():
                by_config[name] = rank_candidates(pipeline.lists, config=config, title_rerank=title_rerank, top_k=top_k)
            for name, fused in by_config.items():
                rankings[name][query["id"]] = [ext for f in fused for ext in ids_by_pk.get(f.claim_id, [])]
            bar.done_bytes, bar.count = done, done
            bar.draw(final=done == len(queries))
        elapsed = time.perf_counter() - started

        for name, ranked in rankings.items():
            result = score(ranked, qrels).as_dict()
            self.stdout.write(
                f"{name:32} queries={result['queries']}  MAP@1={result['MAP@1']:.4f}  MAP@5={result['MAP@5']:.4f}  "
                f"Recall@5={result['Recall@5']:.4f}  MRR={result['MRR']:.4f}"
            )
        self.stdout.write(
            f"{len(queries)} queries ranked in {elapsed:.1f} s ({1000 * elapsed / len(queries):.0f} ms each) "
            f"with {embedder.name}@{embedder.version}"
        )
        if options["run_out"]:
            with options["run_out"].open("w", encoding="utf-8") as out:
                for query in queries:
                    ranking = rankings["pipeline"].get(query["id"], [])
                    out.write(json.dumps({"query_id": query["id"], "ranking": ranking}) + "\n")
            self.stdout.write(f"rankings written to {options['run_out']}")

    def _load_claims(self, folder: Path, claims: list[dict[str, Any]]) -> int:
        """The scratch project's claim base, filled (once) through the claim import and embedded."""
        slug = f"eval-{folder.name}"
        project, _ = project_get_or_create(slug=slug, actor=None, claim_base=claim_base_get_or_create(slug=slug))
        if project.claim_base.slug != slug:
            raise CommandError(f"project {slug} exists with another claim base; remove it first")
        stream = io.BytesIO(
            "".join(json.dumps({"text": c["text"], "title": c.get("title", "")}) + "\n" for c in claims).encode()
        )
        report = claim_import(project=project, sources=[("claims.jsonl", stream)], actor=None)
        if report.created:
            self.stdout.write(f"loaded {report.created:,} claims ({report.duplicates:,} repeated texts merged)")
        missing = claims_missing_embeddings(limit=10_000_000, claim_base_id=project.claim_base_id)
        if missing:
            embedder = get_embedder(settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)
            bar = ProgressBar(cast(TextIO, self.stderr._out), len(missing), unit="claims embedded")
            started = time.perf_counter()
            for start in range(0, len(missing), 256):
                chunk = missing[start : start + 256]
                claims_embed(claim_ids=chunk, embedder=embedder)
                bar.done_bytes = bar.count = start + len(chunk)
                bar.draw(final=start + len(chunk) == len(missing))
            rate = len(missing) / (time.perf_counter() - started)
            self.stdout.write(f"embedded {len(missing):,} claims (texts and titles) at {rate:.1f} claims/s")
        ensure_vector_index(model_id(get_embedder(settings.FACTCHECK_EMBEDDER, settings.FACTCHECK_EMBED_THREADS)))
        return project.claim_base_id

    def _external_ids(self, base_id: int, claims: list[dict[str, Any]]) -> dict[int, list[str]]:
        """Claim pk -> the benchmark ids with that (normalised) text, in file order."""
        by_text: dict[str, list[str]] = defaultdict(list)
        for claim in claims:
            by_text[claim_normalized_text(normalize_text(claim["text"]))].append(claim["id"])
        pks = claim_ids_by_normalized_text(claim_base_id=base_id, texts=list(by_text))
        return {pk: by_text[text] for text, pk in pks.items()}


def _in_split(query: dict[str, Any], split: str) -> bool:
    return split == "all" or split in (query.get("split"), query.get("clef2020_split"))
