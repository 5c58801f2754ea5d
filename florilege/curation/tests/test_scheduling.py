from datetime import UTC, datetime, time

import pytest

from florilege.curation.scheduling import (
    ScheduleError,
    Slots,
    local_to_utc,
    next_free_slot,
    parse_times,
)

WEEKDAYS_9_17 = Slots("Europe/Paris", frozenset(range(5)), (time(9), time(17)))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("slots", "now", "taken", "expected"),
    [
        # Monday 2026-03-02 08:00 UTC = 09:00 Paris exactly: strictly after, so 17:00 Paris.
        (WEEKDAYS_9_17, utc(2026, 3, 2, 8, 0), [], utc(2026, 3, 2, 16, 0)),
        (WEEKDAYS_9_17, utc(2026, 3, 2, 7, 59), [], utc(2026, 3, 2, 8, 0)),
        # 09:00 is held: 17:00 the same day.
        (WEEKDAYS_9_17, utc(2026, 3, 2, 6), [utc(2026, 3, 2, 8)], utc(2026, 3, 2, 16)),
        # Friday evening after 17:00: Monday 09:00 (the week-end has no slot).
        (WEEKDAYS_9_17, utc(2026, 3, 6, 17), [], utc(2026, 3, 9, 8)),
        # Both Friday slots held from Friday morning: Monday.
        (
            WEEKDAYS_9_17,
            utc(2026, 3, 6, 5),
            [utc(2026, 3, 6, 8), utc(2026, 3, 6, 16)],
            utc(2026, 3, 9, 8),
        ),
        # Paris moves to summer time on Sunday 2026-03-29: Monday 09:00 is 07:00 UTC.
        (WEEKDAYS_9_17, utc(2026, 3, 27, 17), [], utc(2026, 3, 30, 7)),
        # ...and back on Sunday 2026-10-25: Monday 09:00 is 08:00 UTC again.
        (WEEKDAYS_9_17, utc(2026, 10, 23, 16), [], utc(2026, 10, 26, 8)),
        # A slot in the spring-forward gap (02:30 does not exist on 2026-03-29) lands after it.
        (
            Slots("Europe/Paris", frozenset({6}), (time(2, 30),)),
            utc(2026, 3, 28, 12),
            [],
            utc(2026, 3, 29, 1, 30),
        ),
        # A slot in the repeated hour (02:30 twice on 2026-10-25) is its first occurrence.
        (
            Slots("Europe/Paris", frozenset({6}), (time(2, 30),)),
            utc(2026, 10, 24, 12),
            [],
            utc(2026, 10, 25, 0, 30),
        ),
        # Two slots that fall on one instant in the gap count once: the next is a week on.
        (
            Slots("Europe/Paris", frozenset({6}), (time(2, 30), time(3, 30))),
            utc(2026, 3, 28, 12),
            [utc(2026, 3, 29, 1, 30)],
            utc(2026, 4, 5, 0, 30),
        ),
        # Another zone: New York, Saturday only, 10:00 (EST, UTC-5).
        (
            Slots("America/New_York", frozenset({5}), (time(10),)),
            utc(2026, 1, 5),
            [],
            utc(2026, 1, 10, 15),
        ),
        # Local date differs from UTC date: 23:30 UTC Monday is already Tuesday in Tokyo.
        (
            Slots("Asia/Tokyo", frozenset({1}), (time(9),)),
            utc(2026, 3, 2, 23, 30),
            [],
            utc(2026, 3, 3, 0),
        ),
    ],
)
def test_next_free_slot(slots, now, taken, expected) -> None:
    assert next_free_slot(slots, now, taken) == expected


@pytest.mark.parametrize(
    "slots",
    [
        Slots("Europe/Paris", frozenset(), (time(9),)),
        Slots("Europe/Paris", frozenset({0}), ()),
    ],
)
def test_no_slots_is_an_error(slots) -> None:
    with pytest.raises(ScheduleError, match="no publishing slots"):
        next_free_slot(slots, utc(2026, 3, 2), [])


def test_unknown_zone() -> None:
    with pytest.raises(ScheduleError, match="Unknown time zone"):
        next_free_slot(Slots("Mars/Olympus", frozenset({0}), (time(9),)), utc(2026, 3, 2), [])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("09:00, 17:00", (time(9), time(17))),
        ("17h30 9:05 17:30", (time(9, 5), time(17, 30))),
        ("", ()),
    ],
)
def test_parse_times(raw, expected) -> None:
    assert parse_times(raw) == expected


@pytest.mark.parametrize("raw", ["25:00", "9", "noon", "09:60"])
def test_parse_times_refuses(raw) -> None:
    with pytest.raises(ScheduleError, match="Not a time of day"):
        parse_times(raw)


@pytest.mark.parametrize(
    ("local", "zone", "expected"),
    [
        (datetime(2026, 7, 1, 9), "Europe/Paris", utc(2026, 7, 1, 7)),
        (datetime(2026, 1, 1, 9), "Europe/Paris", utc(2026, 1, 1, 8)),
        (datetime(2026, 3, 29, 2, 30), "Europe/Paris", utc(2026, 3, 29, 1, 30)),
        (datetime(2026, 10, 25, 2, 30), "Europe/Paris", utc(2026, 10, 25, 0, 30)),
    ],
)
def test_local_to_utc(local, zone, expected) -> None:
    assert local_to_utc(local, zone) == expected
