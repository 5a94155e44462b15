"""Pure claim importers: CSV, JSON Lines and schema.org ClaimReview JSON-LD into ClaimRecords or Problems.

CSV and JSON Lines are streamed record by record; a ClaimReview document is read whole, up to the limit.
A JSON-LD document's typed `Claim` nodes that none of its ClaimReviews names in `itemReviewed` are claims
without a verdict (a release's claims.jsonld writes them so).
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any, BinaryIO, TypeGuard

from annotations.domain import ClaimRecord, DomainError, Problem, normalize_text
from annotations.importers._common import (
    BOM,
    DETECT_BYTES,
    ByteReader,
    Rewound,
    byte_limit,
    check_url,
    clean_str,
    decode_utf8,
    is_json_object,
    json_lines,
    json_type,
    load_json,
    load_json_object,
    one_line,
    parse_date,
    pick,
    problem_from,
    read_document,
    read_up_to,
    scalar_str,
    shorten,
)

__all__ = ["CLAIM_FORMATS", "detect_claim_format", "parse_claims"]

CLAIM_FORMATS = ("claimreview", "jsonl", "csv")

# CSV columns and JSON Lines keys, matched after `_key` (lower case, spaces and hyphens as "_").
_ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "claim", "claim_text", "claimreviewed"),
    "title": ("title", "headline"),
    "language": ("language", "lang", "inlanguage"),
    "claimant": ("claimant", "speaker"),
    "claim_date": ("claim_date", "date"),
    "verdict": ("verdict", "rating", "truth_label"),
    "fact_check_url": ("fact_check_url", "url", "page_url"),
    "reviewed_by": ("reviewed_by", "author", "fact_checker"),
    "tags": ("tags",),
}
_FIELD_OF_KEY = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}
_TEXT_COLUMNS = "text, claim, claim_text or claimReviewed"
_CSV_DELIMITERS = (",", ";", "\t", "|")
_TAG_SEPARATOR = re.compile(r"[;,]")
_KEY_SEPARATOR = re.compile(r"[\s-]+")
# Seen in a JSON-LD document too long to parse from its first bytes alone.
_JSON_LD_MARKER = re.compile(r'"@type"\s*:\s*(?:\[[^\]]*)?"[^"]*ClaimReview"|"@context"\s*:|"@graph"\s*:')
_DECODER = json.JSONDecoder()


def detect_claim_format(source_name: str, head: bytes) -> str:
    """One of CLAIM_FORMATS for a claim file whose first bytes are `head`; content alone decides.

    A JSON document (an object spread over lines, an array, or any object with ClaimReview markers) is
    "claimreview"; a first line holding a plain JSON object is "jsonl"; anything else is "csv".
    """
    del source_name  # the extension is no help: ".json" is used for JSON Lines and JSON-LD alike
    text = head.removeprefix(BOM).decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        return "csv"
    try:
        document, end = _DECODER.raw_decode(stripped)
    except (ValueError, RecursionError):
        # Broken JSON, or a document longer than the head: only a cut-off first line can be JSON Lines.
        first_line, newline, _ = stripped.partition("\n")
        if is_json_object(first_line, complete=bool(newline)) and not _JSON_LD_MARKER.search(first_line):
            return "jsonl"
        return "claimreview"
    if stripped[end:].strip():  # more values follow the first, as in JSON Lines
        return "jsonl" if isinstance(document, dict) else "claimreview"
    if isinstance(document, dict) and "\n" not in stripped.rstrip() and not _looks_like_review(document):
        return "jsonl"
    return "claimreview"


def parse_claims(
    source_name: str, stream: BinaryIO, *, max_document_bytes: int, fmt: str | None = None
) -> Iterator[ClaimRecord | Problem]:
    """Yield one ClaimRecord per claim in `stream` and one Problem per thing that could not be used.

    CSV and JSON Lines are read a record at a time, so memory is bounded by `max_document_bytes` (the
    limit for one record); a ClaimReview document is read whole and may not exceed it. `fmt` skips
    detection. Problems in CSV and JSON Lines carry the line a record starts on; a ClaimReview document
    has no useful lines, so its problems name the node instead, as in the field "[3].claimReviewed".
    """
    if fmt is not None and fmt not in CLAIM_FORMATS:
        raise DomainError(f'unknown format "{fmt}"; expected one of {", ".join(CLAIM_FORMATS)}', field="format")
    if max_document_bytes < 1:
        raise ValueError("max_document_bytes must be positive")
    return _parse(source_name, stream, max_document_bytes=max_document_bytes, fmt=fmt)


def _parse(
    source_name: str, stream: ByteReader, *, max_document_bytes: int, fmt: str | None
) -> Iterator[ClaimRecord | Problem]:
    reader = stream
    if fmt is None:
        head = read_up_to(stream, DETECT_BYTES)
        fmt = detect_claim_format(source_name, head)
        reader = Rewound(head, stream)
    yield from _PARSERS[fmt](reader, source_name=source_name, max_document_bytes=max_document_bytes)


# --- CSV ---------------------------------------------------------------------------------------------


def _csv_claims(reader: ByteReader, *, source_name: str, max_document_bytes: int) -> Iterator[ClaimRecord | Problem]:
    """Claims from CSV with a header row; the delimiter is the one that makes a claim text column appear.

    A record that cannot be read (too large, not UTF-8, broken quoting) ends the file with a Problem:
    after it there is no telling whether a line starts a record or continues a quoted value.
    """
    lines = _CsvLines(reader, limit=max_document_bytes)
    header_line = 1
    try:
        first = ""
        while not first.strip():
            lines.start_record()
            first = next(lines, "")
            if not first:
                message = "file is empty" if lines.number == 0 else "file has only blank lines"
                yield Problem(source_name=source_name, message=message, code="empty")
                return
        header_line = lines.number
        # Strict: a quote left open at the end of the file is an error, not the rest of the file as one value.
        rows = csv.reader(itertools.chain([first], lines), delimiter=_csv_delimiter(first), strict=True)
        header = next(rows)
    except (DomainError, csv.Error) as error:
        yield _unreadable(error, source_name, line=header_line)
        return
    try:
        columns = _csv_columns(header)
    except DomainError as error:
        yield problem_from(error, source_name, line=header_line)
        return
    saw_row = False
    while True:
        start = lines.number + 1
        lines.start_record()
        try:
            row = next(rows)
        except StopIteration:
            break
        except (DomainError, csv.Error) as error:
            yield _unreadable(error, source_name, line=start)
            return
        if not any(cell.strip() for cell in row):
            continue
        saw_row = True
        try:
            yield _csv_record(row, header, columns, source_name=source_name, line=start)
        except DomainError as error:
            yield problem_from(error, source_name, line=start)
    if not saw_row:
        yield Problem(source_name=source_name, message="file has a header but no rows", code="empty")


class _CsvLines:
    """The decoded physical lines of a byte stream, numbered, with the bytes of one record capped."""

    def __init__(self, reader: ByteReader, *, limit: int) -> None:
        self.number = 0
        self._reader = reader
        self._limit = limit
        self._record_bytes = 0
        self._record_start = 1

    def start_record(self) -> None:
        self._record_bytes = 0
        self._record_start = self.number + 1

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._reader.readline(self._limit + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        if self.number == 1:
            raw = raw.removeprefix(BOM)
        self._record_bytes += len(raw)
        if self._record_bytes > self._limit:
            message = f"the record starting on line {self._record_start} is larger than {byte_limit(self._limit)}"
            raise DomainError(message, line=self._record_start, code="too_large")
        try:
            return decode_utf8(raw)
        except DomainError as error:
            raise DomainError(error.message, line=self.number, code=error.code) from None


def _unreadable(error: DomainError | csv.Error, source_name: str, *, line: int) -> Problem:
    if isinstance(error, csv.Error):
        error = DomainError(f"invalid CSV: {error}")
    problem = problem_from(error, source_name, line=line)
    return Problem(
        source_name=problem.source_name,
        message=f"{problem.message}; the rest of the file was not read",
        line=problem.line,
        code=problem.code,
    )


def _csv_delimiter(header: str) -> str:
    for delimiter in _CSV_DELIMITERS:
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            continue
        if any(_FIELD_OF_KEY.get(_key(cell)) == "text" for cell in cells):
            return delimiter
    return _CSV_DELIMITERS[0]


def _csv_columns(header: list[str]) -> list[int]:
    """The indexes of the header's known columns; unknown ones are ignored, a missing text column refused."""
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = _key(name)
        if key not in _FIELD_OF_KEY:
            continue
        if key in columns:
            raise DomainError(f'column "{name.strip()}" appears twice in the header', field=_FIELD_OF_KEY[key])
        columns[key] = index
    if not any(_FIELD_OF_KEY[key] == "text" for key in columns):
        shown = shorten(", ".join(cell.strip() for cell in header), 200)
        raise DomainError(f'no claim text column ({_TEXT_COLUMNS}) in the header "{shown}"', field="text")
    return list(columns.values())


def _csv_record(row: list[str], header: list[str], columns: list[int], *, source_name: str, line: int) -> ClaimRecord:
    if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
        raise DomainError(f"the row has {len(row)} values but the header has only {len(header)} columns")
    # An empty cell counts as absent, so an empty alias column never disagrees with a filled one.
    values = {header[i].strip(): row[i] for i in columns if i < len(row) and row[i].strip()}
    return _flat_record(values, source_name=source_name, line=line, text_key_required=False)


# --- JSON Lines --------------------------------------------------------------------------------------


def _jsonl_claims(reader: ByteReader, *, source_name: str, max_document_bytes: int) -> Iterator[ClaimRecord | Problem]:
    for item in json_lines(reader, source_name=source_name, max_document_bytes=max_document_bytes):
        if isinstance(item, Problem):
            yield item
            continue
        line, raw = item
        try:
            obj = load_json_object(decode_utf8(raw))
            if _is_review_line(obj):
                yield _review_record(obj, source_name=source_name, line=line, at="")
            else:
                yield _flat_record(obj, source_name=source_name, line=line, text_key_required=True)
        except DomainError as error:
            yield problem_from(error, source_name, line=line)


def _flat_record(values: Mapping[str, object], *, source_name: str, line: int, text_key_required: bool) -> ClaimRecord:
    """A claim from flat keys (CSV columns or JSON Lines keys) under any of their aliases.

    Without `text_key_required` (CSV, where absent means an empty cell) no text is "claim text is empty".
    """
    by_field: dict[str, dict[str, object]] = {}
    for key, value in values.items():
        field = _FIELD_OF_KEY.get(_key(key))
        if field is not None:
            by_field.setdefault(field, {})[key] = value

    def value_of(field: str) -> object | None:
        candidates = by_field.get(field, {})
        return pick(candidates, candidates, field=field)

    def line_of(field: str) -> str:
        value = value_of(field)
        return "" if value is None else one_line(_string(value, field=field), field=field)

    text = value_of("text")
    if text is None and text_key_required:
        raise DomainError('missing "text"', field="text")
    return ClaimRecord(
        text=_claim_text("" if text is None else _string(text, field="text"), field="text"),
        source_name=source_name,
        line=line,
        title=line_of("title"),
        language=line_of("language"),
        claimant=line_of("claimant"),
        claim_date=_date(value_of("claim_date"), field="claim_date"),
        verdict=line_of("verdict"),
        fact_check_url=_url(line_of("fact_check_url"), field="fact_check_url"),
        reviewed_by=line_of("reviewed_by"),
        tags=_tags(value_of("tags"), field="tags"),
    )


# --- schema.org ClaimReview --------------------------------------------------------------------------


def _review_claims(reader: ByteReader, *, source_name: str, max_document_bytes: int) -> Iterator[ClaimRecord | Problem]:
    data = read_document(reader, source_name=source_name, max_document_bytes=max_document_bytes)
    if isinstance(data, Problem):
        yield data
        return
    try:
        document = load_json(decode_utf8(data), with_line=True)
    except DomainError as error:
        yield problem_from(error, source_name)
        return
    nodes = list(_review_nodes(document))
    reviewed = {ref for _, node in nodes if not _is_claim_node(node) for ref in _reviewed_ids(node)}
    claims = {node["@id"]: node for _, node in nodes if _is_claim_node(node) and isinstance(node.get("@id"), str)}
    for at, node in nodes:
        try:
            if _is_claim_node(node):
                if node.get("@id") not in reviewed:  # else the ClaimReview that reviews it imports it
                    yield _claim_record(node, source_name=source_name, at=at)
            else:
                yield _review_record(node, source_name=source_name, line=None, at=at, claims=claims)
        except DomainError as error:
            yield problem_from(error, source_name)
    if not nodes:
        message = 'no ClaimReview found: expected objects with "@type": "ClaimReview" (or "Claim") or a "claimReviewed"'
        yield Problem(source_name=source_name, message=message, code="empty")


def _review_nodes(document: object) -> Iterator[tuple[str, object]]:
    """The ClaimReview and Claim nodes of a document, each with the path that names it in a Problem's field.

    Nodes of other types (the WebPage or Organization a page's @graph also holds) are skipped; values
    that are not objects at all are passed on, so that they are reported.
    """
    if isinstance(document, dict) and "@graph" in document:
        yield from _graph_nodes(document["@graph"], at="")
    elif isinstance(document, dict):
        if _is_review_node(document, typed_only=False) or _is_claim_node(document):
            yield "", document
    elif isinstance(document, list):
        for index, node in enumerate(document):
            if isinstance(node, dict) and "@graph" in node:
                yield from _graph_nodes(node["@graph"], at=f"[{index}].@graph")
            elif not isinstance(node, dict) or _is_review_node(node, typed_only=False) or _is_claim_node(node):
                yield f"[{index}].", node
    else:
        yield "", document


def _graph_nodes(graph: object, *, at: str) -> Iterator[tuple[str, object]]:
    nodes = graph if isinstance(graph, list) else [graph]
    for index, node in enumerate(nodes):
        if isinstance(node, dict) and (_is_review_node(node, typed_only=True) or _is_claim_node(node)):
            yield f"{at}[{index}].", node


def _claim_record(node: Mapping[str, Any], *, source_name: str, at: str) -> ClaimRecord:
    """Map a schema.org Claim that no ClaimReview of the document reviews: a claim without a verdict (as a
    release's claims.jsonld writes one)."""
    if node.get("text") is None:
        raise DomainError('missing "text" (a Claim node\'s wording)', field=f"{at}text")
    title_key = "headline" if node.get("headline") else "name"
    return ClaimRecord(
        text=_claim_text(_ld_string(node["text"], field=f"{at}text"), field=f"{at}text"),
        source_name=source_name,
        title=_ld_line(node.get(title_key), field=f"{at}{title_key}"),
        language=_language(node.get("inLanguage"), field=f"{at}inLanguage"),
        claimant=_names(node.get("author"), field=f"{at}author"),
        claim_date=_date(_ld_value(node.get("datePublished")), field=f"{at}datePublished"),
        tags=_tags(_ld_value(node.get("keywords")), field=f"{at}keywords"),
    )


def _reviewed_ids(node: object) -> Iterator[object]:
    """The @ids a ClaimReview's itemReviewed names (a page's flattened @graph keeps the Claim apart)."""
    item = node.get("itemReviewed") if isinstance(node, dict) else None
    for value in item if isinstance(item, list) else [item]:
        if isinstance(value, dict) and isinstance(value.get("@id"), str):
            yield value["@id"]
        elif isinstance(value, str):
            yield value


def _review_record(
    node: object, *, source_name: str, line: int | None, at: str, claims: Mapping[str, Mapping[str, Any]] | None = None
) -> ClaimRecord:
    """Map one ClaimReview node; `at` prefixes the field names its problems report. An `itemReviewed` that
    only names a Claim node of the document by its @id (a flattened page graph) reads that node."""
    if not isinstance(node, dict):
        where = at.removesuffix(".") or None
        expected = "an object" if where else "a ClaimReview object or an array of them"
        raise DomainError(f"expected {expected}, got {json_type(node)}", field=where)
    if node.get("claimReviewed") is None:
        raise DomainError('missing "claimReviewed"', field=f"{at}claimReviewed")
    item = _object(node.get("itemReviewed"), field=f"{at}itemReviewed") or {}
    if set(item) == {"@id"} and claims and item["@id"] in claims:
        item = claims[item["@id"]]
    if item.get("datePublished") is not None:
        claim_date = _date(_ld_value(item["datePublished"]), field=f"{at}itemReviewed.datePublished")
    else:
        claim_date = _date(_ld_value(node.get("datePublished")), field=f"{at}datePublished")
    title_key = "headline" if node.get("headline") else "name"
    return ClaimRecord(
        text=_claim_text(_ld_string(node["claimReviewed"], field=f"{at}claimReviewed"), field=f"{at}claimReviewed"),
        source_name=source_name,
        line=line,
        title=_ld_line(node.get(title_key), field=f"{at}{title_key}"),
        language=_language(node.get("inLanguage"), field=f"{at}inLanguage"),
        claimant=_names(item.get("author"), field=f"{at}itemReviewed.author"),
        claim_date=claim_date,
        verdict=_verdict(node.get("reviewRating"), field=f"{at}reviewRating"),
        fact_check_url=_url(_ld_line(node.get("url"), field=f"{at}url"), field=f"{at}url"),
        reviewed_by=_names(node.get("author"), field=f"{at}author"),
        tags=_tags(_ld_value(node.get("keywords")), field=f"{at}keywords"),
    )


def _verdict(rating: object, *, field: str) -> str:
    """The rating's label; failing that its value, out of its best value when there is one ("2/5")."""
    found = _object(rating, field=field)
    if found is None:
        return ""
    label = _ld_line(found.get("alternateName"), field=f"{field}.alternateName")
    if label:
        return label
    value, best = found.get("ratingValue"), found.get("bestRating")
    value_text = "" if value is None else _scalar_line(value, field=f"{field}.ratingValue")
    best_text = "" if best is None else _scalar_line(best, field=f"{field}.bestRating")
    return f"{value_text}/{best_text}" if value_text and best_text else value_text


def _scalar_line(value: object, *, field: str) -> str:
    return one_line(scalar_str(_ld_value(value), field=field), field=field)


def _names(value: object, *, field: str) -> str:
    """An author as schema.org writes one: a name, a Person or Organization, or a list of those."""
    if value is None:
        return ""
    if isinstance(value, list):
        names = (_names(item, field=f"{field}[{index}]") for index, item in enumerate(value))
        return ", ".join(name for name in names if name)
    if isinstance(value, dict) and "@value" not in value:
        return _ld_line(value.get("name"), field=f"{field}.name")
    return _ld_line(value, field=field)


def _language(value: object, *, field: str) -> str:
    """A language tag, or a schema.org Language, whose alternateName is the tag and name the English name."""
    if isinstance(value, dict) and "@value" not in value:
        key = "alternateName" if value.get("alternateName") else "name"
        return _ld_line(value.get(key), field=f"{field}.{key}")
    return _ld_line(value, field=field)


def _is_review_node(node: Mapping[str, Any], *, typed_only: bool) -> bool:
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    if any(isinstance(name, str) and _type_name(name) == "ClaimReview" for name in names):
        return True
    return not typed_only and types is None and "claimReviewed" in node


def _is_claim_node(node: object) -> TypeGuard[Mapping[str, Any]]:
    """A node typed schema.org Claim (never guessed from its keys: flat claim lines have a "text" too)."""
    if not isinstance(node, dict):
        return False
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(isinstance(name, str) and _type_name(name) == "Claim" for name in names) and not _is_review_node(
        node, typed_only=True
    )


def _is_review_line(obj: Mapping[str, Any]) -> bool:
    """Whether a JSON object is a ClaimReview rather than flat claim keys, one of which may be claimReviewed."""
    if _is_review_node(obj, typed_only=True):
        return True
    return "claimReviewed" in obj and ("reviewRating" in obj or "itemReviewed" in obj)


def _looks_like_review(document: Mapping[str, Any]) -> bool:
    """Whether a one-line JSON object is a JSON-LD document rather than a line of JSON Lines."""
    return "@graph" in document or "@context" in document or _is_review_line(document)


def _type_name(name: str) -> str:
    # "ClaimReview", "schema:ClaimReview" and "https://schema.org/ClaimReview" name the same type.
    return name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _object(value: object, *, field: str) -> Mapping[str, Any] | None:
    """A nested node, or the first of a list of them; None when absent."""
    if isinstance(value, list):
        value = next((item for item in value if item is not None), None)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DomainError(f'"{field}" must be an object, got {json_type(value)}', field=field)
    return value


def _ld_value(value: object) -> object:
    # A JSON-LD value object, {"@value": "2024-05-01", "@type": "Date"}, stands for its value.
    return value["@value"] if isinstance(value, dict) and "@value" in value else value


def _ld_string(value: object, *, field: str) -> str:
    return _string(_ld_value(value), field=field)


def _ld_line(value: object, *, field: str) -> str:
    return "" if value is None else one_line(_ld_string(value, field=field), field=field)


# --- values shared by the formats --------------------------------------------------------------------


def _key(name: str) -> str:
    return _KEY_SEPARATOR.sub("_", name.strip()).lower()


def _string(value: object, *, field: str) -> str:
    if not isinstance(value, str):
        raise DomainError(f'"{field}" must be a string, got {json_type(value)}', field=field)
    return value


def _claim_text(value: str, *, field: str) -> str:
    text = normalize_text(clean_str(value, field=field))
    if not text:
        raise DomainError("claim text is empty", field=field, code="empty")
    return text


def _date(value: object, *, field: str) -> date | None:
    """An ISO date or datetime as its calendar date; absent or blank is None, anything else a DomainError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None:
        shown = json.dumps(value, ensure_ascii=False)[:80]
        raise DomainError(f"{field} must be an ISO date or datetime, got {shown}", field=field)
    return parsed


def _url(url: str, *, field: str) -> str:
    return check_url(url, field=field) if url else ""


def _tags(value: object, *, field: str) -> tuple[str, ...]:
    """Tags from a list of strings or one string split on commas and semicolons; blanks and repeats dropped."""
    if value is None:
        return ()
    parts: Iterable[object]
    if isinstance(value, str):
        parts = _TAG_SEPARATOR.split(value)
    elif isinstance(value, list):
        parts = value
    else:
        raise DomainError(f'"{field}" must be a list of strings or a string, got {json_type(value)}', field=field)
    tags = (one_line(_string(part, field=field), field=field) for part in parts)
    return tuple(dict.fromkeys(tag for tag in tags if tag))


_PARSERS: dict[str, Callable[..., Iterator[ClaimRecord | Problem]]] = {
    "claimreview": _review_claims,
    "jsonl": _jsonl_claims,
    "csv": _csv_claims,
}
