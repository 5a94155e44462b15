"""spans.csv: one row per ReleaseSpan under a fixed header (fields.SPAN_FIELDS), RFC 4180 (comma, double
quotes where needed, CRLF line ends, UTF-8 without a byte order mark)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO

from annotations.exports.fields import SPAN_FIELDS
from annotations.exports.records import ReleaseSpan

__all__ = ["CSV_CONVENTIONS", "CSV_HEADER", "LIST_SEPARATOR", "span_row", "write_spans_csv"]

CSV_HEADER: tuple[str, ...] = tuple(SPAN_FIELDS)
LIST_SEPARATOR = "|"
CSV_CONVENTIONS = (
    "RFC 4180: comma-separated, fields with a comma, quote or line break in double quotes (quotes doubled), "
    "CRLF between records, UTF-8 without BOM. Null is the empty field; booleans are true/false; the lists "
    'reviewers and derived_from are joined with "|" (pseudonyms and ids never contain it). Text fields keep '
    "their line breaks inside quotes and are written as is (no spreadsheet formula escaping)."
)


def span_row(span: ReleaseSpan) -> list[object]:
    """The span's cells in CSV_HEADER order; None is written as an empty field by the csv module."""
    return [
        span.span_id,
        span.article_id,
        span.article_external_id,
        span.article_sha256,
        span.article_url,
        span.start,
        span.end,
        span.quote,
        span.prefix,
        span.suffix,
        span.label,
        span.note,
        "true" if span.is_gold else "false",
        span.claim_id,
        span.claim_text,
        span.link_source,
        span.suggestion_rank,
        span.suggestion_score,
        span.suggestion_model,
        LIST_SEPARATOR.join(span.reviewers),
        span.curator,
        LIST_SEPARATOR.join(map(str, span.derived_from)),
        span.created_at,
        span.updated_at,
    ]


def write_spans_csv(spans: Iterable[ReleaseSpan], out: IO[bytes]) -> int:
    """Write the header and one row per span to the binary file `out`; the number of rows (header excluded)."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        rows = 0
        for span in spans:
            writer.writerow(span_row(span))
            rows += 1
        text.flush()
    finally:
        text.detach()  # leave `out` open: the caller owns it
    return rows
