"""spans.parquet: one row per ReleaseSpan under an explicit Arrow schema (SCHEMA, described for the manifest by
SCHEMA_DESCRIPTION), written in row groups so memory stays flat however many spans a release has."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO, Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from annotations.exports.fields import SPAN_FIELDS
from annotations.exports.records import OFFSETS, ReleaseSpan

__all__ = ["COMPRESSION", "ROW_GROUP_SIZE", "SCHEMA", "SCHEMA_DESCRIPTION", "write_spans_parquet"]

ROW_GROUP_SIZE = 50_000
# Rows are turned into Arrow arrays this many at a time, so the Python objects alive at once stay few; the
# arrays (compact, outside the Python heap) are gathered up to a row group and written together.
CHUNK_ROWS = 10_000
COMPRESSION = "zstd"

_UTC = pa.timestamp("us", tz="UTC")
# Lists hold no nulls (no reviewers is an empty list); their item is named "element", as Parquet's own
# list layout names it, so the schema read back equals SCHEMA.
_STRINGS = pa.list_(pa.field("element", pa.string(), nullable=False))
_IDS = pa.list_(pa.field("element", pa.int64(), nullable=False))

_TYPES: dict[str, tuple[Any, bool]] = {  # name -> (type, nullable)
    "span_id": (pa.int64(), False),
    "article_id": (pa.int64(), False),
    "article_external_id": (pa.string(), False),
    "article_sha256": (pa.string(), False),
    "article_url": (pa.string(), False),
    "start": (pa.int32(), False),
    "end": (pa.int32(), False),
    "quote": (pa.string(), False),
    "prefix": (pa.string(), False),
    "suffix": (pa.string(), False),
    "label": (pa.string(), False),
    "note": (pa.string(), False),
    "is_gold": (pa.bool_(), False),
    "claim_id": (pa.int64(), True),
    "claim_text": (pa.string(), False),
    "link_source": (pa.string(), True),
    "suggestion_rank": (pa.int32(), True),
    "suggestion_score": (pa.float64(), True),
    "suggestion_model": (pa.string(), False),
    "reviewers": (_STRINGS, False),
    "curator": (pa.string(), True),
    "derived_from": (_IDS, False),
    "created_at": (_UTC, False),
    "updated_at": (_UTC, False),
}

SCHEMA = pa.schema(
    [pa.field(name, type_, nullable=nullable) for name, (type_, nullable) in _TYPES.items()],
    metadata={"offsets": OFFSETS, "timestamps": "microseconds, UTC"},
)

SCHEMA_DESCRIPTION: dict[str, Any] = {
    "file": "spans.parquet",
    "offsets": OFFSETS,
    "row_group_size": ROW_GROUP_SIZE,
    "compression": COMPRESSION,
    "fields": [
        {
            "name": field.name,
            "type": str(field.type),
            "nullable": field.nullable,
            "description": SPAN_FIELDS[field.name],
        }
        for field in SCHEMA
    ],
}

_VALUES = operator.attrgetter(*SPAN_FIELDS)
# Timestamps arrive as ISO 8601 strings and are parsed by Arrow, a column at a time; one without a zone
# offset is refused rather than guessed.
_AS_STRINGS = {"created_at", "updated_at"}
_BUILD_TYPES = [pa.string() if field.name in _AS_STRINGS else field.type for field in SCHEMA]
_REQUIRED = [index for index, field in enumerate(SCHEMA) if not field.nullable]


def write_spans_parquet(
    spans: Iterable[ReleaseSpan], out: IO[bytes] | str, *, row_group_size: int = ROW_GROUP_SIZE
) -> int:
    """Write the spans to `out` (a binary file or a path) as Parquet under SCHEMA; the number of rows written.

    A file with no spans still has the schema, so a reader of an empty release sees the columns.
    """
    if row_group_size < 1:
        raise ValueError("row_group_size must be positive")
    rows = 0
    with pq.ParquetWriter(out, SCHEMA, compression=COMPRESSION) as writer:
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        for batch in _batches(spans, min(CHUNK_ROWS, row_group_size)):
            pending.append(batch)
            pending_rows += batch.num_rows
            if pending_rows >= row_group_size:
                table = pa.Table.from_batches(pending, schema=SCHEMA)
                head = table.slice(0, row_group_size)
                writer.write_table(head, row_group_size=row_group_size)
                rows += head.num_rows
                rest = table.slice(row_group_size)
                pending = rest.to_batches() if rest.num_rows else []
                pending_rows = rest.num_rows
        if pending_rows:
            writer.write_table(pa.Table.from_batches(pending, schema=SCHEMA), row_group_size=row_group_size)
            rows += pending_rows
    return rows


def _batches(spans: Iterable[ReleaseSpan], size: int) -> Iterator[pa.RecordBatch]:
    iterator = iter(spans)
    while chunk := [_VALUES(span) for span in islice(iterator, size)]:
        columns = list(zip(*chunk, strict=True))
        del chunk
        arrays = [pa.array(column, type=type_) for column, type_ in zip(columns, _BUILD_TYPES, strict=True)]
        for name in _AS_STRINGS:
            index = SCHEMA.get_field_index(name)
            arrays[index] = arrays[index].cast(_UTC)
        for index in _REQUIRED:
            if arrays[index].null_count:
                raise ValueError(f"spans.parquet: {SCHEMA.field(index).name} is null in a span, but may not be")
        yield pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
