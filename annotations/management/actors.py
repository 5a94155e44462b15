"""Who a command acts as: a named user, or the project's first manager."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.management.base import CommandError

from annotations.domain import Role
from annotations.models import Project
from annotations.selectors.projects import project_members


def command_actor(project: Project, username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active user {username!r}")
        return user
    managers = project_members(project=project, role=Role.MANAGER)
    if not managers:
        raise CommandError("the project has no manager: name one with --user")
    return managers[0]
