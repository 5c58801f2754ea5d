"""The digest decider: a table of clocks and the edition each one should see."""

from datetime import UTC, datetime

import pytest

from florilege.publishing.digest_schedule import due_period, in_window


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "frequency", "hour", "weekday", "tz", "key", "since", "until"),
    [
        # Daily at 08:00 UTC: before 08:00 the due edition is yesterday's.
        (utc(2026, 3, 4, 7, 59), "daily", 8, 0, "UTC", "2026-03-03",
         utc(2026, 3, 2, 8), utc(2026, 3, 3, 8)),
        (utc(2026, 3, 4, 8, 0), "daily", 8, 0, "UTC", "2026-03-04",
         utc(2026, 3, 3, 8), utc(2026, 3, 4, 8)),
        # Paris is UTC+1 in winter: 08:00 local is 07:00 UTC.
        (utc(2026, 3, 4, 7, 30), "daily", 8, 0, "Europe/Paris", "2026-03-04",
         utc(2026, 3, 3, 7), utc(2026, 3, 4, 7)),
        # Across the spring change (29 March 2026) the local hour stays 08:00 (06:00 UTC).
        (utc(2026, 3, 30, 6, 0), "daily", 8, 0, "Europe/Paris", "2026-03-30",
         utc(2026, 3, 29, 6), utc(2026, 3, 30, 6)),
        # Weekly on Monday (0) at 08:00: Wednesday 4 March sees Monday 2 March's edition.
        (utc(2026, 3, 4, 12), "weekly", 8, 0, "UTC", "2026-03-02",
         utc(2026, 2, 23, 8), utc(2026, 3, 2, 8)),
        # Monday 07:00, before the hour: still the previous Monday's edition.
        (utc(2026, 3, 9, 7), "weekly", 8, 0, "UTC", "2026-03-02",
         utc(2026, 2, 23, 8), utc(2026, 3, 2, 8)),
        (utc(2026, 3, 9, 8), "weekly", 8, 0, "UTC", "2026-03-09",
         utc(2026, 3, 2, 8), utc(2026, 3, 9, 8)),
        # Late-evening hour in a zone ahead of UTC: local date differs from the UTC date.
        (utc(2026, 3, 4, 14), "daily", 23, 0, "Pacific/Auckland", "2026-03-04",
         utc(2026, 3, 3, 10), utc(2026, 3, 4, 10)),
        # An unknown zone falls back to UTC rather than failing the worker.
        (utc(2026, 3, 4, 9), "daily", 8, 0, "Mars/Olympus", "2026-03-04",
         utc(2026, 3, 3, 8), utc(2026, 3, 4, 8)),
    ],
)  # fmt: skip
def test_due_period(now, frequency, hour, weekday, tz, key, since, until) -> None:
    period = due_period(now, frequency, hour, weekday, tz)
    assert (period.key, period.since, period.until) == (key, since, until)


def test_windows_follow_each_other_without_gap_or_overlap() -> None:
    first = due_period(utc(2026, 3, 4, 9), "daily", 8, 0, "Europe/Paris")
    second = due_period(utc(2026, 3, 5, 9), "daily", 8, 0, "Europe/Paris")
    assert first.until == second.since
    boundary = first.until
    assert in_window(boundary, first) and not in_window(boundary, second)


@pytest.mark.parametrize(("frequency", "hour", "weekday"), [("hourly", 8, 0), ("daily", 24, 0),
                                                            ("weekly", 8, 7)])  # fmt: skip
def test_bad_settings_are_refused(frequency, hour, weekday) -> None:
    with pytest.raises(ValueError):
        due_period(utc(2026, 3, 4), frequency, hour, weekday, "UTC")
