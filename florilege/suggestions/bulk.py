"""Multi-row INSERTs for the rows the enrichment and suggestion stages write by thousands.

``bulk_create`` builds a model instance per row and prepares each of its fields one by
one; with 16 LSH bands per entry and a hundred topics per batch that was most of the
stages' database time. Here each column's conversion to the database's form is chosen
once and applied down the column, columns not given get their field's default (prepared
once), and a row that would break a unique constraint is skipped, as
``bulk_create(ignore_conflicts=True)`` does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

# Rows per INSERT, under SQLite's 32,766 bound variables for the widest table written.
MAX_PARAMS = 30_000


def _converter(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any] | None:
    """How ``field``'s values are prepared for the database; None: as they are."""
    if isinstance(field, models.DateTimeField):
        # Memoised: a member's 16 LSH bands, or a batch's suggestions, share one date.
        return functools.lru_cache(maxsize=1024)(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.CharField | models.TextField | models.IntegerField):
        return None
    if isinstance(field, models.ForeignKey | models.FloatField):
        return None
    return functools.partial(_prep_save, field, connection)


def _prep_save(field: models.Field, connection: BaseDatabaseWrapper, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _prepared(
    field: models.Field, connection: BaseDatabaseWrapper, values: Sequence[Any]
) -> Sequence[Any]:
    convert = _converter(field, connection)
    return values if convert is None else list(map(convert, values))


def _column(field: models.Field) -> str:
    if field.column is None:  # concrete fields always have one
        raise TypeError(f"{field} has no column")
    return field.column


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (field attribute name -> value; every row gives the same names)."""
    if not rows:
        return
    names = list(rows[0])
    insert_values(model, names, [tuple(map(row.__getitem__, names)) for row in rows])


def insert_values(
    model: type[models.Model],
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
) -> list[Any]:
    """Insert ``rows``, each the values of the fields ``names`` (attribute names) in that
    order: the form for rows written by tens of thousands (no mapping per row).

    With ``returning``, rows are not skipped on conflict and their primary keys are
    returned in the rows' order, as ``bulk_create`` reads them (``RETURNING``, PostgreSQL
    and SQLite >= 3.35)."""
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    # A primary key the database numbers is left to it; one given (a one-to-one key) is not.
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    given = dict(zip(names, zip(*rows, strict=True), strict=True))
    # Each column converted at once; columns not given get their field's default.
    columns = [
        _prepared(f, connection, given[f.attname])
        if f.attname in given
        else [f.get_db_prep_save(f.get_default(), connection)] * len(rows)
        for f in fields
    ]
    prepared = list(zip(*columns, strict=True))
    names_sql = ", ".join(quote(_column(f)) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({names_sql}) VALUES {{rows}} "
    if returning:
        if model._meta.pk is None or not connection.features.can_return_rows_from_bulk_insert:
            raise NotImplementedError(f"{connection.vendor} cannot return inserted rows")
        insert += f"RETURNING {quote(_column(model._meta.pk))}"
    else:
        insert += "ON CONFLICT DO NOTHING"
    per_insert = max(1, MAX_PARAMS // len(fields))
    keys: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), per_insert):
            part = prepared[start : start + per_insert]
            params = list(chain.from_iterable(part))
            cursor.execute(insert.format(rows=", ".join([row] * len(part))), params)
            if returning:
                keys += [key for (key,) in cursor.fetchall()]
    return keys


def update_values(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Update rows by primary key: each of ``rows`` is (pk, values of the fields ``names``),
    one statement run for all (``executemany``), each value prepared as ``bulk_update``
    prepares it, without building its CASE expression of one branch per row and field."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    by_name = {f.attname: f for f in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    columns = list(zip(*rows, strict=True))
    prepared = [
        _prepared(f, connection, values) for f, values in zip(fields, columns[1:], strict=True)
    ]
    assignments = ", ".join(f"{quote(_column(f))} = %s" for f in fields)
    pk = quote(_column(meta.pk)) if meta.pk is not None else "id"
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {pk} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(zip(*prepared, columns[0], strict=True)))
