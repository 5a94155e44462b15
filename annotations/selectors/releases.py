"""Reads for dataset releases: what a release contains, streamed as plain records (exports/records.py) from
server-side cursors, so a release of a million spans is built in flat memory.

What is in a release (`ReleaseFilters`):
- scope "curated": the gold spans of curated articles;
- scope "submitted": every submitted reviewer's spans, and the gold spans of curated articles;
- with `include_reviewer_spans`, a curated release also carries the reviewer spans of its articles;
- `published_from` / `published_to` keep articles published in that range (inclusive; articles without a
  date are left out when either bound is given); `labels` keeps spans with one of those labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import QuerySet

from annotations.domain import ArticleStatus, AssignmentStatus, ReleaseStatus
from annotations.exports.records import ReleaseArticle, ReleaseClaim, ReleaseSpan
from annotations.models import (
    Article,
    Assignment,
    CanonicalClaim,
    ClaimLink,
    DatasetRelease,
    Project,
    Span,
)

CHUNK = 5_000
_DERIVED = Span.derived_from.through._meta.db_table


@dataclass(frozen=True)
class ReleaseFilters:
    scope: str = "curated"  # curated | submitted
    include_reviewer_spans: bool = False
    published_from: date | None = None
    published_to: date | None = None
    labels: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for name in ("published_from", "published_to"):
            values[name] = values[name].isoformat() if values[name] else None
        values["labels"] = list(self.labels)
        return values


def _where(filters: ReleaseFilters) -> tuple[str, dict[str, Any]]:
    """The span condition for the filters (alias s: spans, a: articles)."""
    curated = "a.review_status = %(curated)s"
    submitted = f"""EXISTS (SELECT 1 FROM {Assignment._meta.db_table} x
        WHERE x.article_id = s.article_id AND x.reviewer_id = s.annotator_id AND x.status = %(submitted)s)"""  # noqa: S608
    gold = f"(s.is_gold AND {curated})"
    if filters.scope == "curated" and not filters.include_reviewer_spans:
        condition = gold
    elif filters.scope == "curated":
        condition = f"({gold} OR (NOT s.is_gold AND {curated} AND {submitted}))"
    else:
        condition = f"({gold} OR (NOT s.is_gold AND {submitted}))"
    parts = ["a.project_id = %(project)s", condition]
    params: dict[str, Any] = {
        "curated": ArticleStatus.CURATED.value,
        "submitted": AssignmentStatus.SUBMITTED.value,
    }
    if filters.published_from:
        parts.append("a.published_date >= %(published_from)s")
        params["published_from"] = filters.published_from
    if filters.published_to:
        parts.append("a.published_date <= %(published_to)s")
        params["published_to"] = filters.published_to
    if filters.labels:
        parts.append("s.label = ANY(%(labels)s)")
        params["labels"] = list(filters.labels)
    return " AND ".join(parts), params


_UTC = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _spans_sql(condition: str) -> str:
    # Identifiers come from the models; every value is a parameter.
    return f"""
        SELECT s.id, s.article_id, a.external_id, a.sha256, a.source_url, s.start, s."end", s.quote, s.prefix,
            s.suffix, s.label, s.note, s.is_gold, l.claim_id, coalesce(c.text, ''), l.source, l.suggestion_rank,
            l.suggestion_score, coalesce(l.suggestion_model, ''), u.username,
            coalesce(d.reviewers, ARRAY[]::text[]), coalesce(d.ids, ARRAY[]::integer[]),
            {_UTC.format("s.created_at")}, {_UTC.format("s.updated_at")}
        FROM {Span._meta.db_table} s
        JOIN {Article._meta.db_table} a ON a.id = s.article_id
        JOIN {User._meta.db_table} u ON u.id = s.annotator_id
        LEFT JOIN {ClaimLink._meta.db_table} l ON l.span_id = s.id
        LEFT JOIN {CanonicalClaim._meta.db_table} c ON c.id = l.claim_id
        LEFT JOIN LATERAL (
            SELECT array_agg(DISTINCT du.username) AS reviewers,
                array_agg(ds.id ORDER BY ds.id) AS ids
            FROM {_DERIVED} f
            JOIN {Span._meta.db_table} ds ON ds.id = f.to_span_id
            JOIN {User._meta.db_table} du ON du.id = ds.annotator_id
            WHERE f.from_span_id = s.id
        ) d ON s.is_gold
        WHERE {condition}
        ORDER BY s.article_id, s.start, s."end", s.id
    """  # noqa: S608


def _stream(sql: str, params: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """Rows of `sql` from a server-side cursor, CHUNK at a time (call inside a transaction)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def _same(name: str) -> str:
    return name


def release_spans(
    *, project: Project, filters: ReleaseFilters, person: Callable[[str], str] = _same
) -> Iterator[ReleaseSpan]:
    """The release's spans, article by article in text order, with each person's username passed through
    `person` (the release service's pseudonyms) as the record is built: a second copy of a million
    records to swap names was a seventh of an export's time."""
    condition, params = _where(filters)
    params["project"] = project.pk
    for row in _stream(_spans_sql(condition), params):
        (
            span_id, article_id, external_id, sha256, url, start, end, quote, prefix, suffix, label, note, is_gold,
            claim_id, claim_text, source, rank, score, model, username, derived_reviewers, derived_ids,
            created_at, updated_at,
        ) = row  # fmt: skip
        yield ReleaseSpan(
            span_id=span_id,
            article_id=article_id,
            article_external_id=external_id,
            article_sha256=sha256,
            article_url=url,
            start=start,
            end=end,
            quote=quote,
            prefix=prefix,
            suffix=suffix,
            label=label,
            note=note,
            is_gold=is_gold,
            claim_id=claim_id,
            claim_text=claim_text,
            link_source=source,
            suggestion_rank=rank,
            suggestion_score=score,
            suggestion_model=model,
            # Sorted after the mapping: in the order of the real names, the pseudonyms would give those away.
            reviewers=tuple(sorted(map(person, derived_reviewers))) if is_gold else (person(username),),
            curator=person(username) if is_gold else None,  # the gold's author; a reviewer span has none
            derived_from=tuple(derived_ids),
            created_at=created_at,
            updated_at=updated_at,
        )


def release_articles(*, project: Project, filters: ReleaseFilters) -> Iterator[ReleaseArticle]:
    """The articles that have at least one of the release's spans, oldest id first."""
    condition, params = _where(filters)
    params["project"] = project.pk
    sql = f"""
        SELECT a.id, a.external_id, a.title, a.source_url, a.language, a.published_date, a.sha256, a.text,
            a.priority, a.metadata
        FROM {Article._meta.db_table} a
        WHERE a.project_id = %(project)s AND EXISTS (
            SELECT 1 FROM {Span._meta.db_table} s WHERE s.article_id = a.id AND {condition})
        ORDER BY a.id
    """  # noqa: S608
    for row in _stream(sql, params):
        article_id, external_id, title, url, language, published, sha256, text, priority, metadata = row
        yield ReleaseArticle(
            article_id=article_id,
            external_id=external_id,
            title=title,
            source_url=url,
            language=language,
            published_date=published.isoformat() if published else None,
            sha256=sha256,
            text=text,
            priority=priority,
            metadata=metadata if isinstance(metadata, dict) else {},
        )


def release_claims(*, project: Project, filters: ReleaseFilters) -> Iterator[ReleaseClaim]:
    """The canonical claims the release's spans link to."""
    condition, params = _where(filters)
    params["project"] = project.pk
    sql = f"""
        SELECT c.id, c.text, c.title, c.language, c.claimant, c.claim_date, c.verdict, c.fact_check_url,
            c.reviewed_by, c.tags
        FROM {CanonicalClaim._meta.db_table} c
        WHERE c.id IN (
            SELECT l.claim_id FROM {ClaimLink._meta.db_table} l
            JOIN {Span._meta.db_table} s ON s.id = l.span_id
            JOIN {Article._meta.db_table} a ON a.id = s.article_id
            WHERE l.claim_id IS NOT NULL AND {condition})
        ORDER BY c.id
    """  # noqa: S608
    for row in _stream(sql, params):
        claim_id, text, title, language, claimant, claim_date, verdict, url, reviewed_by, tags = row
        yield ReleaseClaim(
            claim_id=claim_id,
            text=text,
            title=title,
            language=language,
            claimant=claimant,
            claim_date=claim_date.isoformat() if claim_date else None,
            verdict=verdict,
            fact_check_url=url,
            reviewed_by=reviewed_by,
            tags=tuple(tags or ()),
        )


def suggestion_models(*, project: Project, filters: ReleaseFilters) -> list[str]:
    """The models (name@version) behind the release's links that came from suggestions."""
    condition, params = _where(filters)
    params["project"] = project.pk
    sql = f"""
        SELECT DISTINCT l.suggestion_model FROM {ClaimLink._meta.db_table} l
        JOIN {Span._meta.db_table} s ON s.id = l.span_id
        JOIN {Article._meta.db_table} a ON a.id = s.article_id
        WHERE l.suggestion_model <> '' AND {condition}
        ORDER BY 1
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def releases_of(*, project: Project) -> QuerySet[DatasetRelease]:
    """The project's releases, newest first (a query: page it)."""
    return DatasetRelease.objects.filter(project=project).select_related("created_by").order_by("-version")


def release_for(*, project: Project, version: int) -> DatasetRelease | None:
    return DatasetRelease.objects.filter(project=project, version=version).select_related("created_by").first()


def published(release: DatasetRelease) -> bool:
    return release.status == ReleaseStatus.PUBLISHED
