"""JSON Lines articles: one object per line, read as a stream so file size never bounds memory.

Each bad line becomes a Problem with its line number and field; the lines around it still import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from annotations.domain import ArticleRecord, DomainError, Problem
from annotations.importers._common import (
    ByteReader,
    article_record,
    decode_utf8,
    json_lines,
    json_type,
    load_json_object,
    parse_date,
    pick,
    problem_from,
    scalar_str,
)

_KNOWN_KEYS = frozenset(
    {"text", "title", "source_url", "url", "published_date", "date", "language", "external_id", "id"}
    | {"priority", "metadata"}
)


def jsonl_articles(
    reader: ByteReader, *, source_name: str, max_document_bytes: int
) -> Iterator[ArticleRecord | Problem]:
    for item in json_lines(reader, source_name=source_name, max_document_bytes=max_document_bytes):
        if isinstance(item, Problem):
            yield item
            continue
        line_number, raw = item
        try:
            yield _line_record(raw, source_name=source_name, line=line_number)
        except DomainError as error:
            yield problem_from(error, source_name, line=line_number)


def _line_record(raw: bytes, *, source_name: str, line: int) -> ArticleRecord:
    obj = load_json_object(decode_utf8(raw))
    if "text" not in obj:
        raise DomainError('missing "text"', field="text")
    text = obj["text"]
    if not isinstance(text, str):
        raise DomainError(f'"text" must be a string, got {json_type(text)}', field="text")

    raw_date = pick(obj, ("published_date", "date"), field="published_date")
    published_date = parse_date(raw_date) if isinstance(raw_date, str) else None
    if raw_date is not None and published_date is None:
        raise DomainError(
            f"published_date must be an ISO date or datetime, got {json.dumps(raw_date)[:80]}",
            field="published_date",
        )
    external_id = pick(obj, ("external_id", "id"), field="external_id")
    priority = obj.get("priority")
    if priority is not None and (isinstance(priority, bool) or not isinstance(priority, int)):
        raise DomainError(f'"priority" must be an integer, got {json_type(priority)}', field="priority")
    metadata = obj.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise DomainError(f'"metadata" must be an object, got {json_type(metadata)}', field="metadata")
    # An explicit "metadata" object wins over a stray top-level key of the same name.
    merged = {key: value for key, value in obj.items() if key not in _KNOWN_KEYS} | (metadata or {})

    return article_record(
        text=text,
        source_name=source_name,
        line=line,
        title=_optional_str(obj, ("title",), field="title"),
        source_url=_optional_str(obj, ("source_url", "url"), field="source_url"),
        published_date=published_date,
        language=_optional_str(obj, ("language",), field="language"),
        external_id="" if external_id is None else scalar_str(external_id, field="external_id"),
        priority=priority or 0,
        metadata=merged,
    )


def _optional_str(obj: dict[str, Any], keys: tuple[str, ...], *, field: str) -> str:
    value = pick(obj, keys, field=field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(f'"{field}" must be a string, got {json_type(value)}', field=field)
    return value
