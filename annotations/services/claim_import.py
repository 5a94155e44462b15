"""Claim import: CSV, JSONL and schema.org ClaimReview into a project's claim base, reported by line.

Claims whose normalised text the base already has (or that repeat within the import) are reported and
skipped; the rest are inserted in one transaction and embedded afterwards by the worker, in batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from annotations.domain import ClaimRecord, DomainError, ImportKind, ImportReport, Problem
from annotations.importers import parse_claims
from annotations.models import CanonicalClaim, ImportBatch, Project
from annotations.services.audit import audit_record
from annotations.services.claims import UNIQUE_TEXT, ClaimFields, claim_fields_clean, claim_normalized_text
from annotations.services.embeddings import claims_embed_later

CHUNK_SIZE = 1000
MAX_STORED_PROBLEMS = 1000
_IMPORT_LOCK_NAMESPACE = 7302  # pg_advisory_xact_lock(namespace, claim base): one import per base at a time


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


_EXISTING_SQL = """
    SELECT md5(c.normalized_text), c.id FROM annotations_canonicalclaim c
    WHERE c.claim_base_id = %s AND md5(c.normalized_text) = ANY(string_to_array(%s, ','))
"""


class _ClaimWriter:
    def __init__(self, project: Project, batch: ImportBatch, actor: User | None) -> None:
        self.base_id = project.claim_base_id
        self.batch = batch
        self.actor = actor
        self.pending: list[ClaimRecord] = []
        self.seen: dict[str, str] = {}
        self.created_ids: list[int] = []
        self.duplicates = 0
        self.failed = 0
        self.problems: list[Problem] = []
        self.truncated = False

    def problem(self, problem: Problem, *, failed: bool = True) -> None:
        self.failed += failed
        if len(self.problems) < MAX_STORED_PROBLEMS:
            self.problems.append(problem)
        else:
            self.truncated = True

    def add(self, record: ClaimRecord) -> None:
        self.pending.append(record)
        if len(self.pending) >= CHUNK_SIZE:
            self.flush()

    def flush(self) -> None:
        cleaned: list[tuple[ClaimRecord, ClaimFields, str]] = []
        for record in self.pending:
            try:
                fields = claim_fields_clean(_fields(record))
            except DomainError as error:
                self.problem(Problem(record.source_name, error.message, line=record.line, field=error.field))
                continue
            cleaned.append((record, fields, claim_normalized_text(fields.text)))
        self.pending = []
        if not cleaned:
            return
        with connection.cursor() as cursor:
            cursor.execute(_EXISTING_SQL, [self.base_id, ",".join(_md5(n) for _, _, n in cleaned)])
            existing = dict(cursor.fetchall())
        rows: list[CanonicalClaim] = []
        for record, fields, normalized in cleaned:
            key = _md5(normalized)
            where = record.source_name + (f" line {record.line}" if record.line is not None else "")
            if key in existing:
                self._duplicate(record, f"claim #{existing[key]} has the same text")
            elif key in self.seen:
                self._duplicate(record, f"same text as {self.seen[key]} in this import")
            else:
                self.seen[key] = where
                rows.append(
                    CanonicalClaim(
                        claim_base_id=self.base_id,
                        normalized_text=normalized,
                        import_batch=self.batch,
                        created_by=self.actor,
                        **{**fields.__dict__, "tags": list(fields.tags)},
                    )
                )
        try:  # the import's transaction is lost with this error anyway: no savepoint
            created = CanonicalClaim.objects.bulk_create(rows, batch_size=CHUNK_SIZE)
        except IntegrityError as error:
            if UNIQUE_TEXT not in str(error):
                raise
            raise DomainError(
                "a claim with the same text as one of this file's was created while the import ran; "
                "import the file again (that claim is then reported as a repeat)",
                code="conflict",
            ) from None
        self.created_ids.extend(claim.pk for claim in created)

    def _duplicate(self, record: ClaimRecord, message: str) -> None:
        self.duplicates += 1
        self.problem(Problem(record.source_name, message, line=record.line, code="duplicate"), failed=False)


def _fields(record: ClaimRecord) -> ClaimFields:
    return ClaimFields(
        text=record.text,
        title=record.title,
        language=record.language,
        claimant=record.claimant,
        claim_date=record.claim_date,
        verdict=record.verdict,
        fact_check_url=record.fact_check_url,
        reviewed_by=record.reviewed_by,
        tags=record.tags,
    )


def claim_import(
    *,
    project: Project,
    sources: Iterable[tuple[str, BinaryIO]],
    actor: User | None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import claims into the project's claim base; embedding is queued for after the commit."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_IMPORT_LOCK_NAMESPACE, project.claim_base_id])
        batch = ImportBatch.objects.create(project=project, kind=ImportKind.CLAIMS, created_by=actor)
        writer = _ClaimWriter(project, batch, actor)
        names: list[str] = []
        read = 0
        for name, stream in sources:
            names.append(name)
            for item in parse_claims(name, stream, max_document_bytes=settings.FACTCHECK_MAX_DOCUMENT_BYTES):
                if isinstance(item, Problem):
                    writer.problem(item)
                else:
                    writer.add(item)
                read += 1
                if on_progress is not None and read % 500 == 0:
                    on_progress(read)
        writer.flush()
        batch.sources = names
        batch.created_count = len(writer.created_ids)
        batch.duplicate_count = writer.duplicates
        batch.failed_count = writer.failed
        batch.problems = [p.as_dict() for p in writer.problems]
        batch.save()
        audit_record(
            actor=actor,
            action="claims.import",
            obj=batch,
            project=project,
            after={
                "sources": names,
                "created": batch.created_count,
                "duplicates": writer.duplicates,
                "failed": writer.failed,
            },
        )
        claims_embed_later(writer.created_ids)
    return ImportReport(
        batch_id=batch.pk,
        created=len(writer.created_ids),
        duplicates=writer.duplicates,
        failed=writer.failed,
        problems=tuple(writer.problems),
        problems_truncated=writer.truncated,
    )
