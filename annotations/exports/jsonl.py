"""JSON Lines release files: spans.jsonl (one object per ReleaseSpan, every field) and articles.jsonl (one
object per ReleaseArticle, in the shape annotations/importers/jsonl.py reads, so a release re-imports)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

import orjson

from annotations.exports.records import ReleaseArticle, ReleaseSpan

__all__ = ["ARTICLE_KEYS", "article_object", "span_object", "write_articles_jsonl", "write_jsonl", "write_spans_jsonl"]

# The article importer's own keys; anything else would land in the re-imported article's metadata.
ARTICLE_KEYS = ("external_id", "title", "text", "source_url", "published_date", "language", "priority", "metadata")

# Lines are joined and encoded a batch at a time: one write per line costs more than the encoding.
BATCH_LINES = 500

# orjson: UTF-8 as is (no \u escapes), no spaces, dataclasses as objects in field order, tuples as arrays;
# the standard library's encoder was a quarter of a million-span export's time.
_ENCODE = orjson.dumps


def span_object(span: ReleaseSpan) -> dict[str, Any]:
    """The span's fields in record order (fields.SPAN_FIELDS); tuples become JSON arrays."""
    return dict(span.__dict__)


def article_object(article: ReleaseArticle) -> dict[str, Any]:
    return {
        "external_id": article.external_id,
        "title": article.title,
        "text": article.text,
        "source_url": article.source_url,
        "published_date": article.published_date,
        "language": article.language,
        "priority": article.priority,
        "metadata": article.metadata,
    }


def write_jsonl(objects: Iterable[Any], out: IO[bytes]) -> int:
    """Write each object (a dict, or a dataclass record: its fields in order) as one UTF-8 line to the binary
    file `out`; the number of lines written."""
    rows = 0
    batch: list[bytes] = []
    for obj in objects:
        batch.append(_ENCODE(obj))
        if len(batch) == BATCH_LINES:
            rows += _flush(batch, out)
    return rows + _flush(batch, out)


def write_spans_jsonl(spans: Iterable[ReleaseSpan], out: IO[bytes]) -> int:
    """spans.jsonl: one object per span, keys as in fields.SPAN_FIELDS; the number of rows written."""
    return write_jsonl(spans, out)  # orjson encodes the records themselves, no dict per row


def write_articles_jsonl(articles: Iterable[ReleaseArticle], out: IO[bytes]) -> int:
    """articles.jsonl: one importer-shaped object per article (ARTICLE_KEYS); the number of rows written."""
    return write_jsonl(map(article_object, articles), out)


def _flush(batch: list[bytes], out: IO[bytes]) -> int:
    count = len(batch)
    if count:
        batch.append(b"")  # a final newline after the last line
        out.write(b"\n".join(batch))
        batch.clear()
    return count
