"""JSON Lines articles: one object per line, read as a stream so file size never bounds memory.

Each bad line becomes a Problem with its line number and field; the lines around it still import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from annotations.domain import ArticleRecord, DomainError, Problem
from annotations.importers._common import (
    BOM,
    ByteReader,
    article_record,
    byte_limit,
    decode_utf8,
    json_type,
    parse_date,
    pick,
    problem_from,
    scalar_str,
    skip_rest_of_line,
)

_KNOWN_KEYS = frozenset(
    {"text", "title", "source_url", "url", "published_date", "date", "language", "external_id", "id"}
    | {"priority", "metadata"}
)


def jsonl_articles(
    reader: ByteReader, *, source_name: str, max_document_bytes: int
) -> Iterator[ArticleRecord | Problem]:
    line_number = 0
    saw_content = False
    while True:
        raw = reader.readline(max_document_bytes + 1)
        if not raw:
            break
        line_number += 1
        if len(raw) > max_document_bytes and not raw.endswith(b"\n"):
            skip_rest_of_line(reader)
            saw_content = True
            yield Problem(
                source_name=source_name,
                line=line_number,
                code="too_large",
                message=f"line {line_number} is larger than {byte_limit(max_document_bytes)}",
            )
            continue
        if line_number == 1:
            raw = raw.removeprefix(BOM)
        if not raw.strip():
            continue
        saw_content = True
        try:
            yield _line_record(raw, source_name=source_name, line=line_number)
        except DomainError as error:
            yield problem_from(error, source_name, line=line_number)
    if not saw_content:
        message = "file is empty" if line_number == 0 else "file has only blank lines"
        yield Problem(source_name=source_name, message=message, code="empty")


def _line_record(raw: bytes, *, source_name: str, line: int) -> ArticleRecord:
    obj = _load_object(decode_utf8(raw))
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


def _load_object(line: str) -> dict[str, Any]:
    try:
        loaded = json.loads(line, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise DomainError(f"invalid JSON: {error.msg} at column {error.colno}") from None
    except ValueError as error:
        # Raised by _refuse_constant, and by int() for numbers longer than Python's digit limit.
        raise DomainError(f"invalid JSON: {error}") from None
    except RecursionError:
        raise DomainError("invalid JSON: nested too deeply") from None
    if not isinstance(loaded, dict):
        raise DomainError(f"expected a JSON object, got {json_type(loaded)}")
    return loaded


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, and PostgreSQL's jsonb would refuse them later.
    raise ValueError(f"{name} is not allowed")


def _optional_str(obj: dict[str, Any], keys: tuple[str, ...], *, field: str) -> str:
    value = pick(obj, keys, field=field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DomainError(f'"{field}" must be a string, got {json_type(value)}', field=field)
    return value
