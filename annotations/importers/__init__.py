"""Pure importers: detect a file's format and turn its bytes into ArticleRecords or ClaimRecords, or Problems.

Standard library, PyYAML and selectolax only; no Django, so the parsers are tested without a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import BinaryIO

from annotations.domain import ArticleRecord, DomainError, Problem
from annotations.importers._common import (
    BOM,
    DETECT_BYTES,
    ByteReader,
    Rewound,
    decode_utf8,
    is_json_object,
    problem_from,
    read_document,
    read_up_to,
)
from annotations.importers.claims import CLAIM_FORMATS, detect_claim_format, parse_claims
from annotations.importers.html import html_article
from annotations.importers.jsonl import jsonl_articles
from annotations.importers.markdown import has_front_matter, markdown_article
from annotations.importers.text import text_article

__all__ = [
    "CLAIM_FORMATS",
    "DETECT_BYTES",
    "FORMATS",
    "detect_claim_format",
    "detect_format",
    "parse_articles",
    "parse_claims",
]

FORMATS = ("jsonl", "html", "markdown", "text")

_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|article|main|section|div|p|h[1-6]|title|meta|ul|ol|li|table|br)\b",
    re.IGNORECASE,
)
# Extensions decide only when the content alone says "plain text".
_EXTENSION_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
}
_SINGLE_DOCUMENT: dict[str, Callable[..., ArticleRecord]] = {
    "html": html_article,
    "markdown": markdown_article,
    "text": text_article,
}


def detect_format(source_name: str, head: bytes) -> str:
    """One of FORMATS for a file named `source_name` whose first bytes are `head`.

    Content decides first (front matter, then HTML tags, then a JSON object on the first line); the
    extension only breaks the tie when the content looks like plain text.
    """
    text = head.removeprefix(BOM).decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if has_front_matter(text):
        return "markdown"
    stripped = text.lstrip()
    if stripped.startswith("<") and _HTML_TAG.search(stripped):
        return "html"
    first_line, newline, _ = stripped.partition("\n")
    if first_line.startswith("{") and is_json_object(first_line, complete=bool(newline)):
        return "jsonl"
    return _EXTENSION_FORMATS.get(PurePath(source_name).suffix.lower(), "text")


def parse_articles(
    source_name: str, stream: BinaryIO, *, max_document_bytes: int, fmt: str | None = None
) -> Iterator[ArticleRecord | Problem]:
    """Yield one ArticleRecord per article in `stream` and one Problem per thing that could not be used.

    JSON Lines is read line by line, so memory is bounded by `max_document_bytes` whatever the file
    size; other formats hold one document of at most that size. `fmt` skips detection. Problem codes:
    "empty" (no content), "too_large" (over the limit), "encoding" (not UTF-8), "invalid" (the rest).
    """
    if fmt is not None and fmt not in FORMATS:
        raise DomainError(f'unknown format "{fmt}"; expected one of {", ".join(FORMATS)}', field="format")
    if max_document_bytes < 1:
        raise ValueError("max_document_bytes must be positive")
    return _parse(source_name, stream, max_document_bytes=max_document_bytes, fmt=fmt)


def _parse(
    source_name: str, stream: ByteReader, *, max_document_bytes: int, fmt: str | None
) -> Iterator[ArticleRecord | Problem]:
    reader = stream
    if fmt is None:
        head = read_up_to(stream, DETECT_BYTES)
        fmt = detect_format(source_name, head)
        reader = Rewound(head, stream)
    if fmt == "jsonl":
        yield from jsonl_articles(reader, source_name=source_name, max_document_bytes=max_document_bytes)
        return
    data = read_document(reader, source_name=source_name, max_document_bytes=max_document_bytes)
    if isinstance(data, Problem):
        yield data
        return
    try:
        yield _SINGLE_DOCUMENT[fmt](decode_utf8(data), source_name=source_name)
    except DomainError as error:
        yield problem_from(error, source_name)
