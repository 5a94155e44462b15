"""Reads of review work: the assignments a user may see."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from annotations.domain import AssignmentStatus, Role
from annotations.models import Assignment, Project
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
