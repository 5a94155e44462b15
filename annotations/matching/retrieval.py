"""Candidate retrieval: nearest claims by vector (pgvector HNSW, cosine) and by words (PostgreSQL full text),
fused into one ranking. Worker and evaluation share `rank_claims`, so what is measured is what runs.
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
from annotations.matching.fusion import Candidates, Fused, FusionConfig, fuse
from annotations.matching.text import clean_query

CANDIDATES_PER_SOURCE = 50
# The dense side reads fewer candidates, with a search list to match: at 1,000,000 claims the HNSW scan
# takes 12-15 ms (p50) at ef_search 40 for 30 candidates, against 30 ms at 100 for 50 (bench/vector_scale.py),
# and the ranking on the development data did not change (docs/matching.md).
DENSE_CANDIDATES = 40
HNSW_EF_SEARCH = 40
# Fitted on the dev queries of clef2022-2a-en (docs/matching.md): min-max-normalised scores, dense weighted 2:1.
DEFAULT_FUSION = FusionConfig(method="linear", weights={"dense": 1.0, "lexical": 1.0})
RETRIEVAL_VERSION = "hybrid-2"  # bump when candidate generation changes: it is part of a run's identity


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


def dense_candidates(
    vector: Sequence[float],
    model: ModelId,
    *,
    claim_base_id: int,
    language: str = "",
    limit: int = DENSE_CANDIDATES,
) -> Candidates:
    """Active claims of the claim base nearest to `vector`, as (claim id, cosine similarity)."""
    dims = int(model.dimensions)
    language_filter = "AND c.language = %(language)s" if language else ""
    # The ORDER BY expression and the WHERE on model must match the partial index for it to be used. The
    # query vector is sent once.
    sql = f"""
        SELECT e.claim_id, (e.vector::vector({dims})) <=> %(q)s::vector({dims}) AS distance
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
        rows = [(claim_id, 1 - distance) for claim_id, distance in cursor.fetchall()]
    return sorted(((int(c), float(s)) for c, s in rows), key=lambda r: -r[1])


_LEXICAL_SQL = """
    WITH q AS (
        SELECT to_tsquery('english', string_agg(quote_literal(lexeme), ' | ')) AS query
        FROM unnest(tsvector_to_array(to_tsvector('english', %(text)s))) AS lexeme
    )
    SELECT c.id, ts_rank(c.search_vector, q.query, 1) AS score
    FROM annotations_canonicalclaim c, q
    WHERE q.query IS NOT NULL AND c.search_vector @@ q.query
      AND c.claim_base_id = %(base)s AND c.status = 'active' {language}
    ORDER BY score DESC, c.id
    LIMIT %(limit)s
"""


def lexical_candidates(
    text: str, *, claim_base_id: int, language: str = "", limit: int = CANDIDATES_PER_SOURCE
) -> Candidates:
    """Claims sharing words with `text` (any of them), ranked by cover density over title, text, claimant."""
    sql = _LEXICAL_SQL.format(language="AND c.language = %(language)s" if language else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"text": text, "base": claim_base_id, "language": language, "limit": limit})
        return [(int(c), float(s)) for c, s in cursor.fetchall()]


@dataclass
class Ranking:
    fused: list[Fused]
    model: ModelId
    timings_ms: dict[str, float] = field(default_factory=dict)


def rank_claims(
    text: str,
    *,
    claim_base_id: int,
    embedder: Embedder,
    config: FusionConfig = DEFAULT_FUSION,
    language: str = "",
    top_k: int = 10,
    query_vector: np.ndarray | None = None,
) -> Ranking:
    """The pipeline: clean the text, embed it, fetch dense and lexical candidates, fuse, keep top_k."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    query = clean_query(text) or text
    if query_vector is None:
        query_vector = embedder.embed_queries([query])[0]
    timings["embed"] = (time.perf_counter() - started) * 1000
    model = model_id(embedder)
    mark = time.perf_counter()
    dense = dense_candidates(query_vector.tolist(), model, claim_base_id=claim_base_id, language=language)
    timings["dense"] = (time.perf_counter() - mark) * 1000
    mark = time.perf_counter()
    lexical = lexical_candidates(query, claim_base_id=claim_base_id, language=language)
    timings["lexical"] = (time.perf_counter() - mark) * 1000
    fused = fuse({"dense": dense, "lexical": lexical}, config, top_k=top_k)
    timings["total"] = (time.perf_counter() - started) * 1000
    return Ranking(fused=fused, model=model, timings_ms=timings)
