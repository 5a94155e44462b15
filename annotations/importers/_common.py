"""Helpers shared by the article and claim importers: reading and decoding bytes, JSON, dates, validation.

Every article format builds its ArticleRecord through `article_record`, so the checks live in one place.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from typing import Any, Protocol
from urllib.parse import urlsplit

from annotations.domain import ArticleRecord, DomainError, Problem, normalize_text

BOM = b"\xef\xbb\xbf"
# How much of a file format detection looks at; front matter and a page's first tags fit well within it.
DETECT_BYTES = 64 * 1024
TITLE_MAX_CHARS = 500
DERIVED_TITLE_MAX_CHARS = 120
# These three mirror the Article model's column sizes, so a record that passes here also fits the table.
LANGUAGE_MAX_CHARS = 35
EXTERNAL_ID_MAX_CHARS = 200
SOURCE_URL_MAX_CHARS = 2000
PRIORITY_RANGE = range(-(2**31), 2**31)
_METADATA_MAX_VALUES = 10_000
_METADATA_MAX_DEPTH = 64
_READ_CHUNK_BYTES = 64 * 1024

_SURROGATE = re.compile(r"[\ud800-\udfff]")
_MARKDOWN_LINE_PREFIX = re.compile(r"^(?:#{1,6}|>)\s+")


class ByteReader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def readline(self, size: int = -1, /) -> bytes: ...


def read_up_to(reader: ByteReader, size: int) -> bytes:
    """Read `size` bytes, or fewer only at end of file (a raw stream may return short reads)."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = reader.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def skip_rest_of_line(reader: ByteReader) -> None:
    """Consume bytes up to and including the next newline without keeping them."""
    while True:
        chunk = reader.readline(_READ_CHUNK_BYTES)
        if not chunk or chunk.endswith(b"\n"):
            return


class Rewound:
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


def read_document(reader: ByteReader, *, source_name: str, max_document_bytes: int) -> bytes | Problem:
    """The whole of a single-document file, or a Problem when it is empty or over the limit."""
    data = read_up_to(reader, max_document_bytes + 1)
    if not data:
        return Problem(source_name=source_name, message="file is empty", code="empty")
    if len(data) > max_document_bytes:
        message = f"file is larger than {byte_limit(max_document_bytes)}"
        return Problem(source_name=source_name, message=message, code="too_large")
    return data


def json_lines(
    reader: ByteReader, *, source_name: str, max_document_bytes: int
) -> Iterator[tuple[int, bytes] | Problem]:
    """The non-blank lines of a JSON Lines stream with their 1-based numbers, read one at a time.

    A line over the limit becomes a "too_large" Problem and is skipped unread; a file without content
    ends with one "empty" Problem.
    """
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
        yield line_number, raw
    if not saw_content:
        message = "file is empty" if line_number == 0 else "file has only blank lines"
        yield Problem(source_name=source_name, message=message, code="empty")


def byte_limit(limit: int) -> str:
    return f"the {limit:,}-byte limit"


def decode_utf8(data: bytes) -> str:
    """Decode UTF-8, dropping a leading BOM; the error names the 1-based byte where decoding failed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DomainError(f"not valid UTF-8 at byte {error.start + 1}", code="encoding") from None
    return text.removeprefix("\ufeff")


def load_json(text: str, *, with_line: bool = False) -> Any:
    """Parse JSON text, refusing NaN and Infinity; any failure is a DomainError saying where.

    `with_line` names the line as well as the column, for documents that span several lines.
    """
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}" if with_line else f"column {error.colno}"
        raise DomainError(f"invalid JSON: {error.msg} at {where}") from None
    except ValueError as error:
        # Raised by _refuse_constant, and by int() for numbers longer than Python's digit limit.
        raise DomainError(f"invalid JSON: {error}") from None
    except RecursionError:
        raise DomainError("invalid JSON: nested too deeply") from None


def load_json_object(line: str) -> dict[str, Any]:
    loaded = load_json(line)
    if not isinstance(loaded, dict):
        raise DomainError(f"expected a JSON object, got {json_type(loaded)}")
    return loaded


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON, and PostgreSQL's jsonb would refuse them later.
    raise ValueError(f"{name} is not allowed")


def is_json_object(line: str, *, complete: bool) -> bool:
    """Whether a file's first line is a JSON object, as format detection sees it."""
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        # A first line longer than the detection window is cut off; `{"` still marks it as JSON Lines.
        return not complete and line.startswith('{"')


def problem_from(error: DomainError, source_name: str, *, line: int | None = None) -> Problem:
    return Problem(
        source_name=source_name,
        message=error.message,
        line=error.line if error.line is not None else line,
        field=error.field,
        code=error.code,
    )


def parse_date(value: object) -> date | None:
    """An ISO 8601 date or datetime (string or already parsed) as a date; None when it is neither.

    A datetime keeps the calendar date it was written with: converting to UTC could move an article
    published late in the evening to the next day.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    candidate = value.strip()
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            parsed = parse(candidate)
        except ValueError:
            continue
        return parsed.date() if isinstance(parsed, datetime) else parsed
    return None


def shorten(text: str, limit: int) -> str:
    """Cut `text` at a word boundary to at most `limit` characters, ending with "…" when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head.strip():
        head = head.rsplit(" ", 1)[0]
    return head.rstrip() + "…"


def derive_title(text: str) -> str:
    """A title for text that has none: the first line of at least four words, else the first line."""
    lines = [" ".join(_MARKDOWN_LINE_PREFIX.sub("", line).split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    chosen = next((line for line in lines if len(line.split()) >= 4), lines[0])
    return shorten(chosen, DERIVED_TITLE_MAX_CHARS)


def pick(mapping: Mapping[str, object], names: Iterable[str], *, field: str) -> object | None:
    """The value under the first of several alias keys; aliases that disagree are an error."""
    present = [(name, mapping[name]) for name in names if mapping.get(name) is not None]
    if not present:
        return None
    first_name, first_value = present[0]
    for name, value in present[1:]:
        if value != first_value:
            raise DomainError(f'"{first_name}" and "{name}" disagree', field=field)
    return first_value


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def scalar_str(value: object, *, field: str) -> str:
    """A string, number or boolean as text; containers are refused because they have no single value."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date | time):
        return value.isoformat()
    raise DomainError(f'"{field}" must be a string or a number, got {json_type(value)}', field=field)


def json_safe(value: object, *, field: str = "metadata") -> Any:
    """Convert parsed YAML or JSON into values a PostgreSQL jsonb column accepts.

    Dates become ISO strings, non-finite floats strings, and NUL is dropped because jsonb refuses it.
    The value count is capped because YAML aliases can expand a small file into a huge tree.
    """
    count = 0

    def convert(item: object, depth: int) -> Any:
        nonlocal count
        count += 1
        if count > _METADATA_MAX_VALUES:
            raise DomainError(f"{field} has more than {_METADATA_MAX_VALUES:,} values", field=field)
        if depth > _METADATA_MAX_DEPTH:
            raise DomainError(f"{field} is nested more than {_METADATA_MAX_DEPTH} levels deep", field=field)
        if item is None or isinstance(item, bool | int):
            return item
        if isinstance(item, float):
            return item if math.isfinite(item) else str(item)
        if isinstance(item, str):
            return clean_str(item, field=field).replace("\x00", "")
        if isinstance(item, date | time):
            return item.isoformat()
        if isinstance(item, bytes):
            return base64.b64encode(item).decode("ascii")
        if isinstance(item, Mapping):
            return {convert(str(key), depth + 1): convert(val, depth + 1) for key, val in item.items()}
        if isinstance(item, list | tuple | set | frozenset):
            return [convert(element, depth + 1) for element in item]
        return convert(str(item), depth)

    return convert(value, 0)


def clean_str(value: str, *, field: str) -> str:
    # A lone surrogate (from a JSON or YAML escape) cannot be encoded as UTF-8, so storing it would fail.
    match = _SURROGATE.search(value)
    if match is not None:
        where = f"U+{ord(match.group()):04X} at character {match.start() + 1}"
        raise DomainError(f"{field} contains an unpaired surrogate {where}", field=field)
    return value


def one_line(value: str, *, field: str) -> str:
    if not value:
        return value
    return " ".join(normalize_text(clean_str(value, field=field)).split())


def check_url(url: str, *, field: str = "source_url") -> str:
    """`url` itself when it is an absolute http(s) URL of sane length; a DomainError naming `field` if not."""
    if len(url) > SOURCE_URL_MAX_CHARS:
        raise DomainError(f"{field} is longer than {SOURCE_URL_MAX_CHARS:,} characters", field=field)
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise DomainError(f"{field} is not a valid URL: {error}", field=field) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        raise DomainError(f'{field} must be an http(s) URL, got "{shorten(url, 80)}"', field=field)
    return url


def is_http_url(url: str) -> bool:
    try:
        check_url(url)
    except DomainError:
        return False
    return True


def article_record(
    *,
    text: str,
    source_name: str,
    line: int | None = None,
    title: str = "",
    source_url: str = "",
    published_date: date | None = None,
    language: str = "",
    external_id: str = "",
    priority: int = 0,
    metadata: Mapping[str, Any] | None = None,
) -> ArticleRecord:
    """Normalise and validate one article; raises DomainError naming the field at fault."""
    text = normalize_text(clean_str(text, field="text"))
    if not text:
        raise DomainError("text is empty", field="text", code="empty")
    extra = dict(metadata or {})
    title = one_line(title, field="title")
    if not title:
        title = derive_title(text)
        extra["title_derived"] = True
    source_url = one_line(source_url, field="source_url")
    if source_url:
        check_url(source_url)
    language = one_line(language, field="language")
    if len(language) > LANGUAGE_MAX_CHARS:
        raise DomainError(f"language is longer than {LANGUAGE_MAX_CHARS} characters", field="language")
    external_id = one_line(external_id, field="external_id")
    if len(external_id) > EXTERNAL_ID_MAX_CHARS:
        raise DomainError(f"external_id is longer than {EXTERNAL_ID_MAX_CHARS} characters", field="external_id")
    if priority not in PRIORITY_RANGE:
        raise DomainError("priority is outside the 32-bit integer range", field="priority")
    return ArticleRecord(
        text=text,
        source_name=source_name,
        line=line,
        title=shorten(title, TITLE_MAX_CHARS),
        source_url=source_url,
        published_date=published_date,
        language=language,
        external_id=external_id,
        priority=priority,
        metadata=json_safe(extra),
    )
