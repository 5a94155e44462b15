"""claims.jsonld: the release's canonical claims as schema.org JSON-LD, a ClaimReview for each claim with a
verdict and a plain Claim for the rest, in one "@graph"; written as a stream.

A ClaimReview reads back through annotations/importers/claims.py (claimReviewed, reviewRating.alternateName,
url, author, itemReviewed.author / datePublished, headline, inLanguage, keywords). That importer takes
only ClaimReview nodes, so claims without a verdict re-import from claim-retrieval/claims.jsonl instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from annotations.exports.records import ReleaseClaim

__all__ = ["CONTEXT", "claim_node", "write_claims_jsonld"]

CONTEXT = "https://schema.org"
CLAIM_PREFIX = "urn:factcheck:claim:"  # the same ids annotations.jsonld links its spans to

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
BATCH = 500


def claim_node(claim: ReleaseClaim, *, claim_prefix: str = CLAIM_PREFIX) -> dict[str, Any]:
    """The claim as a ClaimReview node when it has a verdict, else as a Claim node; empty fields left out."""
    claim_id = f"{claim_prefix}{claim.claim_id}"
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.claimant:
        item["author"] = {"name": claim.claimant}
    if claim.claim_date:
        item["datePublished"] = claim.claim_date
    if not claim.verdict:
        node = {"@type": "Claim", "@id": claim_id, "text": claim.text} | _common(claim, title_key="name")
        return node | {key: value for key, value in item.items() if key != "@type"}
    node = {
        "@type": "ClaimReview",
        "@id": claim_id,
        "claimReviewed": claim.text,
        "reviewRating": {"@type": "Rating", "alternateName": claim.verdict},
        "itemReviewed": item,
    } | _common(claim, title_key="headline")
    if claim.fact_check_url:
        node["url"] = claim.fact_check_url
    if claim.reviewed_by:
        node["author"] = {"@type": "Organization", "name": claim.reviewed_by}
    return node


def write_claims_jsonld(claims: Iterable[ReleaseClaim], out: IO[bytes], *, claim_prefix: str = CLAIM_PREFIX) -> int:
    """Write {"@context": "https://schema.org", "@graph": [...]} to the binary file `out`, a claim at a time;
    the number of nodes written (ClaimReviews and Claims)."""
    out.write(f'{{"@context":"{CONTEXT}","@graph":[\n'.encode())
    rows = 0
    batch: list[str] = []
    for claim in claims:
        batch.append(_ENCODE(claim_node(claim, claim_prefix=claim_prefix)))
        if len(batch) == BATCH:
            out.write((("" if rows == 0 else ",\n") + ",\n".join(batch)).encode("utf-8"))
            rows += len(batch)
            batch.clear()
    if batch:
        out.write((("" if rows == 0 else ",\n") + ",\n".join(batch)).encode("utf-8"))
        rows += len(batch)
    out.write(b"\n]}\n")
    return rows


def _common(claim: ReleaseClaim, *, title_key: str) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if claim.title:
        node[title_key] = claim.title
    if claim.language:
        node["inLanguage"] = claim.language
    if claim.tags:
        node["keywords"] = list(claim.tags)
    return node
