"""Cursor pagination: keyset pages, with the position signed into an opaque string.

A cursor names the last row of a page by its sort key; the next page is the rows after
it in the same order. Rows added or removed meanwhile neither repeat nor skip a row, and
a page costs the same at any depth (no OFFSET). Cursors are signed (``django.core.signing``)
so a client cannot forge a position, and carry the name of their list so a cursor of one
list is refused by another.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import Q, QuerySet

from florilege.api.problems import Problem

SALT = "florilege.api.cursor"


def encode(list_name: str, values: list[Any]) -> str:
    return signing.dumps([list_name, values], salt=SALT, compress=True)


def decode(list_name: str, cursor: str, size: int) -> list[Any]:
    try:
        name, values = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise Problem(400, "This cursor is not one this server gave.") from exc
    if name != list_name or not isinstance(values, list) or len(values) != size:
        raise Problem(400, "This cursor belongs to another list.")
    return values


def after(keys: tuple[str, ...], values: list[Any]) -> Q:
    """Rows after ``values`` in the order ``keys`` (Django's ``-field`` for descending)."""
    condition = Q()
    for i in reversed(range(len(keys))):
        field = keys[i].lstrip("-")
        op = "lt" if keys[i].startswith("-") else "gt"
        step = Q(**{f"{field}__{op}": values[i]})
        if i < len(keys) - 1:
            step = step | (Q(**{field: values[i]}) & condition)
        condition = step
    # The same rows, plus a plain range on the first key: the OR alone keeps SQLite from
    # using the index on it (it scanned the whole queue, 4 s at 100,000 pending).
    first = keys[0].lstrip("-")
    bound = "lte" if keys[0].startswith("-") else "gte"
    return Q(**{f"{first}__{bound}": values[0]}) & condition


def page(
    rows: QuerySet, list_name: str, keys: tuple[str, ...], cursor: str | None, limit: int
) -> tuple[list, str | None]:
    """One page of ``rows`` (ordered here by ``keys``) and the cursor of the next, if any."""
    if cursor:
        rows = rows.filter(after(keys, decode(list_name, cursor, len(keys))))
    found = list(rows.order_by(*keys)[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    if not more:
        return found, None
    last = found[-1]
    return found, encode(list_name, [getattr(last, k.lstrip("-")) for k in keys])
