"""One-statement inserts for the hottest write: a row and the rows that point at it, in one round trip.

`insert_family` writes an unsaved parent and its unsaved children with one `INSERT ... RETURNING` per table,
chained as data-modifying CTEs. Each child's foreign-key column takes the parent's new id. A single
statement is atomic by itself, so no transaction (BEGIN/COMMIT) is needed. Values are prepared exactly as
`Model.save()` prepares them (`pre_save`, then `get_db_prep_save`), and each is cast to its column's type.
The statement's text depends only on the models, so it is built once per shape and reused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import nullcontext
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

Guard = tuple[str, Sequence[Any]]  # an SQL condition (with %s parameters) the parent's INSERT requires
Shape = tuple[type[models.Model], tuple[tuple[type[models.Model], str], ...], str]


def _fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _column(field: models.Field[Any, Any] | None) -> str:
    if field is None or field.column is None:  # concrete fields always have one
        raise TypeError(f"{field!r} has no column")
    return field.column


@cache
def _statement(shape: Shape, vendor: str) -> str:
    """The SQL for a parent model, its (child model, link column) pairs and a guard condition."""
    parent, children, guard = shape
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    pk = quote(_column(parent._meta.pk))

    def insert(model: type[models.Model], source: str, link_column: str | None) -> str:
        names, values = [], []
        for field in _fields(model):
            names.append(quote(_column(field)))
            # The column's type without its length: `'…'::varchar(100)` would cut a longer value silently,
            # where the column itself refuses it, as an ORM insert would.
            cast = re.sub(r"\(\d+\)$", "", field.db_type(connection) or field.rel_db_type(connection) or "")
            values.append(f"p.{pk}::{cast}" if field.column == link_column else f"%s::{cast}")
        returning = quote(_column(model._meta.pk))
        return (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)}) "
            f"SELECT {', '.join(values)}{source} RETURNING {returning} AS id"
        )

    parts = [f"p AS ({insert(parent, f' WHERE {guard}' if guard else '', None)})"]
    parts += [f"c{i} AS ({insert(model, ' FROM p', column)})" for i, (model, column) in enumerate(children)]
    names = ["p", *(f"c{i}" for i in range(len(children)))]
    # Identifiers come from the models and are quoted; every value is a parameter.
    return f"WITH {', '.join(parts)} SELECT {', '.join(f'{n}.id' for n in names)} FROM {', '.join(names)}"  # noqa: S608


def _values(obj: models.Model, connection: BaseDatabaseWrapper, skip: str | None) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in _fields(type(obj)) if f.column != skip]


def insert_family(
    parent: models.Model, children: Sequence[tuple[models.Model, str]], *, guard: Guard | None = None
) -> bool:
    """INSERT `parent` and, for each (child, column), `child` with `column` set to the parent's id.

    With a guard, nothing is written unless its condition holds; returns whether the rows were written.
    The instances get their primary keys and count as saved.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    shape: Shape = (type(parent), tuple((type(c), column) for c, column in children), guard[0] if guard else "")
    params = _values(parent, connection, None)
    if guard is not None:
        params.extend(guard[1])
    for child, column in children:
        params.extend(_values(child, connection, column))
    # Alone, one statement is atomic. Inside a caller's transaction, a savepoint keeps a failed insert from
    # aborting the caller's whole transaction, as the ORM's own atomic writes do.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(_statement(shape, connection.vendor), params)
        row = cursor.fetchone()
    if row is None:
        return False
    for obj, pk_value in zip([parent, *(c for c, _ in children)], row, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
    for child, column in children:
        field = next(f for f in child._meta.concrete_fields if f.column == column)
        setattr(child, field.attname, parent.pk if field.is_relation else field.to_python(parent.pk))
    return True
