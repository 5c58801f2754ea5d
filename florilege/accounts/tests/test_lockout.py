"""The lock decisions, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from florilege.accounts import lockout

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POLICY = lockout.Policy(limit=3, first_lock=timedelta(minutes=15))


def test_the_limit_th_failure_locks_and_clears_the_count() -> None:
    state = lockout.State()
    for _ in range(2):
        state = lockout.after_failure(state, POLICY, NOW)
        assert not lockout.locked(state, NOW)
    state = lockout.after_failure(state, POLICY, NOW)
    assert state == lockout.State(0, 1, NOW + timedelta(minutes=15))
    assert lockout.locked(state, NOW + timedelta(minutes=14))
    assert not lockout.locked(state, NOW + timedelta(minutes=15))


@pytest.mark.parametrize(
    ("locks_before", "minutes"),
    [(0, 15), (1, 30), (2, 60), (6, 960), (7, 1440), (40, 1440), (10**6, 1440)],
)
def test_each_lock_doubles_up_to_a_day(locks_before: int, minutes: int) -> None:
    assert lockout.lock_length(POLICY, locks_before) == timedelta(minutes=minutes)


def test_a_row_is_forgotten_a_day_after_its_last_failure_or_lock() -> None:
    unlocked = lockout.State(failures=1)
    assert lockout.forget_at(unlocked, NOW) == NOW + timedelta(days=1)
    locked = lockout.State(0, 1, NOW + timedelta(hours=2))
    assert lockout.forget_at(locked, NOW) == NOW + timedelta(days=1, hours=2)
