"""Project scope, resolved once per request: outsiders get 404 (ids do not leak), members without the
role get 403. Roles are ordered: a manager may do what a curator may, a curator what an annotator may."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.request import Request

from annotations.domain import Role
from annotations.models import Project
from annotations.selectors.projects import project_with_role


def acting_user(request: Request) -> User:
    """The authenticated user (views run behind IsAuthenticated, so never anonymous)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def project_for(request: Request, project_id: int, *, needs: Role) -> tuple[Project, Role]:
    found = project_with_role(user=request.user, project_id=project_id)
    if found is None:
        raise NotFound("no such project")
    project, role = found
    if not role.at_least(needs):
        raise PermissionDenied(f"this needs the {needs.value} role in the project")
    return project, role
