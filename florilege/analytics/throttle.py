"""One rate limit for every readers' form: follow by email, comments, suggestions,
"useful" and reports. Kept in the database, so every web process shares it.

The key is the visitor's address alone, as an HMAC under the day's random salt (the
address itself is never stored). The user agent is left out on purpose: a script changes
it with every request, and a key that included it was reset each time (7 suggestions got
through a limit of 5, one reader counted 11 times "useful").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.http import HttpRequest

from florilege.analytics.models import RateEvent
from florilege.analytics.services import daily_salt, visitor_hash
from florilege.lib.client import client_address

WINDOW = timedelta(hours=1)


def address_key(address: str, now: datetime) -> str:
    return visitor_hash(address, "", daily_salt(now.date()))


def reader_key(request: HttpRequest, now: datetime) -> str:
    """Who is asking, for limits and one-per-reader counts: the salted address."""
    return address_key(client_address(request.META), now)


def allow(action: str, key: str, limit: int, now: datetime) -> bool:
    """Record one ``action`` by ``key`` if fewer than ``limit`` happened in the last hour;
    False (and nothing recorded) otherwise."""
    RateEvent.objects.filter(action=action, at__lt=now - WINDOW).delete()
    recent = RateEvent.objects.filter(action=action, visitor=key, at__gte=now - WINDOW)
    if recent.count() >= limit:
        return False
    RateEvent.objects.create(action=action, visitor=key, at=now)
    return True
