"""Helpers that turn domain enums into model choices and CHECK constraints."""

from enum import StrEnum

from django.db.models import CheckConstraint, Q


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in enum]


def in_enum(field: str, enum: type[StrEnum], name: str) -> CheckConstraint:
    return CheckConstraint(condition=Q(**{f"{field}__in": [m.value for m in enum]}), name=name)
