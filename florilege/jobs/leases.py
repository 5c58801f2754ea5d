"""The one lease primitive: how every background stage claims its rows.

Work that outlives a request is a row whose own columns say when it is due and who holds
it. A stage *claims* a batch: on PostgreSQL under ``SELECT … FOR UPDATE SKIP LOCKED``, so
workers on several hosts take different rows without waiting for each other; on SQLite
inside the immediate transaction the settings open (one writer at a time, so the select
and the update cannot interleave with another worker's). A claimed row carries an expiry
(``leased_until``) and, where the table has one, its owner; a worker that dies leaves the
lease to run out and the row due again, and a worker whose lease ran out finds, through
:func:`owned`, that the row is no longer its to record.

Stages that do all their work inside one transaction (scoring a batch of entries, publishing
scheduled scoops) *lock* instead: the rows stay locked until the transaction ends, and other
workers skip them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Q

M = TypeVar("M", bound=models.Model)


def worker_id() -> str:
    """Who holds a lease: host and process, readable in the database by an operator."""
    return f"{socket.gethostname()}:{os.getpid()}"


def default_lease() -> timedelta:
    """The lease every stage takes unless it declares its own (one setting, no drift)."""
    return timedelta(seconds=settings.CONFIG.WORKER_LEASE_SECONDS)


def lock(
    queryset: models.QuerySet[M], limit: int, *, of: Sequence[str] = ()
) -> list[M]:
    """Up to ``limit`` rows of ``queryset``, locked until the caller's transaction ends;
    rows another worker holds are skipped. Call inside ``transaction.atomic()``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("leases.lock() holds rows until the transaction ends: open one")
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=tuple(of))
    elif connection.features.has_select_for_update:
        queryset = queryset.select_for_update(of=tuple(of))
    # SQLite has no row locks: the immediate transaction already excludes other writers.
    return list(queryset[:limit])


def free(now: datetime, lease_field: str = "leased_until") -> Q:
    """Rows nobody holds: never leased, or whose lease has run out."""
    return Q(**{f"{lease_field}__isnull": True}) | Q(**{f"{lease_field}__lt": now})


def claim(
    queryset: models.QuerySet[M],
    *,
    now: datetime,
    limit: int,
    lease: timedelta | None = None,
    owner: str | None = None,
    lease_field: str = "leased_until",
    owner_field: str | None = "lease_owner",
    only_free: bool = True,
    of: Sequence[str] = (),
    also_set: dict[str, Any] | None = None,
) -> list[M]:
    """Lease up to ``limit`` due rows of ``queryset`` (already filtered and ordered) to
    ``owner`` until ``now + lease``, and return them as they were read.

    ``only_free`` adds "not held by anyone" to the filter; a caller whose filter already
    says which held rows it may take over (an expired ``sending`` state) turns it off.
    ``also_set`` is written with the lease in the same UPDATE (a status change).
    """
    until = now + (lease if lease is not None else default_lease())
    if only_free:
        queryset = queryset.filter(free(now, lease_field))
    values: dict[str, Any] = {lease_field: until, **(also_set or {})}
    if owner_field is not None:
        values[owner_field] = owner or worker_id()
    with transaction.atomic():
        rows = lock(queryset, limit, of=of)
        if rows:
            model = queryset.model
            model._default_manager.filter(pk__in=[r.pk for r in rows]).update(**values)
    return rows


def owned(
    model: type[M], pk: Any, owner: str, owner_field: str = "lease_owner"
) -> models.QuerySet[M]:
    """The row, if ``owner`` still holds it: a worker whose lease ran out (and another
    took the row) must not record over the newer holder's result."""
    return model._default_manager.filter(pk=pk, **{owner_field: owner})


def backoff(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """``base`` after the first failure, doubling with each one after, at most ``cap``."""
    return min(base * (2 ** max(0, min(attempts - 1, 30))), cap)
