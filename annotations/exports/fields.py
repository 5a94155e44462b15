"""The span columns every tabular release file shares (spans.jsonl, spans.csv, spans.parquet), in one order,
each with the sentence the datasheet and the manifest print for it."""

from __future__ import annotations

import dataclasses

from annotations.exports.records import OFFSETS, ReleaseSpan

SPAN_FIELDS: dict[str, str] = {
    "span_id": "the span's id in the project (stable across releases)",
    "article_id": "the article's id in the project",
    "article_external_id": "the article's id in its source (may be empty); joins to articles.jsonl external_id",
    "article_sha256": "sha256 (hex) of the article text as stored (UTF-8); joins to articles.jsonl text",
    "article_url": "the article's source URL (may be empty)",
    "start": f"first code point of the span; offsets are {OFFSETS}",
    "end": "one past the last code point of the span (half-open)",
    "quote": "text[start:end], the highlighted text exactly",
    "prefix": "the text just before the span, to re-anchor the quote (TextQuoteSelector prefix)",
    "suffix": "the text just after the span (TextQuoteSelector suffix)",
    "label": "the span's label (may be empty)",
    "note": "the free-text note on the span (may be empty)",
    "is_gold": "true for a curator's gold span, false for one reviewer's span",
    "claim_id": "the linked canonical claim (claims.jsonld, claim-retrieval/claims.jsonl); null: no link or no match",
    "claim_text": "the linked claim's text, or empty",
    "link_source": "how the link was made: suggestion | search | created | no_match; null when not linked",
    "suggestion_rank": "the claim's rank among the model's suggestions, when the link came from one",
    "suggestion_score": "the suggestion's fused score, when the link came from one",
    "suggestion_model": 'the suggesting model as "name@version", or empty',
    "reviewers": "pseudonyms of who made the span (reviewer span) or whose spans it settles (gold span)",
    "curator": "pseudonym of the curator who settled a gold span; null for a reviewer span",
    "derived_from": "ids of the reviewer spans a gold span settles",
    "created_at": "when the span was made, ISO 8601 UTC",
    "updated_at": "when the span last changed, ISO 8601 UTC",
}

# The writers rely on this order being the record's own: checked at import, so a new field fails loudly.
_RECORD_FIELDS = tuple(field.name for field in dataclasses.fields(ReleaseSpan))
if tuple(SPAN_FIELDS) != _RECORD_FIELDS:  # pragma: no cover - a programming error, caught by any test run
    raise RuntimeError(f"SPAN_FIELDS is out of step with ReleaseSpan: {_RECORD_FIELDS}")
