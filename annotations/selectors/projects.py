"""Reads of projects and of a user's role in them."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, QuerySet

from annotations.domain import Role
from annotations.models import Membership, Project


def project_by_slug(slug: str) -> Project | None:
    return Project.objects.filter(slug=slug).first()


def project_by_id(project_id: int) -> Project | None:
    return Project.objects.filter(pk=project_id).first()


def project_role(*, user: User | AnonymousUser, project_id: int) -> Role | None:
    """The user's role in the project; superusers act as managers everywhere."""
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return Role.MANAGER
    role = Membership.objects.filter(user_id=user.pk, project_id=project_id).values_list("role", flat=True).first()
    return Role(role) if role else None


def project_with_role(*, user: User | AnonymousUser, project_id: int) -> tuple[Project, Role] | None:
    """The project and the user's role in it, or None when the user is not a member (or it is absent)."""
    role = project_role(user=user, project_id=project_id)
    if role is None:
        return None
    project = Project.objects.select_related("claim_base").filter(pk=project_id).first()
    return (project, role) if project is not None else None


def projects_for_user(user: User) -> QuerySet[Project]:
    """The projects the user belongs to (all of them for a superuser), with article counts."""
    queryset = Project.objects.all()
    if not user.is_superuser:
        queryset = queryset.filter(memberships__user=user)
    return queryset.annotate(article_count=Count("articles", distinct=True)).order_by("name")


def project_members(*, project: Project, role: Role) -> list[User]:
    """The project's members with exactly `role`, by username."""
    return list(
        User.objects.filter(memberships__project=project, memberships__role=role, is_active=True).order_by("username")
    )
