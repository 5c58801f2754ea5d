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
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper

# Rows per INSERT, under SQLite's 32,766 bound variables for the widest table written.
MAX_PARAMS = 30_000


def _converter(field: models.Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    if isinstance(field, models.DateTimeField):
        # Memoised: a member's 16 LSH bands, or a batch's suggestions, share one date.
        return functools.lru_cache(maxsize=1024)(connection.ops.adapt_datetimefield_value)
    if isinstance(field, models.CharField | models.TextField | models.IntegerField):
        return lambda value: value
    if isinstance(field, models.ForeignKey | models.FloatField):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def _column(field: models.Field) -> str:
    if field.column is None:  # concrete fields always have one
        raise TypeError(f"{field} has no column")
    return field.column


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (field attribute name -> value; every row gives the same names)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    # A primary key the database numbers is left to it; one given (a one-to-one key) is not.
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    given = set(rows[0])
    defaults = {
        f.attname: f.get_db_prep_save(f.get_default(), connection)
        for f in fields
        if f.attname not in given
    }
    convert = {f.attname: _converter(f, connection) for f in fields if f.attname in given}
    columns = ", ".join(quote(_column(f)) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    insert = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {{rows}} "
    insert += "ON CONFLICT DO NOTHING"
    per_insert = max(1, MAX_PARAMS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_insert):
            part = rows[start : start + per_insert]
            params: list[Any] = []
            for values in part:
                params += [
                    convert[f.attname](values[f.attname])
                    if f.attname in convert
                    else defaults[f.attname]
                    for f in fields
                ]
            cursor.execute(insert.format(rows=", ".join([row] * len(part))), params)
