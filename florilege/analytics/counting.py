"""Counting a public page's view as it is served: by the view itself, and by the page cache
when it answers in the view's place (so a cached page counts exactly as a rendered one).

A view is one ``ViewEvent`` row. With ``ANALYTICS_BUFFER_EVENTS`` at 1 each view is written
as it is served (one INSERT: the request's only write). Above 1, views wait in a small
per-process buffer that a thread of the process writes every ``ANALYTICS_BUFFER_SECONDS``
(one INSERT for all of them), so a reader's request adds no write at all; a request writes
the buffer itself only when the thread has fallen far behind. Whatever a process still
holds when it exits is written then.

Its own module, below both the views and the cache, so neither reaches into the other.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import db
from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from florilege.analytics.classify import (
    device_of,
    feed_subscribers,
    referrer_bucket,
    referrer_host,
)
from florilege.analytics.models import ViewEvent
from florilege.analytics.services import (
    daily_salt,
    is_probably_bot,
    known_salt,
    topic_visitor,
)
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


_lock = threading.Lock()
_pending: list[ViewEvent] = []


def refuses_tracking(meta: Mapping[str, Any]) -> bool:
    """``DNT: 1`` or ``Sec-GPC: 1``: the view is counted, the reader never as a visitor."""
    return meta.get("HTTP_DNT", "").strip() == "1" or meta.get("HTTP_SEC_GPC", "").strip() == "1"


def own_host() -> str:
    """The site's host (a referrer from it is a reader moving around, not a referral)."""
    return settings.BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()


def _bucket(meta: Mapping[str, Any]) -> tuple[str, str]:
    # The request's own Host counts as ours too: a site reached under another name than
    # BASE_URL still refers to itself.
    host = referrer_host(str(meta.get("HTTP_REFERER", "")))
    asked = str(meta.get("HTTP_HOST", "")).rsplit(":", 1)[0].lower().removeprefix("www.")
    bucket = referrer_bucket(host, asked if host and host == asked else own_host())
    # Our own host and direct visits say nothing worth keeping.
    return bucket, host if bucket != "direct" else ""


def wanted(meta: Mapping[str, Any], target: Target) -> bool:
    """Whether this request is counted at all: no robots on pages; on feeds, feed readers
    (most of them robots by their user agent) and nothing that asks not to be followed."""
    user_agent = str(meta.get("HTTP_USER_AGENT", ""))
    if target.feed:
        return bool(user_agent) and not refuses_tracking(meta)
    return not is_probably_bot(user_agent)


def make_event(meta: Mapping[str, Any], target: Target, now: datetime, salt: str) -> ViewEvent:
    user_agent = str(meta.get("HTTP_USER_AGENT", ""))
    visitor = ""
    if not refuses_tracking(meta):
        visitor = topic_visitor(target.topic_id, client_address(meta), user_agent, salt)
    if target.feed:
        service, subscribers = feed_subscribers(user_agent) or ("", 1)
        return ViewEvent(
            topic_id=target.topic_id, at=now, visitor=visitor, device="feed",
            referrer_host=service, subscribers=subscribers,
        )  # fmt: skip
    bucket, host = _bucket(meta)
    return ViewEvent(
        topic_id=target.topic_id,
        scoop_id=target.scoop_id,
        tag=target.tag[:100],
        at=now,
        visitor=visitor,
        referrer=bucket,
        referrer_host=host,
        device=device_of(user_agent),
    )


# Held views beyond which a request writes them itself (the flusher thread is stuck).
BACKLOG_FACTOR = 20
_flusher: list[threading.Thread] = []


def _flush_due() -> bool:
    """Whether the request at hand must write the buffer."""
    limit = settings.CONFIG.ANALYTICS_BUFFER_EVENTS
    if limit <= 1:
        return True
    if not _threaded():  # no writer thread: the request that fills the buffer writes it
        return len(_pending) >= limit
    return len(_pending) >= limit * BACKLOG_FACTOR


def _threaded() -> bool:
    config = settings.CONFIG
    return config.ANALYTICS_BUFFER_EVENTS > 1 and config.ANALYTICS_BUFFER_SECONDS > 0


def _flush_loop() -> None:
    while True:
        time.sleep(max(settings.CONFIG.ANALYTICS_BUFFER_SECONDS, 0.1))
        if not _threaded():  # the settings changed (tests do): requests write again
            _flusher.clear()
            return
        try:
            flush()
        except Exception:  # the thread must outlive one bad batch
            log.warning("event=views_flush_failed", exc_info=True)
        finally:
            # Each thread has its own connection: give it back between batches.
            db.connection.close()


def _ensure_flusher() -> None:
    if _flusher and _flusher[0].is_alive():
        return
    thread = threading.Thread(target=_flush_loop, name="florilege-views", daemon=True)
    _flusher[:] = [thread]
    thread.start()


def _append(event: ViewEvent) -> None:
    _pending.append(event)
    if _threaded():
        _ensure_flusher()


def flush() -> int:
    """Write every waiting view (one INSERT); how many were written."""
    with _lock:
        batch = _pending[:]
        _pending.clear()
    if not batch:
        return 0
    try:
        with transaction.atomic():
            ViewEvent.objects.bulk_create(batch)
    except DatabaseError:
        # A busy embedded database (the worker writing) must not fail a reader's page:
        # a few views uncounted is the better loss.
        log.warning("event=views_not_counted n=%d", len(batch), exc_info=True)
        return 0
    return len(batch)


atexit.register(lambda: _safe_flush())


def _safe_flush() -> None:
    try:
        flush()
    except Exception:  # the interpreter is going away; nothing more to do
        log.warning("event=views_lost_at_exit", exc_info=True)


def counted_without_db(meta: Mapping[str, Any], target: Target, now: datetime) -> bool:
    """Count this view if it needs no database (the page cache's WSGI front calls this):
    True if done — a robot, or a view added to the buffer with no write due; False when
    the request must go through Django, where :func:`count` may write."""
    if not settings.CONFIG.ANALYTICS_ENABLED:
        return True
    if not wanted(meta, target):
        return True
    salt = known_salt(now.astimezone(UTC).date())
    if salt is None:
        return False
    with _lock:
        if settings.CONFIG.ANALYTICS_BUFFER_EVENTS <= 1 or len(_pending) + 1 >= (
            settings.CONFIG.ANALYTICS_BUFFER_EVENTS * (BACKLOG_FACTOR if _threaded() else 1)
        ):
            return False
        _append(make_event(meta, target, now, salt))
    return True


def count(meta: Mapping[str, Any], target: Target, now: datetime | None = None) -> None:
    """Count one view (from a view or a cache hit inside Django)."""
    if not settings.CONFIG.ANALYTICS_ENABLED:
        return
    if not wanted(meta, target):
        return
    now = now or timezone.now()
    try:
        salt = daily_salt(now.astimezone(UTC).date())
    except DatabaseError:
        log.warning("event=view_not_counted topic=%s", target.topic_id, exc_info=True)
        return
    with _lock:
        _append(make_event(meta, target, now, salt))
        due = _flush_due()
    if due:
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
