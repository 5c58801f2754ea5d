"""Privacy-friendly view counting: once per visitor per day, without cookies.

The visitor is a keyed hash of (address, user agent) with a random salt that changes
every day; the address itself is never stored, and salts and per-visitor rows older than
yesterday are deleted, so old hashes cannot be recomputed or linked across days.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum

from florilege.analytics.models import DailySalt, TopicDailyViews, TopicVisitor
from florilege.topics.models import Topic


@dataclass(frozen=True)
class ViewCounts:
    total: int
    today: int


_salts: dict[date, str] = {}


def daily_salt(day: date) -> str:
    # A day's salt never changes once written, so each process keeps the current one.
    if day in _salts:
        return _salts[day]
    salt = DailySalt.objects.filter(day=day).values_list("value", flat=True).first()
    if salt:
        _salts.clear()
        _salts[day] = salt
        return salt
    try:
        with transaction.atomic():
            DailySalt.objects.create(day=day, value=secrets.token_hex(32))
    except IntegrityError:
        pass  # another process created today's salt first
    # A new day: forget older salts and the per-visitor rows they keyed.
    DailySalt.objects.filter(day__lt=day - timedelta(days=1)).delete()
    TopicVisitor.objects.filter(day__lt=day - timedelta(days=1)).delete()
    return daily_salt(day)


def known_salt(day: date) -> str | None:
    """The day's salt if this process already holds it (never touches the database)."""
    return _salts.get(day)


def visitor_hash(address: str, user_agent: str, salt: str) -> str:
    message = f"{address}\n{user_agent}".encode("utf-8", "replace")
    return hmac.new(salt.encode(), message, hashlib.sha256).hexdigest()


def is_probably_bot(user_agent: str) -> bool:
    ua = user_agent.lower()
    return not ua or any(m in ua for m in ("bot", "crawler", "spider", "preview", "curl", "wget"))


def record_view(topic: Topic, address: str, user_agent: str, now: datetime) -> bool:
    """Count a view of ``topic``; True if this visitor had not been counted today."""
    if is_probably_bot(user_agent):
        return False
    day = now.date()
    visitor = visitor_hash(address, user_agent, daily_salt(day))
    try:
        with transaction.atomic():
            TopicVisitor.objects.create(topic=topic, day=day, visitor=visitor)
            _increment(topic, day)
    except IntegrityError:
        return False  # already counted today
    return True


def _increment(topic: Topic, day: date) -> None:
    counter = TopicDailyViews.objects.filter(topic=topic, day=day)
    if counter.update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            TopicDailyViews.objects.create(topic=topic, day=day, views=1)
    except IntegrityError:  # a concurrent first view of the day created the row
        counter.update(views=F("views") + 1)


def view_counts(topic: Topic, now: datetime) -> ViewCounts:
    sums = TopicDailyViews.objects.filter(topic=topic).aggregate(
        total=Sum("views"), today=Sum("views", filter=Q(day=now.date()))
    )
    return ViewCounts(total=sums["total"] or 0, today=sums["today"] or 0)
