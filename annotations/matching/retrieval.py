"""Candidate retrieval: nearest claims by vector (pgvector HNSW, cosine) and by words (PostgreSQL full text),
fused into one ranking and re-ranked by the span's similarity to each candidate's title. Worker and
evaluation share `rank_claims`, so what is measured is what runs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from annotations.matching.embedders import Embedder, ModelId, model_id
from annotations.matching.fusion import Candidates, Fused, FusionConfig, RerankConfig, fuse, rerank
from annotations.matching.text import clean_query

CANDIDATES_PER_SOURCE = 50
# The dense side reads fewer candidates, with a search list to match: at 1,000,000 claims the HNSW scan
# takes 12-15 ms (p50) at ef_search 40 for 30 candidates, against 30 ms at 100 for 50 (bench/vector_scale.py),
# and the ranking on the development data did not change (docs/matching.md).
DENSE_CANDIDATES = 40
HNSW_EF_SEARCH = 40
# Fitted on the dev queries of clef2022-2a-en (docs/matching.md): min-max-normalised scores, dense weighted 2:1.
DEFAULT_FUSION = FusionConfig(method="linear", weights={"dense": 1.0, "lexical": 1.0})
# The fused top 40 re-ranked by RRF of the fused rank and the span-to-title rank, the title's rank weighted 0.5.
# Chosen on the dev queries of clef2022-2a-en through this pipeline (docs/matching.md): w = 0.5 gained 0.021
# MAP@5 there and w = 1 (bench/title_rerank.py's choice, by 0.002 over 0.5) 0.004.
TITLE_RERANK = RerankConfig(depth=40, k=9.0, weight=0.5)
RETRIEVAL_VERSION = "hybrid-3-titles"  # bump when candidate generation changes: it is part of a run's identity


def index_name(model: ModelId) -> str:
    digest = hashlib.sha256(f"{model.name}@{model.version}".encode()).hexdigest()[:12]
    return f"claim_embedding_hnsw_{digest}"


def ensure_vector_index(model: ModelId) -> None:
    """A partial HNSW index over one model's vectors, cast to its dimension (cosine distance).

    Looked up first: CREATE INDEX IF NOT EXISTS would lock the table even when the index is there.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'i'", [index_name(model)])
        if cursor.fetchone() is not None:
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(model)} ON annotations_claimembedding "
            f"USING hnsw ((vector::vector({int(model.dimensions)})) vector_cosine_ops) "
            "WHERE model_name = %s AND model_version = %s",
            [model.name, model.version],
        )


def hnsw_settings(*, connection: BaseDatabaseWrapper, **_: object) -> None:
    """Set on every new database connection (`connection_created`), so a dense query is one round trip:
    filtering after an HNSW scan can starve the LIMIT, and iterative scans keep reading the index; the
    search list fits the candidate count. They affect nothing but HNSW index scans."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET hnsw.iterative_scan = relaxed_order; SET hnsw.ef_search = {int(HNSW_EF_SEARCH)}")


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


@dataclass(frozen=True)
class Retrieved:
    candidates: Candidates  # (claim id, score), best first
    # Claim id -> the query's cosine similarity to the claim's title vector (to its text vector if it has no
    # title), read by the same query; a candidate without a vector under the model has none.
    titles: dict[int, float]


def _title_similarity(dims: int) -> str:
    """SQL for the similarity of the query vector %(q)s to the title vector of the embedding row `e`.

    An untitled claim's headline is its text (the experiment embedded the text in its place), and a row not
    yet given its title vector uses the text's until the backfill reaches it."""
    return f"1 - ((coalesce(e.title_vector, e.vector))::vector({dims}) <=> %(q)s::vector({dims}))"


def dense_candidates(
    vector: Sequence[float],
    model: ModelId,
    *,
    claim_base_id: int,
    language: str = "",
    limit: int = DENSE_CANDIDATES,
) -> Retrieved:
    """Active claims of the claim base nearest to `vector`, as (claim id, cosine similarity), with their titles'
    similarities."""
    dims = int(model.dimensions)
    language_filter = "AND c.language = %(language)s" if language else ""
    # The ORDER BY expression and the WHERE on model must match the partial index for it to be used. The
    # title similarity is computed for the rows returned only.
    sql = f"""
        SELECT e.claim_id, (e.vector::vector({dims})) <=> %(q)s::vector({dims}) AS distance,
               {_title_similarity(dims)} AS title
        FROM annotations_claimembedding e
        JOIN annotations_canonicalclaim c ON c.id = e.claim_id
        WHERE e.model_name = %(model)s AND e.model_version = %(version)s
          AND c.claim_base_id = %(base)s AND c.status = 'active' {language_filter}
        ORDER BY distance
        LIMIT %(limit)s
    """  # noqa: S608 - only integers are formatted in; values are parameters
    params: dict[str, str | int] = {
        "q": _vector_literal(vector),
        "model": model.name,
        "version": model.version,
        "base": claim_base_id,
        "language": language,
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(int(claim_id), 1 - float(distance), float(title)) for claim_id, distance, title in cursor.fetchall()]
    rows.sort(key=lambda r: -r[1])
    return Retrieved(candidates=[(c, score) for c, score, _ in rows], titles={c: title for c, _, title in rows})


_LEXICAL_SQL = """
    WITH q AS (
        SELECT to_tsquery('english', string_agg(quote_literal(lexeme), ' | ')) AS query
        FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) AS lexeme
    ), hits AS (
        SELECT c.id, ts_rank(c.search_vector, q.query, 1) AS score
        FROM annotations_canonicalclaim c, q
        WHERE q.query IS NOT NULL AND c.search_vector @@ q.query
          AND c.claim_base_id = %(base)s AND c.status = 'active' {language}
        ORDER BY score DESC, c.id
        LIMIT %(limit)s
    )
    SELECT hits.id, hits.score, {title} AS title
    FROM hits {join}
    ORDER BY hits.score DESC, hits.id
"""
# The embedding rows of the hits only (after the LIMIT), found by the (claim, model, version) unique index.
_LEXICAL_TITLES_JOIN = """
    LEFT JOIN annotations_claimembedding e
      ON e.claim_id = hits.id AND e.model_name = %(model)s AND e.model_version = %(version)s
"""


def lexical_candidates(
    text: str,
    *,
    claim_base_id: int,
    language: str = "",
    limit: int = CANDIDATES_PER_SOURCE,
    vector: Sequence[float] | None = None,
    model: ModelId | None = None,
) -> Retrieved:
    """Claims sharing words with `text` (any of them), ranked by `ts_rank` over title, text, claimant; with a
    query vector and its model, also their titles' similarities (in the same query)."""
    params: dict[str, str | int] = {"text": text, "base": claim_base_id, "language": language, "limit": limit}
    title, join = "NULL::float8", ""
    if vector is not None and model is not None:
        title, join = _title_similarity(int(model.dimensions)), _LEXICAL_TITLES_JOIN
        params |= {"q": _vector_literal(vector), "model": model.name, "version": model.version}
    sql = _LEXICAL_SQL.format(language="AND c.language = %(language)s" if language else "", title=title, join=join)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return Retrieved(
        candidates=[(int(c), float(score)) for c, score, _ in rows],
        titles={int(c): float(title) for c, _, title in rows if title is not None},
    )


@dataclass(frozen=True)
class CandidateLists:
    """What the two candidate queries found: both lists, and every candidate's title similarity."""

    dense: Candidates
    lexical: Candidates
    titles: dict[int, float]


def candidate_lists(
    query: str, query_vector: Sequence[float], model: ModelId, *, claim_base_id: int, language: str = ""
) -> tuple[CandidateLists, dict[str, float]]:
    """The dense and lexical candidates of a cleaned query, and the milliseconds each query took."""
    mark = time.perf_counter()
    dense = dense_candidates(query_vector, model, claim_base_id=claim_base_id, language=language)
    dense_ms = (time.perf_counter() - mark) * 1000
    mark = time.perf_counter()
    lexical = lexical_candidates(
        query, claim_base_id=claim_base_id, language=language, vector=query_vector, model=model
    )
    lexical_ms = (time.perf_counter() - mark) * 1000
    lists = CandidateLists(
        dense=dense.candidates, lexical=lexical.candidates, titles={**lexical.titles, **dense.titles}
    )
    return lists, {"dense": dense_ms, "lexical": lexical_ms}


def rank_candidates(
    lists: CandidateLists,
    *,
    config: FusionConfig = DEFAULT_FUSION,
    title_rerank: RerankConfig | None = TITLE_RERANK,
    top_k: int = 10,
) -> list[Fused]:
    """Fuse the two lists, then re-rank the fused head by title similarity (unless `title_rerank` is None)."""
    if title_rerank is None:
        return fuse({"dense": lists.dense, "lexical": lists.lexical}, config, top_k=top_k)
    fused = fuse({"dense": lists.dense, "lexical": lists.lexical}, config, top_k=max(top_k, title_rerank.depth))
    return rerank(fused, lists.titles, title_rerank, top_k=top_k)


@dataclass
class Ranking:
    fused: list[Fused]
    model: ModelId
    lists: CandidateLists
    timings_ms: dict[str, float] = field(default_factory=dict)


def rank_claims(
    text: str,
    *,
    claim_base_id: int,
    embedder: Embedder,
    config: FusionConfig = DEFAULT_FUSION,
    title_rerank: RerankConfig | None = TITLE_RERANK,
    language: str = "",
    top_k: int = 10,
    query_vector: np.ndarray | None = None,
    clean: bool = True,
) -> Ranking:
    """The pipeline: clean the text, embed it, fetch dense and lexical candidates (with their titles'
    similarities), fuse, re-rank by title, keep top_k. `clean=False` (evaluation only) skips the clean-up."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    query = (clean_query(text) or text) if clean else text
    if query_vector is None:
        query_vector = embedder.embed_queries([query])[0]
    timings["embed"] = (time.perf_counter() - started) * 1000
    model = model_id(embedder)
    lists, query_ms = candidate_lists(
        query, query_vector.tolist(), model, claim_base_id=claim_base_id, language=language
    )
    timings |= query_ms
    fused = rank_candidates(lists, config=config, title_rerank=title_rerank, top_k=top_k)
    timings["total"] = (time.perf_counter() - started) * 1000
    return Ranking(fused=fused, model=model, lists=lists, timings_ms=timings)
