"""Bounded growth: entries nobody will read again, deleted in small batches.

An entry fetched more than ``FLORILEGE_RETAIN_ENTRIES_DAYS`` ago that no topic scooped goes,
with what hangs on it (its vector, its story membership and bands, its suggestions, read
marks); a story left without members goes too, and the others get their size back. Each
batch is one short transaction over a few hundred entries whose rows are locked with
``SKIP LOCKED`` (``jobs.leases.lock``), so two workers share the work and readers of the hot
tables never wait: PostgreSQL's readers do not block on row locks, and a batch holds them
for a fraction of a second.

Off (0) by default: deleting what a curator may still search for is a decision an operator
takes knowing their sources; docs/operations.md says how to size it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from florilege.analytics.retention import raw_rows_due, sweep_raw_rows
from florilege.curation.models import Scoop
from florilege.jobs import leases
from florilege.sources.models import Entry
from florilege.suggestions.story_models import Story, StoryMember

# Entries per transaction: small enough that a batch's locks and deletes last well under a
# second on PostgreSQL, large enough that a year's backlog clears in minutes.
ENTRY_BATCH = 500
# Raw analytics rows per table per run.
RAW_BATCH = 5000
# The backlog counts at most this many expired entries (the status page asks every time).
BACKLOG_CAP = 100_000


@dataclass(frozen=True)
class Swept:
    entries: int = 0
    stories: int = 0
    raw_rows: int = 0

    @property
    def total(self) -> int:
        return self.entries + self.raw_rows


def retention_days() -> int:
    return settings.CONFIG.RETAIN_ENTRIES_DAYS


def expired_entries(now: datetime, days: int) -> QuerySet[Entry]:
    """Entries fetched before the cut-off that no scoop uses, oldest first."""
    scooped = Scoop.objects.filter(entry=OuterRef("pk"))
    return (
        Entry.objects.filter(fetched_at__lt=now - timedelta(days=days))
        .exclude(Exists(scooped))
        .order_by("fetched_at", "pk")
    )


def delete_entries(now: datetime, days: int, batch: int = ENTRY_BATCH) -> tuple[int, int]:
    """One batch: (entries deleted, empty stories deleted)."""
    with transaction.atomic():
        rows = leases.lock(expired_entries(now, days).only("pk"), batch)
        if not rows:
            return 0, 0
        ids = [row.pk for row in rows]
        stories = set(
            StoryMember.objects.filter(entry_id__in=ids).values_list("story_id", flat=True)
        )
        # Django's collector deletes what cascades from the entries (and nulls what is
        # SET_NULL), whichever app added the relation.
        Entry.objects.filter(pk__in=ids).delete()
        return len(ids), _tidy_stories(stories)


def _tidy_stories(story_ids: set[int]) -> int:
    """Stories that lost members: the empty ones deleted, the others' size recounted."""
    if not story_ids:
        return 0
    touched = Story.objects.filter(pk__in=story_ids)
    members = (
        StoryMember.objects.filter(story=OuterRef("pk"))
        .order_by()
        .values("story")
        .annotate(n=Count("pk"))
        .values("n")
    )
    touched.update(size=Coalesce(Subquery(members), 0))
    _, by_model = touched.filter(size=0).delete()
    return by_model.get(Story._meta.label, 0)


def sweep(now: datetime) -> Swept:
    """One run of the stage: a batch of entries (when retention is on) and of raw rows."""
    entries = stories = 0
    days = retention_days()
    if days > 0:
        entries, stories = delete_entries(now, days)
    return Swept(entries, stories, sweep_raw_rows(now, RAW_BATCH))


def backlog(now: datetime) -> tuple[int, datetime | None]:
    """(rows due, fetch time of the oldest expired entry)."""
    due = raw_rows_due(now)
    days = retention_days()
    if days <= 0:
        return due, None
    expired = expired_entries(now, days)
    due += expired.values("pk")[:BACKLOG_CAP].count()
    oldest = expired.values_list("fetched_at", flat=True).first()
    return due, oldest
