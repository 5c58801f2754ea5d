"""Raw view and click events rolled up into daily rows (``DailyCount``), one UTC day at a
time, by the ``analytics_rollup`` stage.

A day is rolled up whole inside one transaction: its derived rows are deleted and written
again from the raw events, the visitor hashes of its events are blanked, and the day is
marked done. A worker killed half-way leaves nothing behind (the transaction is rolled
back) and its lease runs out; the next worker does the same day again, from the same raw
events, to the same rows. Raw events are deleted ``ANALYTICS_RAW_DAYS`` after their day.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q

from florilege.analytics.classify import WEBSUB
from florilege.analytics.contributors import Row, all_contributors
from florilege.analytics.counting import held_since
from florilege.analytics.models import ClickEvent, DailyCount, RollupDay, ViewEvent
from florilege.analytics.services import day_start, forget_salts_before
from florilege.jobs import leases
from florilege.topics.models import Topic

log = logging.getLogger("florilege.analytics")

# A view can wait in a web process's buffer for a few seconds; a day is rolled up only
# once this much of the next day has passed.
GRACE = timedelta(minutes=10)
BATCH = 5000
# Feed followers' rows, counted from the day's hashes: kept when a day is rolled up again.
FEED_KEYS = ("feed", WEBSUB)


def _no_checkpoint(step: str) -> None:
    return None


def rollable_until(now: datetime) -> date:
    """The last day that may be rolled up at ``now``."""
    return (now.astimezone(UTC) - GRACE).date() - timedelta(days=1)


def plan_days(now: datetime) -> int:
    """Make a ``RollupDay`` row for every finished day that has raw events and none yet."""
    last = rollable_until(now)
    oldest = [
        ViewEvent.objects.aggregate(d=Min("at"))["d"],
        ClickEvent.objects.aggregate(d=Min("at"))["d"],
    ]
    starts = [d.astimezone(UTC).date() for d in oldest if d is not None]
    if not starts:
        return 0
    first = min(starts)
    known = set(RollupDay.objects.filter(day__gte=first).values_list("day", flat=True))
    missing = [
        RollupDay(day=first + timedelta(days=i))
        for i in range((last - first).days + 1)
        if first + timedelta(days=i) not in known
    ]
    RollupDay.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def due_days(now: datetime):
    due = RollupDay.objects.filter(done_at__isnull=True, day__lte=rollable_until(now))
    # A day some of whose views a web process handed over but the worker has not yet
    # written is not finished: rolled up now, it would miss them for ever.
    held = held_since()
    if held is not None:
        due = due.filter(day__lt=held.astimezone(UTC).date())
    return due


def _feed_rows(start: datetime, end: datetime) -> Iterable[Row]:
    """Followers by feed: a service that reports a count (Feedly's "42 subscribers") counts
    its largest report of the day; each other reader fetching (a Miniflux, a desktop app)
    counts once."""
    fetches = ViewEvent.objects.filter(at__gte=start, at__lt=end, device="feed")
    totals: Counter[int] = Counter()
    hubs: Counter[int] = Counter()  # of which through WebSub hubs
    for r in fetches.values("topic_id", "referrer_host").annotate(
        most=Max("subscribers"), readers=Count("visitor", distinct=True, filter=~Q(visitor=""))
    ):
        n = r["most"] if (r["most"] or 0) > 1 else r["readers"]
        totals[r["topic_id"]] += n
        if r["referrer_host"] == WEBSUB:
            hubs[r["topic_id"]] += n
    for topic_id, n in totals.items():
        yield (topic_id, "followers", "feed", n)
        if hubs[topic_id]:
            yield (topic_id, "followers", WEBSUB, hubs[topic_id])


def _view_rows(start: datetime, end: datetime, hashed: bool) -> Iterable[Row]:
    views = ViewEvent.objects.filter(at__gte=start, at__lt=end).exclude(device="feed")
    for r in views.values("topic_id").annotate(
        n=Count("id"), v=Count("visitor", distinct=True, filter=~Q(visitor=""))
    ):
        yield (r["topic_id"], "views", "", r["n"])
        if r["v"] and hashed:
            yield (r["topic_id"], "visitors", "", r["v"])
    grouped = (
        ("scoop_views", "scoop_id", Q(scoop_id__isnull=False)),
        ("tag_views", "tag", ~Q(tag="")),
        ("referrer", "referrer", ~Q(referrer="")),
        ("ref_host", "referrer_host", ~Q(referrer_host="")),
        ("device", "device", ~Q(device="")),
    )
    for kind, field, present in grouped:
        for r in views.filter(present).values("topic_id", field).annotate(n=Count("id")):
            yield (r["topic_id"], kind, str(r[field])[:120], r["n"])


def _zones(topic_ids: set[int]) -> dict[int, zoneinfo.ZoneInfo]:
    zones: dict[int, zoneinfo.ZoneInfo] = {}
    for pk, name in Topic.objects.filter(pk__in=topic_ids).values_list("pk", "time_zone"):
        try:
            zones[pk] = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zones[pk] = zoneinfo.ZoneInfo("UTC")
    return zones


def _click_rows(start: datetime, end: datetime) -> Iterable[Row]:
    clicks = ClickEvent.objects.filter(at__gte=start, at__lt=end)
    grouped = (
        ("clicks", None, Q()),
        ("scoop_clicks", "scoop_id", Q()),
        ("via_clicks", "via", ~Q(via="")),
        ("edition_clicks", "edition", Q(edition__isnull=False)),
    )
    for kind, field, present in grouped:
        fields = ["topic_id"] + ([field] if field else [])
        for r in clicks.filter(present).values(*fields).annotate(n=Count("id")):
            yield (r["topic_id"], kind, str(r[field]) if field else "", r["n"])
    # Best time to publish: clicks by weekday and hour in the topic's own time zone.
    hours = clicks.values("topic_id", "at__hour").annotate(n=Count("id"))
    zones = _zones({r["topic_id"] for r in hours})
    cells: Counter[tuple[int, str]] = Counter()
    for r in hours:
        at = start.replace(hour=r["at__hour"]).astimezone(zones[r["topic_id"]])
        cells[(r["topic_id"], f"{at.weekday()}-{at.hour:02d}")] += r["n"]
    for (topic_id, cell), n in cells.items():
        yield (topic_id, "click_hour", cell, n)


def _local_hours(rows: list[Row], start: datetime) -> list[Row]:
    """Contributors give engagement by UTC hour ("engage_utc"): moved here into the
    topic's weekday and hour, as clicks are."""
    utc = [r for r in rows if r[1] == "engage_utc"]
    if not utc:
        return rows
    zones = _zones({r[0] for r in utc})
    out = [r for r in rows if r[1] != "engage_utc"]
    for topic_id, _kind, hour, n in utc:
        at = start.replace(hour=int(hour)).astimezone(zones[topic_id])
        out.append((topic_id, "engage_hour", f"{at.weekday()}-{at.hour:02d}", n))
    return out


def roll_up(day: date, checkpoint: Callable[[str], None] = _no_checkpoint) -> int:
    """Replace ``day``'s daily rows with what its raw events (and contributors) say; the
    number of raw events read. ``checkpoint`` is called between steps (tests stop there)."""
    start = day_start(day)
    end = start + timedelta(days=1)
    with transaction.atomic():
        views = ViewEvent.objects.filter(at__gte=start, at__lt=end)
        # Once a day's hashes are blanked its visitors cannot be counted again: a second
        # rollup of the day keeps the first one's visitor and feed-reader rows.
        hashed = not RollupDay.objects.filter(day=day, done_at__isnull=False).exists()
        again = DailyCount.objects.filter(day=day)
        if not hashed:
            again = again.exclude(kind="visitors").exclude(kind="followers", key__in=FEED_KEYS)
        again.delete()
        checkpoint("deleted")
        rows: list[Row] = [*_view_rows(start, end, hashed), *_click_rows(start, end)]
        if hashed:
            rows.extend(_feed_rows(start, end))
        for name, contributor in all_contributors().items():
            try:
                rows.extend(contributor(start, end))
            except Exception:  # one app's broken figure must not stop the others'
                log.warning("event=contributor_failed name=%s day=%s", name, day, exc_info=True)
        merged: Counter[tuple[int, str, str]] = Counter()
        for topic_id, kind, key, value in _local_hours(rows, start):
            merged[(topic_id, kind, key[:120])] += value
        DailyCount.objects.bulk_create(
            [DailyCount(topic_id=t, day=day, kind=k, key=key, value=v)
             for (t, k, key), v in merged.items()],
            batch_size=BATCH,
        )  # fmt: skip
        checkpoint("counted")
        events = views.count() + ClickEvent.objects.filter(at__gte=start, at__lt=end).count()
        # The day's hashes have served (its visitors are counted): nothing left to link.
        views.exclude(visitor="").update(visitor="")
        checkpoint("blanked")
        RollupDay.objects.update_or_create(
            day=day,
            defaults={"done_at": datetime.now(UTC), "events": events, "leased_until": None},
        )
    return events


def prune(now: datetime) -> int:
    """Delete raw events older than the retention, of rolled-up days only."""
    keep = settings.CONFIG.ANALYTICS_RAW_DAYS
    done = RollupDay.objects.filter(done_at__isnull=False)
    limit = day_start(now.astimezone(UTC).date() - timedelta(days=keep))
    deleted = 0
    for day in done.filter(day__lt=limit.date()).values_list("day", flat=True)[:31]:
        start = day_start(day)
        span = {"at__gte": start, "at__lt": start + timedelta(days=1)}
        deleted += ViewEvent.objects.filter(**span).delete()[0]
        deleted += ClickEvent.objects.filter(**span).delete()[0]
    return deleted


def rollup_cycle(now: datetime, owner: str, limit: int = 3,
                 checkpoint: Callable[[str], None] = _no_checkpoint) -> int:  # fmt: skip
    """One batch: plan, lease and roll up due days, prune; raw events rolled up."""
    forget_salts_before(now.astimezone(UTC).date())
    plan_days(now)
    days = leases.claim(due_days(now).order_by("day"), now=now, limit=limit, owner=owner)
    events = 0
    for row in days:
        if not leases.owned(RollupDay, row.pk, owner).exists():
            continue  # the lease ran out and another worker has the day
        events += roll_up(row.day, checkpoint)
    prune(now)
    return events
