"""annotations.jsonld: the spans as a W3C Web Annotation Data Model collection (JSON-LD), one Annotation per
span with a TextQuoteSelector and a TextPositionSelector, the claim link as its body; written as a stream.

Motivation and bodies, by what the span says about a claim:
- linked to a claim: motivation "linking"; bodies: the claim as a SpecificResource (source: the claim's URN,
  purpose "identifying"), its text as a TextualBody (purpose "describing");
- judged to match no claim (link_source "no_match"): motivation "assessing"; body: the TextualBody
  "no matching claim" (purpose "tagging");
- not linked: motivation "tagging" when it has a label, else "highlighting"; no claim body.
Every span's label is one more TextualBody (purpose "tagging") and its note one more (purpose "commenting").
`creator` lists the curator (gold spans) and the reviewers as Persons named by pseudonym; `generator` is
the software. TextPositionSelector start/end are code points, as the model requires and the records hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from annotations.exports.records import ReleaseSpan

__all__ = [
    "CONTEXT",
    "NO_MATCH",
    "Software",
    "annotation_object",
    "write_annotations_jsonld",
]

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
NO_MATCH = "no matching claim"
SPAN_PREFIX = "urn:factcheck:span:"
CLAIM_PREFIX = "urn:factcheck:claim:"
ARTICLE_PREFIX = "urn:factcheck:article:"
PERSON_PREFIX = "urn:factcheck:person:"

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
BATCH = 500


@dataclass(frozen=True)
class Software:
    name: str
    version: str
    homepage: str = ""

    def as_agent(self) -> dict[str, Any]:
        agent: dict[str, Any] = {"type": "Software", "name": f"{self.name} {self.version}".strip()}
        if self.homepage:
            agent["homepage"] = self.homepage
        # The anno.jsonld context has no version term; schema.org's, written as a full IRI, expands cleanly.
        agent["http://schema.org/softwareVersion"] = self.version
        return agent


def annotation_object(
    span: ReleaseSpan,
    *,
    generator: dict[str, Any],
    span_prefix: str = SPAN_PREFIX,
    claim_prefix: str = CLAIM_PREFIX,
    article_prefix: str = ARTICLE_PREFIX,
) -> dict[str, Any]:
    """One span as a Web Annotation (without @context: it sits inside the collection that carries it)."""
    bodies: list[dict[str, Any]] = []
    if span.claim_id is not None:
        motivation = "linking"
        claim: dict[str, Any] = {"type": "SpecificResource", "source": f"{claim_prefix}{span.claim_id}"}
        claim["purpose"] = "identifying"
        if span.suggestion_model:
            claim["generator"] = {"type": "Software", "name": span.suggestion_model}
        bodies.append(claim)
        if span.claim_text:
            bodies.append(_textual(span.claim_text, "describing"))
    elif span.link_source == "no_match":
        motivation = "assessing"
        bodies.append(_textual(NO_MATCH, "tagging"))
    else:
        motivation = "tagging" if span.label else "highlighting"
    if span.label:
        bodies.append(_textual(span.label, "tagging"))
    if span.note:
        bodies.append(_textual(span.note, "commenting"))

    people = ([span.curator] if span.curator else []) + [name for name in span.reviewers if name != span.curator]
    annotation: dict[str, Any] = {
        "id": f"{span_prefix}{span.span_id}",
        "type": "Annotation",
        "motivation": motivation,
        "created": span.created_at,
        "modified": span.updated_at,
        "creator": [_person(name) for name in people],
        "generator": generator,
        "target": {
            "source": span.article_url or f"{article_prefix}{span.article_id}",
            "selector": [
                {"type": "TextQuoteSelector", "exact": span.quote, "prefix": span.prefix, "suffix": span.suffix},
                {"type": "TextPositionSelector", "start": span.start, "end": span.end},
            ],
        },
    }
    if bodies:
        annotation["body"] = bodies
    return annotation


def write_annotations_jsonld(
    spans: Iterable[ReleaseSpan],
    out: IO[bytes],
    *,
    collection_id: str,
    label: str,
    software: Software,
    span_prefix: str = SPAN_PREFIX,
    claim_prefix: str = CLAIM_PREFIX,
    article_prefix: str = ARTICLE_PREFIX,
) -> int:
    """Write an AnnotationCollection whose one embedded AnnotationPage holds an Annotation per span.

    The header goes out first, then the annotations a batch at a time, then `total` in the footer (JSON
    objects have no key order, so the count can come last); the document is valid JSON only once this
    returns. Returns the number of annotations written.
    """
    generator = software.as_agent()
    header = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "generator": generator,
    }
    page = {"id": f"{collection_id}/page/1", "type": "AnnotationPage", "partOf": collection_id, "startIndex": 0}
    # Both objects are left open: '{...,"first":{...,"items":[' ... ']},"total":N}'.
    out.write(f'{_ENCODE(header)[:-1]},"first":{_ENCODE(page)[:-1]},"items":[\n'.encode())
    rows = 0
    batch: list[str] = []
    for span in spans:
        batch.append(
            _ENCODE(
                annotation_object(
                    span,
                    generator=generator,
                    span_prefix=span_prefix,
                    claim_prefix=claim_prefix,
                    article_prefix=article_prefix,
                )
            )
        )
        if len(batch) == BATCH:
            out.write(_joined(batch, first=rows == 0))
            rows += len(batch)
            batch.clear()
    if batch:
        out.write(_joined(batch, first=rows == 0))
        rows += len(batch)
    out.write(f'\n]}},"total":{rows}}}\n'.encode())
    return rows


def _joined(batch: list[str], *, first: bool) -> bytes:
    return (("" if first else ",\n") + ",\n".join(batch)).encode("utf-8")


def _textual(value: str, purpose: str) -> dict[str, Any]:
    return {"type": "TextualBody", "value": value, "format": "text/plain", "purpose": purpose}


def _person(pseudonym: str) -> dict[str, Any]:
    return {"id": f"{PERSON_PREFIX}{pseudonym}", "type": "Person", "nickname": pseudonym}
