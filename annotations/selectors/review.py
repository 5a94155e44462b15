"""Reads of review work: the assignments a user may see, a reviewer's queue, and recent activity."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet

from annotations.domain import AssignmentStatus, Role
from annotations.models import Assignment, AuditEvent, Project
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


_OPEN = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS)


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
