"""The audit trail: one AuditEvent per write, recorded inside the write's transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models

from annotations.models import AuditEvent, Project


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    project: Project | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = audit_event(actor=actor, action=action, obj=obj, project=project, before=before, after=after)
    event.save(force_insert=True)
    return event


def audit_event(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model,
    project: Project | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """The event, unsaved: for a write that inserts it together with its object (services/_insert.py)."""
    user = actor if isinstance(actor, User) else None
    return AuditEvent(
        actor=user,
        actor_name=user.get_username() if user is not None else "system",
        project=project,
        action=action,
        object_type=obj._meta.model_name or type(obj).__name__.lower(),
        object_id=str(obj.pk),
        before=before,
        after=after,
    )
