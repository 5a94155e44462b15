"""claim-retrieval/: the release as a claim-retrieval benchmark in the CheckThat! shape (CLEF 2020-2022 task 2):
queries.jsonl ({"id", "text"}: a linked span's quote), claims.jsonl ({"id", "text", "title"}) and qrels.tsv
(query_id<TAB>claim_id, relevant pairs only, no header), as in ../shared/data/claim-matching/*/README.md."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from annotations.exports.records import ReleaseClaim, ReleaseSpan

__all__ = [
    "FOLDER",
    "claim_key",
    "query_key",
    "write_claim_retrieval",
    "write_retrieval_claims",
    "write_retrieval_queries",
]

FOLDER = "claim-retrieval"
QUERIES, CLAIMS, QRELS = "queries.jsonl", "claims.jsonl", "qrels.tsv"
BATCH = 2000

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def query_key(span_id: int) -> str:
    return f"span-{span_id}"


def claim_key(claim_id: int) -> str:
    return f"claim-{claim_id}"


def write_retrieval_queries(spans: Iterable[ReleaseSpan], queries: IO[bytes], qrels: IO[bytes]) -> int:
    """One query per span linked to a claim (spans without a link or judged "no match" are skipped) and its
    one relevant pair; the number of queries written (equal to the qrels lines)."""
    rows = 0
    query_lines: list[str] = []
    qrel_lines: list[str] = []
    for span in spans:
        if span.claim_id is None:
            continue
        key = query_key(span.span_id)
        query_lines.append(_ENCODE({"id": key, "text": span.quote}))
        qrel_lines.append(f"{key}\t{claim_key(span.claim_id)}")
        if len(query_lines) == BATCH:
            _flush(qrel_lines, qrels)
            rows += _flush(query_lines, queries)
    _flush(qrel_lines, qrels)
    return rows + _flush(query_lines, queries)


def write_retrieval_claims(claims: Iterable[ReleaseClaim], out: IO[bytes]) -> int:
    """One line per claim, the retrieval pool: every claim given, linked or not; the number written."""
    rows = 0
    lines: list[str] = []
    for claim in claims:
        lines.append(_ENCODE({"id": claim_key(claim.claim_id), "text": claim.text, "title": claim.title}))
        if len(lines) == BATCH:
            rows += _flush(lines, out)
    return rows + _flush(lines, out)


def write_claim_retrieval(
    folder: Path, *, spans: Iterable[ReleaseSpan], claims: Iterable[ReleaseClaim]
) -> dict[str, int]:
    """Write the three files into folder/claim-retrieval/; rows per file, keyed by the path relative to
    `folder` (as the manifest names files)."""
    target = folder / FOLDER
    target.mkdir(parents=True, exist_ok=True)
    with (target / QUERIES).open("wb") as queries, (target / QRELS).open("wb") as qrels:
        query_rows = write_retrieval_queries(spans, queries, qrels)
    with (target / CLAIMS).open("wb") as out:
        claim_rows = write_retrieval_claims(claims, out)
    return {f"{FOLDER}/{QUERIES}": query_rows, f"{FOLDER}/{CLAIMS}": claim_rows, f"{FOLDER}/{QRELS}": query_rows}


def _flush(lines: list[str], out: IO[bytes]) -> int:
    count = len(lines)
    if count:
        lines.append("")
        out.write("\n".join(lines).encode("utf-8"))
        lines.clear()
    return count
