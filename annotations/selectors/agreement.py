"""Reads for agreement: the reviewers' submitted work as plain data for annotations.agreement, and the stored
snapshots (latest figures, the reviewer matrix, the weakest articles, history)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import QuerySet

from annotations.agreement.alignment import SpanItem
from annotations.domain import AgreementScope, AssignmentStatus
from annotations.models import AgreementSnapshot, Article, Assignment, ClaimLink, Project, Span
from annotations.selectors.review import link_category


@dataclass(frozen=True)
class AgreementInputs:
    """Every article that at least two reviewers submitted: each submitted reviewer's spans (an empty list
    for one who marked nothing), the articles' text lengths, and the reviewers' usernames by id."""

    articles: dict[int, dict[int, list[SpanItem]]]
    text_lengths: dict[int, int]
    usernames: dict[int, str]


# Identifiers come from the models; every value is a parameter.
_SUBMITTED_SQL = f"""
    SELECT s.article_id, s.reviewer_id, u.username, char_length(a.text)
    FROM {Assignment._meta.db_table} s
    JOIN {Article._meta.db_table} a ON a.id = s.article_id
    JOIN {User._meta.db_table} u ON u.id = s.reviewer_id
    WHERE a.project_id = %(project)s AND s.status = %(submitted)s
"""  # noqa: S608
_SPANS_SQL = f"""
    SELECT p.id, p.article_id, p.annotator_id, p.start, p."end", p.label, l.claim_id, l.source
    FROM {Span._meta.db_table} p
    JOIN {Assignment._meta.db_table} s
        ON s.article_id = p.article_id AND s.reviewer_id = p.annotator_id AND s.status = %(submitted)s
    JOIN {Article._meta.db_table} a ON a.id = p.article_id
    LEFT JOIN {ClaimLink._meta.db_table} l ON l.span_id = p.id
    WHERE a.project_id = %(project)s AND NOT p.is_gold
"""  # noqa: S608


def agreement_inputs(*, project: Project) -> AgreementInputs:
    """The project's submitted reviews, in two statements whatever their size (rows, not model instances:
    a large project has hundreds of thousands of spans)."""
    params: dict[str, int | str] = {"project": project.pk, "submitted": AssignmentStatus.SUBMITTED.value}
    reviewers: dict[int, set[int]] = defaultdict(set)
    lengths: dict[int, int] = {}
    usernames: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(_SUBMITTED_SQL, params)
        for article_id, reviewer_id, username, length in cursor.fetchall():
            reviewers[article_id].add(reviewer_id)
            lengths[article_id] = length
            usernames[reviewer_id] = username
        articles: dict[int, dict[int, list[SpanItem]]] = {
            article_id: {reviewer: [] for reviewer in sorted(ids)}
            for article_id, ids in reviewers.items()
            if len(ids) >= 2
        }
        cursor.execute(_SPANS_SQL, params)
        for span_id, article_id, reviewer_id, start, end, label, claim_id, source in cursor.fetchall():
            if article_id in articles:
                articles[article_id][reviewer_id].append(
                    SpanItem(
                        id=span_id,
                        reviewer=reviewer_id,
                        start=start,
                        end=end,
                        label=label,
                        link=link_category(claim_id, source),
                    )
                )
    return AgreementInputs(
        articles=articles,
        text_lengths={article_id: lengths[article_id] for article_id in articles},
        usernames=usernames,
    )


def latest_fingerprint(*, project: Project) -> str | None:
    return (
        AgreementSnapshot.objects.filter(project=project, scope=AgreementScope.PROJECT)
        .order_by("-computed_at", "-id")
        .values_list("inputs_fingerprint", flat=True)
        .first()
    )


def article_fingerprints(*, project: Project) -> dict[int, str]:
    """The fingerprint of each article's latest article-scope snapshots."""
    rows = (
        AgreementSnapshot.objects.filter(project=project, scope=AgreementScope.ARTICLE)
        .order_by("article_id", "-computed_at", "-id")
        .distinct("article_id")
        .values_list("article_id", "inputs_fingerprint")
    )
    return {article_id: fingerprint for article_id, fingerprint in rows if article_id is not None}


@dataclass(frozen=True)
class AgreementReport:
    """What the dashboard and the API show: the latest project figures, the reviewer matrix, the articles
    with the lowest agreement, and when it was computed."""

    computed_at: datetime | None
    project: list[AgreementSnapshot]
    pairs: list[AgreementSnapshot]
    lowest: list[AgreementSnapshot]


def _latest_batch(project: Project, scope: AgreementScope) -> QuerySet[AgreementSnapshot]:
    """The snapshots of one scope written by the latest computation that wrote that scope."""
    newest = (
        AgreementSnapshot.objects.filter(project=project, scope=scope)
        .order_by("-computed_at", "-id")
        .values_list("details__run", flat=True)
        .first()
    )
    return AgreementSnapshot.objects.filter(project=project, scope=scope, details__run=newest)


def agreement_report(*, project: Project, lowest_metric: str, lowest_limit: int = 20) -> AgreementReport:
    """The latest figures, in five queries. The lowest articles are ranked by `lowest_metric`'s value among
    each article's latest snapshots, of the articles still measured (two submitted reviews: a reopened one
    leaves the figures, and its old snapshots stay stored)."""
    figures = list(_latest_batch(project, AgreementScope.PROJECT).order_by("metric"))
    pairs = list(
        _latest_batch(project, AgreementScope.REVIEWER_PAIR)
        .select_related("reviewer_a", "reviewer_b")
        .order_by("reviewer_a__username", "reviewer_b__username", "metric")
    )
    latest_articles = (
        AgreementSnapshot.objects.filter(project=project, scope=AgreementScope.ARTICLE, metric=lowest_metric)
        .order_by("article_id", "-computed_at", "-id")
        .distinct("article_id")
        .values_list("id", flat=True)
    )
    lowest = list(
        AgreementSnapshot.objects.filter(pk__in=latest_articles, value__isnull=False, article__submitted_count__gte=2)
        .select_related("article")
        .defer("article__text", "article__metadata")
        .order_by("value", "article_id")[:lowest_limit]
    )
    return AgreementReport(
        computed_at=figures[0].computed_at if figures else None, project=figures, pairs=pairs, lowest=lowest
    )


def agreement_history(*, project: Project, metric: str) -> QuerySet[AgreementSnapshot]:
    """Every project-level figure of `metric` ever stored, oldest first (snapshots are never overwritten)."""
    return AgreementSnapshot.objects.filter(project=project, scope=AgreementScope.PROJECT, metric=metric).order_by(
        "computed_at", "id"
    )
