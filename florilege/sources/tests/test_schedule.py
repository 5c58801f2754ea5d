import random
from datetime import UTC, datetime, timedelta

import pytest

from florilege.sources import schedule

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BOUNDS = schedule.Bounds(min_interval=900, max_interval=86_400, jitter=0.0)
RNG = random.Random(1)


def hours_ago(*hours: float) -> list[datetime]:
    return [NOW - timedelta(hours=h) for h in hours]


@pytest.mark.parametrize(
    ("dates", "expected_seconds"),
    [
        (hours_ago(1, 2, 3, 4, 5), 1800),  # hourly feed: every half hour
        (hours_ago(0, 0.1, 0.2, 0.3), 900),  # very busy: clamped to the minimum
        (hours_ago(0, 24 * 7, 24 * 14, 24 * 21), 86_400),  # weekly: clamped to the maximum
        ([], 86_400 / 4),  # unknown rate: a quarter of the maximum
        (hours_ago(3), 86_400 / 4),  # one date is no rate
    ],
)
def test_next_fetch_after_success(dates: list[datetime], expected_seconds: float) -> None:
    when = schedule.next_fetch_after_success(NOW, dates, BOUNDS, RNG)
    assert (when - NOW).total_seconds() == pytest.approx(expected_seconds)


@pytest.mark.parametrize(
    ("errors", "retry_after", "expected"),
    [
        (1, None, 900),
        (2, None, 1800),
        (3, None, 3600),
        (30, None, 86_400),
        (1, 7200, 7200),
        (1, 10**9, 86_400),
    ],
)
def test_backoff(errors: int, retry_after: float | None, expected: float) -> None:
    when = schedule.next_fetch_after_error(NOW, errors, BOUNDS, RNG, retry_after=retry_after)
    assert (when - NOW).total_seconds() == pytest.approx(expected)


def test_jitter_stays_within_bounds() -> None:
    bounds = schedule.Bounds(900, 86_400, jitter=0.1)
    rng = random.Random(7)
    seconds = [
        (
            schedule.next_fetch_after_success(NOW, hours_ago(1, 2, 3), bounds, rng) - NOW
        ).total_seconds()
        for _ in range(200)
    ]
    assert min(seconds) >= 1620 and max(seconds) <= 1980
    assert len(set(seconds)) > 100


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), ("Sun, 01 Mar 2026 13:00:00 GMT", 3600.0), ("soon", None), ("", None)],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert schedule.parse_retry_after(value, NOW) == expected
