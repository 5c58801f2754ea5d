"""When to fetch a source next. Pure: no Django, the clock and the randomness are passed in."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Bounds:
    min_interval: float = 900.0
    max_interval: float = 86_400.0
    jitter: float = 0.1


def posting_interval(entry_dates: Sequence[datetime]) -> float | None:
    """Median gap in seconds between the most recent entries, or None with too few dates."""
    dates = sorted((d for d in entry_dates if d is not None), reverse=True)[:20]
    gaps = sorted((a - b).total_seconds() for a, b in itertools.pairwise(dates) if a > b)
    if len(gaps) < 2:
        return None
    return gaps[len(gaps) // 2]


def poll_interval(entry_dates: Sequence[datetime], bounds: Bounds) -> float:
    """Poll about twice per posting interval: a feed that posts hourly is read every half
    hour, a weekly blog once a day, always within the configured bounds."""
    interval = posting_interval(entry_dates)
    seconds = bounds.max_interval / 4 if interval is None else interval / 2
    return clamp(seconds, bounds)


def clamp(seconds: float, bounds: Bounds) -> float:
    return min(max(seconds, bounds.min_interval), bounds.max_interval)


def next_fetch_after_success(
    now: datetime, entry_dates: Sequence[datetime], bounds: Bounds, rng: random.Random
) -> datetime:
    return next_fetch_in(now, poll_interval(entry_dates, bounds), rng, bounds.jitter)


def next_fetch_in(now: datetime, seconds: float, rng: random.Random, jitter: float) -> datetime:
    return now + timedelta(seconds=_jittered(seconds, jitter, rng))


def next_fetch_after_error(
    now: datetime,
    error_count: int,
    bounds: Bounds,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime:
    """Exponential backoff from the minimum interval, capped at the maximum; a server's
    Retry-After wins when it asks for longer (never for more than the maximum)."""
    exponent = max(error_count - 1, 0)
    seconds = min(bounds.min_interval * (2 ** min(exponent, 20)), bounds.max_interval)
    if retry_after is not None:
        seconds = min(max(seconds, retry_after), bounds.max_interval)
    return now + timedelta(seconds=_jittered(seconds, bounds.jitter, rng))


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    from email.utils import parsedate_to_datetime

    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)


def _jittered(seconds: float, jitter: float, rng: random.Random) -> float:
    # Jitter spreads sources added at the same moment so they do not all fall due together.
    return seconds * (1 + rng.uniform(-jitter, jitter))
