"""Counting a public page's view as it is served: by the view itself, and by the page cache
when it answers in the view's place (so a cached page counts exactly as a rendered one).

Its own module, below both the views and the cache, so neither reaches into the other.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.db import OperationalError
from django.http import HttpRequest
from django.utils import timezone

from florilege.analytics.services import (
    daily_salt,
    is_probably_bot,
    known_salt,
    record_view,
    visitor_hash,
)
from florilege.lib.client import client_address
from florilege.topics.models import Topic

log = logging.getLogger("florilege.analytics")

# Visitors this process has already counted today (hashes under the day's salt, never an
# address): their later pages skip the database write the counter would refuse anyway.
_counted: set[tuple[int, str]] = set()
_counted_day: list[date] = []
COUNTED_MAX = 100_000


def forget_counted() -> None:
    _counted.clear()


def already_counted(meta, topic_id: int, now: datetime) -> bool:
    """True when this view needs no counting: a robot, or a visitor this process counted
    today. Never touches the database (False when it would have to)."""
    user_agent = meta.get("HTTP_USER_AGENT", "")
    if is_probably_bot(user_agent):
        return True
    salt = known_salt(now.date())
    if salt is None or _counted_day != [now.date()]:
        return False
    return (topic_id, visitor_hash(client_address(meta), user_agent, salt)) in _counted


def count_view_of(request: HttpRequest, topic_id: int) -> None:
    """Count a view of a page served from the cache (no Topic loaded unless needed)."""
    if not already_counted(request.META, topic_id, timezone.now()):
        count_view(request, Topic(pk=topic_id))


def count_view(request: HttpRequest, topic: Topic) -> None:
    address = client_address(request.META)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if is_probably_bot(user_agent):
        return
    now = timezone.now()
    try:
        if _counted_day != [now.date()] or len(_counted) > COUNTED_MAX:
            _counted.clear()
            _counted_day[:] = [now.date()]
        seen = (topic.pk, visitor_hash(address, user_agent, daily_salt(now.date())))
        if seen in _counted:
            return
        record_view(topic, address, user_agent, now)
        _counted.add(seen)
    except OperationalError:
        # A busy embedded database (the worker writing) must not fail a reader's page:
        # one view uncounted is the better loss.
        log.warning("event=view_not_counted topic=%s", topic.pk, exc_info=True)
