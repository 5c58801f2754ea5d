"""Counting a public page's view as it is served: by the view itself, and by the page cache
when it answers in the view's place (so a cached page counts exactly as a rendered one).

A view becomes one ``ViewEvent`` row. With ``ANALYTICS_BUFFER_EVENTS`` at 1 each view is
written as it is served (one INSERT: the request's only write). Above 1, a request only
notes the view (its target, its time and a few of its headers, appended to a list of this
process) and a thread of the process takes the notes every ``ANALYTICS_BUFFER_SECONDS``:
it leaves out robots, hashes the visitor, buckets the referrer and the device, and writes
the batch as one ``HeldViews`` row; the worker's ``analytics_views`` stage makes it into
``ViewEvent`` rows. So a reader's request adds neither a write nor any of that work, which
is what a page served from the cache in ~0.1 ms can afford, and the web process itself
spends one INSERT per batch, the row-by-row writing being the worker's. With 0 seconds (no
thread) the request that fills the buffer writes the batch. Whatever a process still holds
when it exits is written then.

The address stays in the process's memory until the batch is written (seconds), never
longer, and never leaves it: rows, held ones included, have only its keyed hash
(``services.topic_visitor``).

Its own module, below both the views and the cache, so neither reaches into the other.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django import db
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Min
from django.http import HttpRequest
from django.utils import timezone

from florilege.analytics.classify import (
    device_of,
    feed_subscribers,
    referrer_bucket,
    referrer_host,
)
from florilege.analytics.models import HeldViews, ViewEvent
from florilege.analytics.services import daily_salt, is_probably_bot, topic_visitor
from florilege.jobs import leases
from florilege.lib.client import client_address
from florilege.topics.models import Topic

log = logging.getLogger("florilege.analytics")


@dataclass(frozen=True)
class Target:
    """What a page view counts for: its topic, and the scoop or tag page within it."""

    topic_id: int
    scoop_id: int | None = None
    tag: str = ""
    feed: bool = False  # a feed fetch: counts followers by feed, not views


# What a view keeps of its request until it is written: these headers, as sent.
HEADERS = (
    "REMOTE_ADDR", "HTTP_X_FORWARDED_FOR", "HTTP_USER_AGENT", "HTTP_REFERER", "HTTP_HOST",
    "HTTP_DNT", "HTTP_SEC_GPC",
)  # fmt: skip
# A view waiting to be written: its target's fields, when, and its HEADERS' values (None if
# absent). Plain tuples of strings, numbers and a datetime only, which the garbage collector
# stops tracking at its first pass: held by the thousand, tracked objects (a Target is one)
# would be promoted to the oldest generation and bring on its full collections, each
# 0.1-0.2 s of a web process's time, several times as often.
Held = tuple[tuple[int, int | None, str, bool], datetime, tuple[Any, ...]]
# Views a process holds at most; past it (the database has not taken a write for a long
# while) new views are dropped and the loss logged, rather than a reader's request
# waiting for the database or the process's memory growing without end.
HELD_LIMIT = 200_000

# Views per held row: each chunk's work (hashing, buckets, JSON) holds the interpreter for
# about a millisecond, so requests wait no longer than that for the writer.
HAND_OVER_VIEWS = 1000

# Appended to by requests without a lock (list.append is atomic in CPython); taken by
# flush(), which removes only what it copied.
_pending: list[Held] = []
_lock = threading.Lock()  # one writer at a time
_dropped = [0]


def refuses_tracking(meta: Mapping[str, Any]) -> bool:
    """``DNT: 1`` or ``Sec-GPC: 1``: the view is counted, the reader never as a visitor."""
    dnt, gpc = meta.get("HTTP_DNT") or "", meta.get("HTTP_SEC_GPC") or ""
    return dnt.strip() == "1" or gpc.strip() == "1"


def own_host() -> str:
    """The site's host (a referrer from it is a reader moving around, not a referral)."""
    return settings.BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()


# Readers' browsers and referrers repeat: each distinct one is classified once per process.
@functools.lru_cache(maxsize=4096)
def _agent(user_agent: str) -> tuple[bool, str]:
    return is_probably_bot(user_agent), device_of(user_agent)


@functools.lru_cache(maxsize=4096)
def _referral(referer: str, host_header: str, own: str) -> tuple[str, str]:
    # The request's own Host counts as ours too: a site reached under another name than
    # BASE_URL still refers to itself.
    host = referrer_host(referer)
    asked = host_header.rsplit(":", 1)[0].lower().removeprefix("www.")
    bucket = referrer_bucket(host, asked if host and host == asked else own)
    # Our own host and direct visits say nothing worth keeping.
    return bucket, host if bucket != "direct" else ""


def wanted(meta: Mapping[str, Any], target: Target) -> bool:
    """Whether this request is counted at all: no robots on pages; on feeds, feed readers
    (most of them robots by their user agent) and nothing that asks not to be followed."""
    user_agent = str(meta.get("HTTP_USER_AGENT") or "")
    if target.feed:
        return bool(user_agent) and not refuses_tracking(meta)
    return not _agent(user_agent)[0]


# The columns of a ViewEvent row, in the order _row() gives them.
COLUMNS = (
    "topic_id", "scoop_id", "tag", "at", "visitor", "referrer", "referrer_host", "device",
    "subscribers",
)  # fmt: skip


def _feed_row(meta: Mapping[str, Any], target: Target, at: Any, salt: str) -> tuple | None:
    """A held fetch of a feed as a row of COLUMNS; None when it is not counted."""
    if not wanted(meta, target):
        return None
    user_agent = str(meta.get("HTTP_USER_AGENT") or "")
    visitor = ""
    if not refuses_tracking(meta):
        visitor = topic_visitor(target.topic_id, client_address(meta), user_agent, salt)
    service, subscribers = feed_subscribers(user_agent) or ("", 1)
    return (target.topic_id, None, "", at, visitor, "", service, "feed", subscribers)


def _time_adapter() -> Callable[[datetime], Any]:
    """How a view's time goes into the database: SQLite keeps it as the text of the naive
    time in the connection's zone, which Django's adapter gives after checks costing more
    than the rest of the row; the same conversion without them. Other databases take it
    through Django's adapter."""
    if connection.vendor != "sqlite":
        return connection.ops.adapt_datetimefield_value
    zone = connection.timezone
    return lambda at: str(at.astimezone(zone).replace(tzinfo=None))


def _rows(batch: list[Held], adapt: Callable[[datetime], Any]) -> list[tuple]:
    """The rows of held views, robots left out (``at`` as ``adapt`` gives it)."""
    own = own_host()
    salts: dict[date, str] = {}
    # A reader's views of one topic in one batch (a reload, the next page) share a hash.
    visitors: dict[tuple, str] = {}
    rows = []
    for fields, at, values in batch:
        topic_id, scoop_id, tag, feed = fields
        # Views are noted in UTC (timezone.now()): the day without a conversion.
        day = at.date() if at.tzinfo is UTC else at.astimezone(UTC).date()
        if day not in salts:
            salts[day] = daily_salt(day)
        if feed:
            meta = {k: v for k, v in zip(HEADERS, values, strict=True) if v is not None}
            row = _feed_row(meta, Target(*fields), adapt(at), salts[day])
            if row is not None:
                rows.append(row)
            continue
        address, forwarded, user_agent, referer, host, dnt, gpc = values
        user_agent = user_agent or ""
        robot, device = _agent(user_agent)
        if robot:
            continue
        visitor = ""
        if (dnt is None or dnt.strip() != "1") and (gpc is None or gpc.strip() != "1"):
            key = (topic_id, address, forwarded, user_agent, day)
            found = visitors.get(key)
            if found is None:
                sent = {"REMOTE_ADDR": address or "", "HTTP_X_FORWARDED_FOR": forwarded or ""}
                found = visitors[key] = topic_visitor(
                    topic_id, client_address(sent), user_agent, salts[day]
                )
            visitor = found
        bucket, referring_host = _referral(referer or "", host or "", own)
        rows.append((topic_id, scoop_id, tag[:100], adapt(at), visitor,
                     bucket, referring_host, device, None))  # fmt: skip
    return rows


def _insert(rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    table = quote(ViewEvent._meta.db_table)
    columns = ", ".join(quote(c) for c in COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one statement for the whole batch. INSERT by INSERT (even pipelined),
            # the server parses and plans each row, which costs more than the page views
            # themselves on a machine the server shares with the web processes.
            _commit_without_waiting_for_disk()
            # The driver's own cursor, so its errors are turned into Django's by hand.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            table, columns, ", ".join(["%s"] * len(COLUMNS))
        )
        cursor.executemany(sql, rows)


def _threaded() -> bool:
    config = settings.CONFIG
    return config.ANALYTICS_BUFFER_EVENTS > 1 and config.ANALYTICS_BUFFER_SECONDS > 0


# The writer thread while it runs: it empties the list itself when it ends, however it
# ends, so a page served from the cache only looks at the list (asking the thread whether
# it is alive costs more than the rest of counting a view). A forked child has no thread.
_flusher: list[threading.Thread] = []


def _after_fork_in_child() -> None:
    # The parent's writer thread is not in the child, its lock may have been held by it,
    # and its held views are the parent's to write (the child would write them twice).
    global _lock
    _lock = threading.Lock()
    _flusher.clear()
    _pending.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _flush_loop() -> None:
    try:
        while True:
            time.sleep(max(settings.CONFIG.ANALYTICS_BUFFER_SECONDS, 0.1))
            if not _threaded():  # the settings changed (tests do): requests write again
                return
            try:
                flush()
            except Exception:  # the thread must outlive one bad batch
                log.warning("event=views_flush_failed", exc_info=True)
            finally:
                # Each thread has its own connection: give it back between batches.
                db.connection.close()
    finally:
        with _lock:
            if _flusher and _flusher[0] is threading.current_thread():
                _flusher.clear()


def _ensure_flusher() -> None:
    if _flusher:
        return
    with _lock:
        if _flusher:
            return
        thread = threading.Thread(target=_flush_loop, name="florilege-views", daemon=True)
        # Started before it takes the slot: a thread that could not start (no threads or
        # memory left) leaves the slot empty, and the next view tries again. The thread
        # cannot end before it is in the slot: its last step waits for this lock.
        thread.start()
        _flusher[:] = [thread]


def _hold(meta: Mapping[str, Any], target: Target, now: datetime) -> None:
    if len(_pending) >= HELD_LIMIT:
        _dropped[0] += 1
        return
    fields = (target.topic_id, target.scoop_id, target.tag, target.feed)
    _pending.append((fields, now, tuple(map(meta.get, HEADERS))))


def flush() -> int:
    """Write every waiting view (one transaction); how many views were written.

    Buffered (``ANALYTICS_BUFFER_EVENTS`` above 1) they go as ``HeldViews`` rows (one per
    ``HAND_OVER_VIEWS``), which the worker's ``analytics_views`` stage makes into
    ``ViewEvent`` rows; otherwise (one view, written by its request) straight as a
    ``ViewEvent`` row."""
    with _lock:
        batch = _pending[:]
        # Only what was copied: views appended meanwhile stay for the next write.
        del _pending[: len(batch)]
        if _dropped[0]:
            log.warning("event=views_not_counted reason=backlog n=%d", _dropped[0])
            _dropped[0] = 0
        if not batch:
            return 0
        handed = 0
        try:
            if settings.CONFIG.ANALYTICS_BUFFER_EVENTS > 1:
                written = 0
                for start in range(0, len(batch), HAND_OVER_VIEWS):
                    rows = _rows(batch[start : start + HAND_OVER_VIEWS], _epoch)
                    if rows:
                        _hand_over(rows)
                    written += len(rows)
                    handed = start + HAND_OVER_VIEWS
                    # Let the request threads have the interpreter between two chunks:
                    # the JSON encoder holds it throughout, and a busy process's two
                    # seconds of views (tens of thousands) in one go were a pause of tens
                    # of milliseconds for every request waiting.
                    time.sleep(0)
                return written
            rows = _rows(batch, _time_adapter())
            if rows:
                _insert(rows)
        except DatabaseError:
            # A busy embedded database (the worker writing) must not fail a reader's page:
            # a few views uncounted is the better loss (chunks handed over before stay).
            log.warning("event=views_not_counted n=%d", len(batch) - handed, exc_info=True)
            return 0
    return len(rows)


def _epoch(at: datetime) -> float:
    return at.timestamp()


def _hand_over(rows: list[tuple]) -> None:
    """One row for the worker: the views' rows as JSON, their time in epoch seconds."""
    first = datetime.fromtimestamp(min(row[3] for row in rows), tz=UTC)
    held = HeldViews(
        written_at=timezone.now(),
        first_at=first,
        views=len(rows),
        rows=json.dumps(rows, separators=(",", ":")),
    )
    if connection.vendor != "postgresql":
        held.save()
        return
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        held.save()


def _commit_without_waiting_for_disk() -> None:
    """On PostgreSQL, the current transaction's commit does not wait for its WAL to reach
    the disk: a crash of the server could lose the last fraction of a second of views,
    never corrupt anything, and a process writing views every few seconds does not wait
    on a disk flush each time (nor adds one to the server's)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


@dataclass
class Written:
    """What one batch of the ``analytics_views`` stage did."""

    held: int = 0  # held rows taken (and deleted)
    views: int = 0  # ViewEvent rows written


def write_held(limit: int) -> int:
    """Up to ``limit`` held rows made into ``ViewEvent`` rows and deleted; how many views
    were written (see :func:`write_held_batch`)."""
    return write_held_batch(limit).views


def write_held_batch(limit: int) -> Written:
    """The ``analytics_views`` stage's batch: up to ``limit`` held rows made into
    ``ViewEvent`` rows and deleted, all in one transaction (a worker killed halfway leaves
    them held, to be written whole by the next). Views of a topic deleted meanwhile are
    left out. If the database refuses the batch, each held row is tried alone, and one it
    still refuses is dropped with a warning: a bad row must not hold every later view (and,
    through the rollup's wait for held views, every later day) for ever."""
    try:
        with transaction.atomic():
            held = leases.lock(HeldViews.objects.order_by("pk"), limit)
            return Written(len(held), _write(held))
    except (DatabaseError, OverflowError, ValueError, TypeError):
        log.warning("event=held_views_batch_refused limit=%d", limit, exc_info=True)
    done = Written()
    for pk in HeldViews.objects.order_by("pk").values_list("pk", flat=True)[:limit]:
        try:
            with transaction.atomic():
                one = leases.lock(HeldViews.objects.filter(pk=pk), 1)
                done.views += _write(one)
        except (DatabaseError, OverflowError, ValueError, TypeError):
            log.warning("event=held_views_dropped id=%s", pk, exc_info=True)
            HeldViews.objects.filter(pk=pk).delete()
        done.held += 1
    return done


def _write(held: list[HeldViews]) -> int:
    """Write the views of ``held`` and delete them (inside the caller's transaction)."""
    if not held:
        return 0
    rows = [row for h in held for row in _held_rows(h)]
    topics = set(Topic.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", flat=True))
    adapt = _time_adapter()
    kept = [
        (r[0], r[1], r[2], adapt(datetime.fromtimestamp(r[3], tz=UTC)), *r[4:])
        for r in rows
        if r[0] in topics
    ]
    if kept:
        _insert(kept)
    HeldViews.objects.filter(pk__in=[h.pk for h in held]).delete()
    return len(kept)


def _held_rows(held: HeldViews) -> list[list[Any]]:
    try:
        rows = json.loads(held.rows)
        if isinstance(rows, list) and all(
            isinstance(r, list) and len(r) == len(COLUMNS) for r in rows
        ):
            return rows
    except ValueError:
        pass
    # Only this module writes these rows, so this is damage (a hand edit, a disk error):
    # written off, with a trace, rather than failing the stage on every cycle.
    log.warning("event=held_views_unreadable id=%s views=%s", held.pk, held.views)
    return []


def held_since() -> datetime | None:
    """The earliest view still held for the worker (a day from then on is not finished)."""
    return HeldViews.objects.aggregate(first=Min("first_at"))["first"]


atexit.register(lambda: _safe_flush())


def _safe_flush() -> None:
    try:
        flush()
    except Exception:  # the interpreter is going away; nothing more to do
        log.warning("event=views_lost_at_exit", exc_info=True)


def counted_without_db(meta: Mapping[str, Any], target: Target, now: datetime) -> bool:
    """Count this view if it needs no database (the page cache's WSGI front calls this):
    True if done — a view noted for the writer thread, or a robot; False when the request
    must go through Django, where :func:`count` writes (no writer thread, and a write is
    due)."""
    config = settings.CONFIG
    if not config.ANALYTICS_ENABLED:
        return True
    if config.ANALYTICS_BUFFER_EVENTS > 1 and config.ANALYTICS_BUFFER_SECONDS > 0:  # threaded
        _hold(meta, target, now)
        _ensure_flusher()
        return True
    if not wanted(meta, target):
        return True
    if config.ANALYTICS_BUFFER_EVENTS <= 1 or len(_pending) + 1 >= config.ANALYTICS_BUFFER_EVENTS:
        return False
    _hold(meta, target, now)
    return True


def count(meta: Mapping[str, Any], target: Target, now: datetime | None = None) -> None:
    """Count one view (from a view or a cache hit inside Django)."""
    config = settings.CONFIG
    if not config.ANALYTICS_ENABLED:
        return
    _hold(meta, target, now or timezone.now())
    if config.ANALYTICS_BUFFER_EVENTS > 1 and config.ANALYTICS_BUFFER_SECONDS > 0:  # threaded
        _ensure_flusher()
    elif len(_pending) >= config.ANALYTICS_BUFFER_EVENTS:
        flush()


def count_view_of(request: HttpRequest, target: Target | int) -> None:
    """Count a view of a page served from the cache (no Topic loaded)."""
    count(request.META, target if isinstance(target, Target) else Target(target))


def count_view(
    request: HttpRequest,
    topic: Topic,
    scoop_id: int | None = None,
    tag: str = "",
    *,
    feed: bool = False,
) -> Target:
    """Count a view of a rendered page (or a fetch of a topic's feed); the target, for the
    page cache to count its hits of the same page."""
    target = Target(topic.pk, scoop_id, tag, feed)
    count(request.META, target)
    return target


def forget_counted() -> None:
    """Drop the views waiting in this process: a topic was deleted, and a waiting view of
    it would fail the whole batch (a topic deletion is rare; a few views are the cost)."""
    with _lock:
        _pending.clear()
        _dropped[0] = 0
