"""Article import: parse files with the pure importers, skip duplicates, bulk-insert in one transaction."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from annotations.domain import ArticleRecord, ImportKind, ImportReport, Problem
from annotations.importers import parse_articles
from annotations.models import Article, ImportBatch, Project
from annotations.services.audit import audit_record

CHUNK_SIZE = 2000
MAX_STORED_PROBLEMS = 1000
# Namespace for pg_advisory_xact_lock(namespace, project id): one import per project at a time, so the
# duplicate check below cannot race another import of the same text.
_IMPORT_LOCK_NAMESPACE = 7301


def article_import(
    *,
    project: Project,
    sources: Iterable[tuple[str, BinaryIO]],
    actor: User | None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import articles from (file name, binary stream) pairs into `project`.

    Good records are kept and bad ones reported by file and line; texts already in the project (same
    sha256) are reported as duplicates and skipped. All of it commits together or not at all, so an
    error mid-way leaves nothing half-written. Streams are read incrementally: memory stays bounded by
    CHUNK_SIZE records whatever the file size. `on_progress` receives the number of records read so far.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_IMPORT_LOCK_NAMESPACE, project.pk])
        batch = ImportBatch.objects.create(project=project, kind=ImportKind.ARTICLES, created_by=actor)
        writer = _ArticleWriter(project, batch)
        sources = list(sources)
        names = [name for name, _ in sources]
        read = 0
        for chunk in _parsed_in_background(sources, settings.FACTCHECK_MAX_DOCUMENT_BYTES):
            for item in chunk:
                if isinstance(item, Problem):
                    writer.problem(item, failed=True)
                else:
                    writer.pending.append(item)
            writer.flush()
            read += len(chunk)
            if on_progress is not None:
                on_progress(read)
        batch.sources = names
        batch.created_count = writer.created
        batch.duplicate_count = writer.duplicates
        batch.failed_count = writer.failed
        batch.problems = [p.as_dict() for p in writer.problems]
        batch.save()
        report = ImportReport(
            batch_id=batch.pk,
            created=writer.created,
            duplicates=writer.duplicates,
            failed=writer.failed,
            problems=tuple(writer.problems),
            problems_truncated=writer.problems_truncated,
        )
        audit_record(
            actor=actor,
            action="articles.import",
            obj=batch,
            project=project,
            after={
                "sources": names,
                "created": report.created,
                "duplicates": report.duplicates,
                "failed": report.failed,
            },
        )
    return report


class _ArticleWriter:
    """Buffers parsed records and writes them in chunks, skipping texts the project already has."""

    def __init__(self, project: Project, batch: ImportBatch) -> None:
        self.project = project
        self.batch = batch
        self.pending: list[ArticleRecord] = []
        self.seen: dict[str, str] = {}  # sha256 -> where it was first read in this import
        self.created = 0
        self.duplicates = 0
        self.failed = 0
        self.problems: list[Problem] = []
        self.problems_truncated = False

    def problem(self, problem: Problem, *, failed: bool) -> None:
        if failed:
            self.failed += 1
        if len(self.problems) < MAX_STORED_PROBLEMS:
            self.problems.append(problem)
        else:
            self.problems_truncated = True

    def flush(self) -> None:
        if not self.pending:
            return
        hashes = [record.sha256 for record in self.pending]
        existing = _existing_articles(self.project.pk, hashes)
        rows: list[tuple[object, ...]] = []
        now = timezone.now()
        for record, digest in zip(self.pending, hashes, strict=True):
            if digest in existing:
                self._duplicate(record, f"same text as article #{existing[digest]} already in the project")
            elif digest in self.seen:
                self._duplicate(record, f"same text as {self.seen[digest]} in this import")
            else:
                self.seen[digest] = _location(record)
                rows.append(_article_row(record, digest, self.project.pk, self.batch.pk, now))
        _copy_articles(rows)
        self.created += len(rows)
        self.pending = []

    def _duplicate(self, record: ArticleRecord, message: str) -> None:
        self.duplicates += 1
        self.problem(
            Problem(source_name=record.source_name, line=record.line, code="duplicate", message=message),
            failed=False,
        )


def _existing_articles(project_id: int, hashes: list[str]) -> dict[str, int]:
    """sha256 -> id of the project's articles among `hashes`.

    Joining on unnest() makes one unique-index probe per hash. `sha256 IN (...)` let the planner, with
    statistics made stale by a large import, scan every article of the project instead.
    """
    with connection.cursor() as cursor:
        # One comma-joined text parameter: psycopg's list adapter costs ~40 us per element.
        cursor.execute(_EXISTING_SQL, [",".join(hashes), project_id])
        return dict(cursor.fetchall())


_EXISTING_SQL = """
    SELECT a.sha256, a.id FROM unnest(string_to_array(%s, ',')) AS h(sha256)
    JOIN annotations_article a ON a.project_id = %s AND a.sha256 = h.sha256
"""


def _parsed_in_background(
    sources: list[tuple[str, BinaryIO]], max_document_bytes: int
) -> Iterator[list[ArticleRecord | Problem]]:
    """Parse on a worker thread, CHUNK_SIZE items at a time, while the caller writes the previous chunk.

    Writing mostly waits on PostgreSQL (which runs on its own core) with the GIL released, so parsing and
    inserting overlap. The queue holds at most two chunks: memory stays bounded whatever the input size.
    """
    chunks: queue.Queue[list[ArticleRecord | Problem] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(item: list[ArticleRecord | Problem] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            chunk: list[ArticleRecord | Problem] = []
            for name, stream in sources:
                for item in parse_articles(name, stream, max_document_bytes=max_document_bytes):
                    chunk.append(item)
                    if len(chunk) >= CHUNK_SIZE:
                        if not put(chunk):
                            return
                        chunk = []
            if chunk and not put(chunk):
                return
            put(None)
        except BaseException as error:  # handed to the caller's thread, which re-raises it
            put(error)

    worker = threading.Thread(target=produce, name="article-import-parser", daemon=True)
    worker.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _location(record: ArticleRecord) -> str:
    return record.source_name + (f" line {record.line}" if record.line is not None else "")


_COPY_COLUMNS = (
    "project_id",
    "import_batch_id",
    "created_at",
    "external_id",
    "title",
    "source_url",
    "published_date",
    "language",
    "text",
    "sha256",
    "priority",
    "metadata",
)


def _article_row(
    record: ArticleRecord, digest: str, project_id: int, batch_id: int, now: datetime
) -> tuple[object, ...]:
    return (
        project_id,
        batch_id,
        now,
        record.external_id,
        record.title,
        record.source_url,
        record.published_date,
        record.language,
        record.text,
        digest,
        record.priority,
        Jsonb(record.metadata),
    )


def _copy_articles(rows: list[tuple[object, ...]]) -> None:
    """COPY is several times faster than INSERT; constraints and triggers still apply to every row."""
    if not rows:
        return
    sql = f"COPY {Article._meta.db_table} ({', '.join(_COPY_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
