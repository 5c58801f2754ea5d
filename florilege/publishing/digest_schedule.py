"""When is a digest due, and which period does it cover? Pure: no Django, clock passed in.

An edition is sent at ``hour`` (local time of the topic) every day for daily followers, and
on ``weekday`` at that hour for weekly ones. An edition covers the scoops published since
the previous edition's send time, up to its own: fixed windows, so the content of an
edition never depends on when a worker happened to run. After a long outage only the
latest edition is sent (followers want news, not a backlog of stale digests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAILY = "daily"
WEEKLY = "weekly"


@dataclass(frozen=True)
class Period:
    frequency: str
    key: str  # the local date of the send, "2026-03-02"
    since: datetime  # previous edition's send time (UTC), excluded
    until: datetime  # this edition's send time (UTC), included


def zone(name: str) -> ZoneInfo:
    """The topic's time zone; an unknown name falls back to UTC rather than failing."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at_hour(day: datetime, hour: int, tz: ZoneInfo) -> datetime:
    # Built from the calendar date, so a daylight-saving change keeps the local hour.
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def latest_send(now: datetime, frequency: str, hour: int, weekday: int, tz: ZoneInfo) -> datetime:
    """The latest scheduled send time at or before ``now`` (aware, in ``tz``)."""
    local = now.astimezone(tz)
    candidate = _at_hour(local, hour, tz)
    if candidate > local:
        candidate = _at_hour(local - timedelta(days=1), hour, tz)
    if frequency == WEEKLY:
        back = (candidate.weekday() - weekday) % 7
        candidate = _at_hour(candidate - timedelta(days=back), hour, tz)
    return candidate


def due_period(now: datetime, frequency: str, hour: int, weekday: int, tz_name: str) -> Period:
    """The edition that should exist at ``now`` for ``frequency``: its key and window."""
    if frequency not in (DAILY, WEEKLY):
        raise ValueError(f"unknown digest frequency {frequency!r}")
    if not 0 <= hour <= 23 or not 0 <= weekday <= 6:
        raise ValueError("hour is 0-23 and weekday 0-6")
    tz = zone(tz_name)
    until = latest_send(now, frequency, hour, weekday, tz)
    step = 7 if frequency == WEEKLY else 1
    since = _at_hour(until - timedelta(days=step), hour, tz)
    return Period(
        frequency=frequency,
        key=until.date().isoformat(),
        since=since.astimezone(UTC),
        until=until.astimezone(UTC),
    )


def in_window(published_at: datetime, period: Period) -> bool:
    """Whether a scoop published at ``published_at`` belongs to the edition."""
    return period.since < published_at <= period.until
