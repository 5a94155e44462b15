"""Hand-written statements for the hottest reads, loading model instances as the ORM would.

The API's per-request reads (the caller's token, the article with the caller's role) ran in about 5 ms of
Python each through the ORM, nearly all of it compiling the query; the same statement in SQL costs a tenth.
Columns come from the models' metadata, so a field added to a model is selected here too, and values
go through each field's database converters and `Model.from_db`, as the ORM does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns, qualified by `alias`, in field order (for a SELECT list)."""
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def width(model: type[models.Model]) -> int:
    return len(model._meta.concrete_fields)


def load(model: type[M], values: Sequence[Any]) -> M:
    """An instance from the values of `columns(model, ...)`, converted as the ORM converts them."""
    fields = model._meta.concrete_fields
    converted = []
    for field, value in zip(fields, values, strict=True):
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def fetch_one(sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row) if row is not None else None
