"""Project scope for pages, with the API's rule: outsiders get 404 (ids do not leak), members without the
needed role get 403."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from annotations.domain import Role
from annotations.models import Project
from annotations.selectors.projects import project_with_role


def signed_in(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # login_required ran first; this narrows the type
        raise Http404
    return user


def project_or_404(request: HttpRequest, project_id: int, *, needs: Role = Role.ANNOTATOR) -> tuple[Project, Role]:
    found = project_with_role(user=signed_in(request), project_id=project_id)
    if found is None:
        raise Http404("no such project")
    project, role = found
    if not role.at_least(needs):
        raise PermissionDenied(f"this page needs the {needs.value} role in {project.name}")
    return project, role
