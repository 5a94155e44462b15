"""Reads of review work: the assignments a user may see."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from annotations.domain import Role
from annotations.models import Assignment, Project


def assignments_visible(*, user: User, role: Role, project: Project) -> QuerySet[Assignment]:
    """All of the project's assignments for curators and managers; an annotator's own otherwise."""
    queryset = Assignment.objects.filter(article__project=project).select_related("reviewer")
    if role == Role.ANNOTATOR:
        queryset = queryset.filter(reviewer=user)
    return queryset
