"""Optimistic concurrency: a write names the version it read; a stale one is refused, never merged."""

from __future__ import annotations

from typing import Protocol

from annotations.domain import DomainError


class Versioned(Protocol):
    version: int


def version_check(obj: Versioned, expected: int | None, *, what: str) -> None:
    """Raise a conflict unless `expected` is the current version. The caller holds the row lock."""
    if expected is None:
        raise DomainError(
            f"send the version of the {what} you read (a `version` field or an If-Match header)",
            field="version",
            code="required",
        )
    if obj.version != expected:
        raise DomainError(
            f"the {what} was changed since you read it: it is at version {obj.version}, you sent {expected}",
            field="version",
            code="conflict",
            current_version=obj.version,
        )
