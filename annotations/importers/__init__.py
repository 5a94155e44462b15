"""Pure article importers: detect a file's format and turn its bytes into ArticleRecords or Problems.

Standard library, PyYAML and selectolax only; no Django, so the parsers are tested without a database.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import BinaryIO

from annotations.domain import ArticleRecord, DomainError, Problem
from annotations.importers._common import (
    BOM,
    ByteReader,
    byte_limit,
    decode_utf8,
    problem_from,
    read_up_to,
)
from annotations.importers.html import html_article
from annotations.importers.jsonl import jsonl_articles
from annotations.importers.markdown import has_front_matter, markdown_article
from annotations.importers.text import text_article

__all__ = ["DETECT_BYTES", "FORMATS", "detect_format", "parse_articles"]

FORMATS = ("jsonl", "html", "markdown", "text")
# How much of a file format detection looks at; front matter and a page's first tags fit well within it.
DETECT_BYTES = 64 * 1024

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
    if first_line.startswith("{") and _is_json_object(first_line, complete=bool(newline)):
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
        reader = _Rewound(head, stream)
    if fmt == "jsonl":
        yield from jsonl_articles(reader, source_name=source_name, max_document_bytes=max_document_bytes)
        return
    data = read_up_to(reader, max_document_bytes + 1)
    if not data:
        yield Problem(source_name=source_name, message="file is empty", code="empty")
        return
    if len(data) > max_document_bytes:
        message = f"file is larger than {byte_limit(max_document_bytes)}"
        yield Problem(source_name=source_name, message=message, code="too_large")
        return
    try:
        yield _SINGLE_DOCUMENT[fmt](decode_utf8(data), source_name=source_name)
    except DomainError as error:
        yield problem_from(error, source_name)


def _is_json_object(line: str, *, complete: bool) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        # A first line longer than the detection window is cut off; `{"` still marks it as JSON Lines.
        return not complete and line.startswith('{"')


class _Rewound:
    """A stream with the bytes already read for format detection put back in front of it."""

    def __init__(self, head: bytes, stream: ByteReader) -> None:
        self._head = head
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        taken = self._take(len(self._head) if size < 0 else size)
        if size < 0:
            return taken + self._stream.read()
        return taken + (self._stream.read(size - len(taken)) if len(taken) < size else b"")

    def readline(self, size: int = -1, /) -> bytes:
        if not self._head:
            return self._stream.readline(size)
        limit = len(self._head) if size < 0 else min(size, len(self._head))
        end = self._head.find(b"\n", 0, limit)
        if end >= 0:
            return self._take(end + 1)
        taken = self._take(limit)
        if size >= 0 and len(taken) >= size:
            return taken
        return taken + self._stream.readline(-1 if size < 0 else size - len(taken))

    def _take(self, size: int) -> bytes:
        taken, self._head = self._head[:size], self._head[size:]
        return taken
