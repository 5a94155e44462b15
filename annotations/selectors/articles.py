"""Reads of articles and spans, with blind review applied.

Blind review: until an article's adjudication is completed, an annotator sees only their own spans (and
their links and suggestions), and only the articles assigned to them. Curators and managers see everything.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from annotations.domain import NO_ACCESS, AdjudicationStatus, Role
from annotations.models import (
    Adjudication,
    Article,
    Assignment,
    CanonicalClaim,
    ClaimBase,
    ClaimLink,
    Membership,
    Project,
    Span,
)
from annotations.selectors import _rows


def articles_visible(*, user: User, role: Role, project: Project) -> QuerySet[Article]:
    """The project's articles the user may open; an annotator's are the ones assigned to them."""
    queryset = Article.objects.filter(project=project)
    if role == Role.ANNOTATOR:
        queryset = queryset.filter(
            Exists(Assignment.objects.filter(article=OuterRef("pk"), reviewer=user).exclude(status__in=NO_ACCESS))
        )
    return queryset


def articles_list(
    *,
    user: User,
    role: Role,
    project: Project,
    q: str = "",
    language: str = "",
    external_id: str = "",
    published_after: object = None,
    published_before: object = None,
) -> QuerySet[Article]:
    queryset = articles_visible(user=user, role=role, project=project).defer("text", "metadata")
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(text__icontains=q))
    if language:
        queryset = queryset.filter(language=language)
    if external_id:
        queryset = queryset.filter(external_id=external_id)
    if published_after:
        queryset = queryset.filter(published_date__gte=published_after)
    if published_before:
        queryset = queryset.filter(published_date__lte=published_before)
    return queryset.annotate(my_span_count=Count("spans", filter=Q(spans__annotator=user)))


# Identifiers come from the models; every value is a parameter.
_ARTICLE_FOR_SQL = f"""
    SELECT {_rows.columns(Article, "a")}, {_rows.columns(Project, "p")}, {_rows.columns(ClaimBase, "b")},
        CASE WHEN %(superuser)s THEN %(manager)s ELSE m.role END,
        EXISTS (
            SELECT 1 FROM {Assignment._meta.db_table} s
            WHERE s.article_id = a.id AND s.reviewer_id = %(user)s AND s.status <> ALL(%(no_access)s)
        ),
        EXISTS (
            SELECT 1 FROM {Adjudication._meta.db_table} j WHERE j.article_id = a.id AND j.status = %(completed)s
        )
    FROM {Article._meta.db_table} a
    JOIN {Project._meta.db_table} p ON p.id = a.project_id
    JOIN {ClaimBase._meta.db_table} b ON b.id = p.claim_base_id
    LEFT JOIN {Membership._meta.db_table} m ON m.project_id = a.project_id AND m.user_id = %(user)s
    WHERE a.id = %(article)s
"""  # noqa: S608 - identifiers from the models; values are parameters


def article_for(*, user: User, article_id: int) -> tuple[Article, Role] | None:
    """The article (with its project and claim base) and the user's role in the project, or None if the
    user may not open it. One statement (in SQL: this runs on every span and article request), which also
    notes on the article whether it is adjudicated (`is_adjudicated`, for blind-review checks)."""
    if not user.is_authenticated:
        return None
    row = _rows.fetch_one(
        _ARTICLE_FOR_SQL,
        {
            "user": user.pk,
            "article": article_id,
            "superuser": user.is_superuser,
            "manager": Role.MANAGER.value,
            "no_access": [status.value for status in NO_ACCESS],
            "completed": AdjudicationStatus.COMPLETED.value,
        },
    )
    if row is None:
        return None
    article_end = _rows.width(Article)
    project_end = article_end + _rows.width(Project)
    role_value, assigned, adjudicated = row[-3:]
    if role_value is None:
        return None
    role = Role(role_value)
    if role == Role.ANNOTATOR and not assigned:
        return None
    article = _rows.load(Article, row[:article_end])
    article.project = _rows.load(Project, row[article_end:project_end])
    article.project.claim_base = _rows.load(ClaimBase, row[project_end:-3])
    article.is_adjudicated = adjudicated
    return article, role


def article_is_adjudicated(article: Article) -> bool:
    """Whether blind review is over; read from `article_for`'s annotation when the article came from it."""
    known = getattr(article, "is_adjudicated", None)
    if known is not None:
        return bool(known)
    return Adjudication.objects.filter(article=article, status=AdjudicationStatus.COMPLETED).exists()


def _own_spans_only(*, role: Role, article: Article) -> bool:
    """Blind review: an annotator sees only their own (non-gold) spans until the article is adjudicated."""
    return role == Role.ANNOTATOR and not article_is_adjudicated(article)


def spans_visible(*, user: User, role: Role, article: Article) -> QuerySet[Span]:
    """The article's spans the user may see, with links and claims joined in (no N+1)."""
    queryset = Span.objects.filter(article=article)
    if _own_spans_only(role=role, article=article):
        queryset = queryset.filter(annotator=user, is_gold=False)
    return queryset.select_related("annotator", "link", "link__claim").order_by("start", "end", "id")


# Times as ISO 8601 text in UTC, formatted by PostgreSQL: parsing 600 timestamps into datetimes and
# formatting them back was a third of an article view's Python time.
_UTC_ISO = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_SPAN_ROWS_SQL = f"""
    SELECT s.id, s.article_id, u.username AS annotator__username, s.start, s."end", s.quote, s.prefix,
        s.suffix, s.label, s.note, s.version, s.is_gold,
        {_UTC_ISO.format("s.created_at")} AS created_at, {_UTC_ISO.format("s.updated_at")} AS updated_at,
        l.id AS link__id, l.claim_id AS link__claim_id, c.text AS link__claim__text,
        c.verdict AS link__claim__verdict, c.status AS link__claim__status, l.source AS link__source,
        l.suggestion_id AS link__suggestion_id, l.suggestion_rank AS link__suggestion_rank,
        l.suggestion_score AS link__suggestion_score, l.suggestion_model AS link__suggestion_model,
        l.version AS link__version, {_UTC_ISO.format("l.created_at")} AS link__created_at
    FROM {Span._meta.db_table} s
    JOIN {User._meta.db_table} u ON u.id = s.annotator_id
    LEFT JOIN {ClaimLink._meta.db_table} l ON l.span_id = s.id
    LEFT JOIN {CanonicalClaim._meta.db_table} c ON c.id = l.claim_id
    WHERE s.article_id = %(article)s
        AND (NOT %(own_only)s OR ((s.annotator_id + 0) = %(user)s AND NOT s.is_gold))
    ORDER BY s.start, s."end", s.id
"""  # noqa: S608 - identifiers from the models; values are parameters
# `annotator_id + 0` keeps the planner on the article's spans: for a reviewer the statistics do not know yet
# (a new one, or many new spans since the last ANALYZE) it would otherwise walk all of that reviewer's spans
# across every article through the annotator index (4.5 ms instead of 1.3 ms for 200 spans, measured).


def span_rows_visible(*, user: User, role: Role, article: Article) -> list[dict[str, Any]]:
    """The rows of `spans_visible`, flat (`link__claim__text`, ...), times as ISO 8601 text in UTC.

    In SQL: an article view reads hundreds of spans, and model instances cost three times as much.
    """
    params = {"article": article.pk, "user": user.pk, "own_only": _own_spans_only(role=role, article=article)}
    with connection.cursor() as cursor:
        cursor.execute(_SPAN_ROWS_SQL, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def span_for(*, user: User, span_id: int) -> tuple[Span, Role] | None:
    """A span the user may see (with its article and link), or None: blind review hides the rest."""
    found = Span.objects.select_related("annotator", "link", "link__claim").filter(pk=span_id).first()
    if found is None:
        return None
    opened = article_for(user=user, article_id=found.article_id)
    if opened is None:
        return None
    article, role = opened
    if role == Role.ANNOTATOR and found.annotator_id != user.pk and not article_is_adjudicated(article):
        return None
    found.article = article
    return found, role
