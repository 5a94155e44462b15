"""Parsers of a release's span files, for importing a release into another project: `spans.jsonl` (every
field kept) and `annotations.jsonld` (W3C Web Annotation: the span is anchored by its selectors, the claim
comes from its SpecificResource and describing body). Pure: records in, with line numbers, or Problems."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from annotations.domain import Problem

CLAIM_URN = "urn:factcheck:claim:"
NO_MATCH = "no matching claim"


@dataclass(frozen=True)
class ImportedSpan:
    line: int | None  # spans.jsonl: the line; annotations.jsonld: the annotation's position (1-based)
    article_sha256: str  # "" when the file does not say (annotations.jsonld)
    article_source: str  # the article's URL or URN, "" when not given
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str
    label: str
    note: str
    is_gold: bool
    claim_id: int | None
    claim_text: str
    link_source: str | None
    suggestion_rank: int | None
    suggestion_score: float | None
    suggestion_model: str


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_spans_jsonl(data: bytes, source_name: str) -> Iterator[ImportedSpan | Problem]:
    for number, raw_bytes in enumerate(data.splitlines(), start=1):
        try:
            raw = raw_bytes.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Problem(source_name=source_name, line=number, message=f"not UTF-8 (byte {error.start + 1})")
            continue
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as error:
            yield Problem(source_name=source_name, line=number, message=f"not JSON: {error.msg}")
            continue
        if not isinstance(row, dict):
            yield Problem(source_name=source_name, line=number, message="expected a JSON object (one span per line)")
            continue
        start, end = _int(row.get("start")), _int(row.get("end"))
        if start is None or end is None or not isinstance(row.get("quote"), str):
            yield Problem(source_name=source_name, line=number, field="start", message="needs start, end and quote")
            continue
        yield ImportedSpan(
            line=number,
            article_sha256=str(row.get("article_sha256", "")),
            article_source=str(row.get("article_url", "")),
            start=start,
            end=end,
            quote=row["quote"],
            prefix=str(row.get("prefix", "")),
            suffix=str(row.get("suffix", "")),
            label=str(row.get("label", "")),
            note=str(row.get("note", "")),
            is_gold=bool(row.get("is_gold", False)),
            claim_id=_int(row.get("claim_id")),
            claim_text=str(row.get("claim_text") or ""),
            link_source=row.get("link_source") if isinstance(row.get("link_source"), str) else None,
            suggestion_rank=_int(row.get("suggestion_rank")),
            suggestion_score=row.get("suggestion_score") if isinstance(row.get("suggestion_score"), float) else None,
            suggestion_model=str(row.get("suggestion_model") or ""),
        )


def _objects(value: Any) -> list[dict[str, Any]]:
    """A JSON-LD value that may be one node, a list of nodes, or IRIs (strings): its nodes."""
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, dict)]


def _selector(target: dict[str, Any], kind: str) -> dict[str, Any]:
    return next((s for s in _objects(target.get("selector")) if s.get("type") == kind), {})


def parse_annotations_jsonld(data: bytes, source_name: str) -> Iterator[ImportedSpan | Problem]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        yield Problem(source_name=source_name, message=f"not a JSON document: {error}")
        return
    first = document.get("first", {}) if isinstance(document, dict) else {}
    items = first.get("items", []) if isinstance(first, dict) else []
    if not isinstance(items, list) or not items:
        yield Problem(
            source_name=source_name, field="first", message="no annotations (an AnnotationCollection's first.items)"
        )
        return
    for number, annotation in enumerate(items, start=1):
        # The model allows a target, a body or a generator to be an IRI alone; none of those anchors a span.
        targets = _objects(annotation.get("target")) if isinstance(annotation, dict) else []
        target = targets[0] if targets else {}
        position, quote = _selector(target, "TextPositionSelector"), _selector(target, "TextQuoteSelector")
        start, end = _int(position.get("start")), _int(position.get("end"))
        if not isinstance(annotation, dict) or start is None or end is None or not isinstance(quote.get("exact"), str):
            yield Problem(
                source_name=source_name,
                line=number,
                field="selector",
                message="needs a target with a TextPositionSelector and a TextQuoteSelector",
            )
            continue
        bodies = _objects(annotation.get("body"))
        claim = next((b for b in bodies if b.get("type") == "SpecificResource"), None)
        texts = {b.get("purpose"): b.get("value", "") for b in bodies if b.get("type") == "TextualBody"}
        tags = [b.get("value", "") for b in bodies if b.get("type") == "TextualBody" and b.get("purpose") == "tagging"]
        claim_id = None
        if claim is not None and str(claim.get("source", "")).startswith(CLAIM_URN):
            tail = str(claim["source"])[len(CLAIM_URN) :]
            claim_id = int(tail) if tail.isascii() and tail.isdigit() else None
        generator = next(iter(_objects(claim.get("generator"))), {}) if claim is not None else {}
        no_match = annotation.get("motivation") == "assessing"
        yield ImportedSpan(
            line=number,
            article_sha256="",
            article_source=str(target.get("source", "")),
            start=start,
            end=end,
            quote=quote["exact"],
            prefix=str(quote.get("prefix", "")),
            suffix=str(quote.get("suffix", "")),
            label=str(next((t for t in tags if t != NO_MATCH), "")),
            note=str(texts.get("commenting", "")),
            is_gold=True,
            claim_id=claim_id,
            claim_text=str(texts.get("describing", "")),
            # The document keeps the suggesting model but not the rank: such a link comes back as "search".
            link_source="no_match" if no_match else ("search" if claim_id is not None else None),
            suggestion_rank=None,
            suggestion_score=None,
            suggestion_model=str(generator.get("name", "")),
        )
