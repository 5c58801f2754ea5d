"""Privacy-friendly counting: views of every page, visitors once per topic per day,
without cookies.

A visitor is a keyed hash of (topic, address, user agent) under a random salt that changes
every day; the address itself is never stored, the salt is deleted once its day is over
(so nobody can recompute a hash from an address afterwards), and the hashes themselves
are blanked when the day is rolled up (``rollup.py``): only the day's count remains.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum

from florilege.analytics.classify import is_probably_bot
from florilege.analytics.models import DailyCount, DailySalt, RollupDay, ViewEvent
from florilege.topics.models import Topic

__all__ = ["daily_salt", "is_probably_bot", "known_salt", "topic_visitor", "visitor_hash"]


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
    forget_salts_before(day)
    return daily_salt(day)


def forget_salts_before(day: date) -> int:
    """Delete the salts of days before ``day``: their hashes can no longer be recomputed."""
    return DailySalt.objects.filter(day__lt=day).delete()[0]


def known_salt(day: date) -> str | None:
    """The day's salt if this process already holds it (never touches the database)."""
    return _salts.get(day)


def visitor_hash(address: str, user_agent: str, salt: str) -> str:
    message = f"{address}\n{user_agent}".encode("utf-8", "replace")
    # The one-call form: the same digest as hmac.new(...).hexdigest(), without building an
    # HMAC object in Python (the writer hashes thousands of visitors a second).
    return hmac.digest(salt.encode(), message, "sha256").hex()


def topic_visitor(topic_id: int, address: str, user_agent: str, salt: str) -> str:
    """The visitor of one topic on one day: the same reader on two topics is two visitors
    that cannot be linked."""
    return visitor_hash(f"{topic_id}\n{address}", user_agent, salt)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def rolled_until() -> date | None:
    """The last day whose raw events are rolled up (days are rolled oldest first)."""
    return RollupDay.objects.filter(done_at__isnull=False).aggregate(d=Max("day"))["d"]


def view_counts(topic: Topic, now: datetime) -> ViewCounts:
    """Views of ``topic`` ever and today: the daily rows of rolled-up days plus the raw
    events of the days since."""
    until = rolled_until()
    rolled = DailyCount.objects.filter(topic=topic, kind="views")
    raw = ViewEvent.objects.filter(topic=topic).exclude(device="feed")
    if until is not None:
        rolled = rolled.filter(day__lte=until)
        raw = raw.filter(at__gte=day_start(until + timedelta(days=1)))
    total_rolled = rolled.aggregate(n=Sum("value"))["n"] or 0
    today = day_start(now.astimezone(UTC).date())
    raw_counts = raw.aggregate(total=Count("id"), today=Count("id", filter=Q(at__gte=today)))
    return ViewCounts(total=total_rolled + raw_counts["total"], today=raw_counts["today"])
