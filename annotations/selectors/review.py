"""Reads of review work: the assignments a user may see, a reviewer's queue, and recent activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from annotations.agreement.alignment import Group, SpanItem, align
from annotations.domain import OPEN_WORK, ArticleStatus, AssignmentStatus, Role
from annotations.models import Article, Assignment, AuditEvent, Membership, Project, Span
from annotations.selectors import _rows


def assignments_visible(*, user: User, role: Role, project: Project) -> QuerySet[Assignment]:
    """All of the project's assignments for curators and managers; an annotator's own otherwise."""
    queryset = Assignment.objects.filter(article__project=project).select_related("reviewer")
    if role == Role.ANNOTATOR:
        queryset = queryset.filter(reviewer=user)
    return queryset


_SUBMITTED_SQL = f"""
    SELECT EXISTS (
        SELECT 1 FROM {Assignment._meta.db_table}
        WHERE article_id = %(article)s AND reviewer_id = %(reviewer)s AND status = %(submitted)s
    )
"""  # noqa: S608 - identifiers from the models; values are parameters


def assignment_is_submitted(*, article_id: int, reviewer_id: int) -> bool:
    """Whether the reviewer submitted their work on the article (in SQL: checked on every span write)."""
    row = _rows.fetch_one(
        _SUBMITTED_SQL,
        {"article": article_id, "reviewer": reviewer_id, "submitted": AssignmentStatus.SUBMITTED.value},
    )
    return bool(row and row[0])


@dataclass(frozen=True)
class Queue:
    """A reviewer's work in one project: open assignments in queue order, and counts by status."""

    open: list[Assignment]  # assigned or in progress: highest article priority first, then oldest
    counts: dict[str, int]

    @property
    def next(self) -> Assignment | None:
        return self.open[0] if self.open else None


_OPEN = OPEN_WORK


def queue_for(*, user: User, project: Project, limit: int = 50) -> Queue:
    """The user's queue in the project (two queries, whatever its length)."""
    mine = Assignment.objects.filter(article__project=project, reviewer=user)
    open_ = list(
        mine.filter(status__in=_OPEN)
        .select_related("article")
        .only("id", "status", "assigned_at", "lease_expires_at", "article__id", "article__title", "article__priority")
        .order_by("-article__priority", "assigned_at", "id")[:limit]
    )
    counts = {status.value: 0 for status in AssignmentStatus}
    counts.update(dict(mine.values_list("status").annotate(n=Count("id")).order_by()))
    return Queue(open=open_, counts=counts)


def next_assignment_after(*, user: User, project: Project, article_id: int) -> Assignment | None:
    """The open assignment to go to after `article_id`: the first in queue order that is another article."""
    return (
        Assignment.objects.filter(article__project=project, reviewer=user, status__in=_OPEN)
        .exclude(article_id=article_id)
        .select_related("article")
        .order_by("-article__priority", "assigned_at", "id")
        .first()
    )


def assignment_of(*, user: User, article_id: int) -> Assignment | None:
    return Assignment.objects.filter(article_id=article_id, reviewer=user).first()


def recent_activity(*, user: User, role: Role, project: Project, limit: int = 15) -> list[AuditEvent]:
    """The project's latest audit events: all of them for curators and managers, an annotator's own otherwise
    (blind review: an annotator learns nothing of the others' work from this list)."""
    events = AuditEvent.objects.filter(project_id=project.pk)
    if role == Role.ANNOTATOR:
        events = events.filter(actor_id=user.pk)
    return list(events.order_by("-at", "-id")[:limit])


# --- Curation ---------------------------------------------------------------------------------------


def link_category(claim_id: int | None, source: str | None) -> str | None:
    """A span's link as an agreement category: the claim, an explicit "no match", or None (no link yet)."""
    if source is None:
        return None
    return f"claim:{claim_id}" if claim_id is not None else "no_match"


def submitted_reviewer_spans(*, article_id: int) -> tuple[list[str], list[Span]]:
    """The usernames of the reviewers who submitted the article (in order) and their spans, links joined."""
    reviewers = list(
        Assignment.objects.filter(article_id=article_id, status=AssignmentStatus.SUBMITTED)
        .order_by("reviewer__username")
        .values_list("reviewer__username", flat=True)
    )
    spans = list(
        Span.objects.filter(
            article_id=article_id,
            is_gold=False,
            annotator__assignments__article_id=article_id,
            annotator__assignments__status=AssignmentStatus.SUBMITTED,
        )
        .select_related("annotator", "link", "link__claim")
        .order_by("start", "end", "id")
    )
    return reviewers, spans


def span_item(span: Span) -> SpanItem:
    link = getattr(span, "link", None)
    return SpanItem(
        id=span.pk,
        reviewer=span.annotator.username,
        start=span.start,
        end=span.end,
        label=span.label,
        link=link_category(link.claim_id, link.source) if link is not None else None,
    )


def reviewer_span_items(*, article_id: int) -> dict[str, list[SpanItem]]:
    """Each submitted reviewer's spans of the article as alignment items (an empty list for one with none)."""
    reviewers, spans = submitted_reviewer_spans(article_id=article_id)
    items: dict[str, list[SpanItem]] = {name: [] for name in reviewers}
    for span in spans:
        items[span.annotator.username].append(span_item(span))
    return items


@dataclass(frozen=True)
class CurationView:
    """What a curator works from: the reviewers, their spans aligned into groups, and the gold so far."""

    reviewers: list[str]
    groups: list[Group]
    spans: dict[int, Span]  # reviewer spans by id, for the groups' items
    gold: list[Span]
    assignments: list[Assignment]


def curation_view(*, article: Article) -> CurationView:
    reviewers, spans = submitted_reviewer_spans(article_id=article.pk)
    items: dict[str, list[SpanItem]] = {name: [] for name in reviewers}
    for span in spans:
        items[span.annotator.username].append(span_item(span))
    gold = list(
        Span.objects.filter(article=article, is_gold=True)
        .select_related("annotator", "link", "link__claim")
        .prefetch_related("derived_from")
        .order_by("start", "end", "id")
    )
    assignments = list(
        Assignment.objects.filter(article=article).select_related("reviewer").order_by("reviewer__username")
    )
    return CurationView(
        reviewers=reviewers,
        groups=align(items),
        spans={span.pk: span for span in spans},
        gold=gold,
        assignments=assignments,
    )


def curation_queue(*, project: Project) -> QuerySet[Article]:
    """Articles whose k reviewers all submitted, most disagreement first (then the longest waiting)."""
    return (
        Article.objects.filter(project=project, review_status=ArticleStatus.READY_FOR_CURATION)
        .defer("text", "metadata")
        .select_related("adjudication", "adjudication__curator")
        .order_by(F("disagreement").desc(nulls_first=True), "ready_at", "id")
    )


# --- Progress for managers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    articles: dict[str, int]  # by review status
    reviewers: list[dict[str, object]]  # username and counts by assignment status
    per_day: list[dict[str, object]]  # submissions per day, the last `days` days
    stuck: list[Assignment]  # leases that ran out and were not swept yet, or held for longer than `held_hours`


def project_progress(*, project: Project, days: int = 14, held_hours: int = 8) -> Progress:
    """Review progress of the project in five queries, whatever its size."""
    now = timezone.now()
    articles = {status.value: 0 for status in ArticleStatus}
    articles.update(
        dict(Article.objects.filter(project=project).values_list("review_status").annotate(n=Count("id")).order_by())
    )
    per_reviewer: dict[str, dict[str, object]] = {}
    members = Membership.objects.filter(project=project, role=Role.ANNOTATOR).order_by("user__username")
    for username in members.values_list("user__username", flat=True):
        per_reviewer[username] = {"username": username, **{status.value: 0 for status in AssignmentStatus}}
    counts = (
        Assignment.objects.filter(article__project=project)
        .values_list("reviewer__username", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for username, status, n in counts:
        per_reviewer.setdefault(username, {"username": username, **{s.value: 0 for s in AssignmentStatus}})[status] = n
    since = (now - timedelta(days=days - 1)).date()
    submitted = dict(
        Assignment.objects.filter(article__project=project, submitted_at__date__gte=since)
        .annotate(day=TruncDate("submitted_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_day = [
        {"day": day, "submitted": submitted.get(day, 0)} for day in (since + timedelta(days=i) for i in range(days))
    ]
    stuck = list(
        Assignment.objects.filter(article__project=project, status=AssignmentStatus.IN_PROGRESS)
        .filter(Q(lease_expires_at__lt=now) | Q(started_at__lt=now - timedelta(hours=held_hours)))
        .select_related("reviewer", "article")
        .only("id", "status", "started_at", "lease_expires_at", "reviewer__username", "article__id", "article__title")
        .order_by("lease_expires_at", "id")[:100]
    )
    return Progress(articles=articles, reviewers=list(per_reviewer.values()), per_day=per_day, stuck=stuck)
