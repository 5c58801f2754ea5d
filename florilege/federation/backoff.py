"""When to try a failed delivery again, and when to give up: pure, the clock passed in."""

from __future__ import annotations

from datetime import datetime, timedelta

FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=12)
# Mastodon keeps trying for about a week; servers come back after a weekend of downtime.
GIVE_UP_AFTER = timedelta(days=7)
# An instance is skipped (its deliveries wait) after this many failures in a row.
DEAD_AFTER = 3


def retry_delay(attempts: int) -> timedelta:
    """1 min, 2, 4, 8... doubling per failed attempt, at most 12 hours."""
    doubled = FIRST_RETRY * (2 ** max(0, min(attempts - 1, 20)))
    return min(doubled, LONGEST_WAIT)


def next_attempt(attempts: int, created_at: datetime, now: datetime) -> datetime | None:
    """The next try after ``attempts`` failures, or None when the delivery is too old."""
    when = now + retry_delay(attempts)
    return None if when - created_at > GIVE_UP_AFTER else when


def instance_retry_after(consecutive_failures: int, now: datetime) -> datetime | None:
    """Until when a failing instance is skipped: not at all for its first failures (one
    timeout is not a dead host), then the same doubling as a delivery."""
    if consecutive_failures < DEAD_AFTER:
        return None
    return now + retry_delay(consecutive_failures - DEAD_AFTER + 1)


def permanent_failure(status: int) -> bool:
    """A 4xx other than 408/429 will not change by retrying (gone actor, refused)."""
    return 400 <= status < 500 and status not in {408, 429}
