"""Per-address rate limits kept in the database, so every web process shares them."""

from __future__ import annotations

from datetime import datetime, timedelta

from florilege.publishing.models import RateEvent

WINDOW = timedelta(hours=1)


def allow(action: str, visitor: str, limit: int, now: datetime) -> bool:
    """Record one ``action`` by ``visitor`` if fewer than ``limit`` happened in the last
    hour; False (and nothing recorded) otherwise."""
    RateEvent.objects.filter(action=action, at__lt=now - WINDOW).delete()
    recent = RateEvent.objects.filter(action=action, visitor=visitor, at__gte=now - WINDOW)
    if recent.count() >= limit:
        return False
    RateEvent.objects.create(action=action, visitor=visitor, at=now)
    return True
