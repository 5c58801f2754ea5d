"""When failed logins lock an account, an address or a two-factor step: pure decisions,
the clock passed in (``services/throttle.py`` keeps the counts).

``limit`` failures in a row lock for ``first_lock``; the lock then clears the count, and
each further lock lasts twice as long as the one before, up to a day, until a success (or a
day without failures) forgets them. An attacker gets ``limit`` guesses, then fewer and
fewer per day; the owner, at worst, waits or resets the password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

LONGEST_LOCK = timedelta(days=1)
# Failures and locks are forgotten this long after the last failure or the end of the last
# lock, whichever is later: an owner's typo a week ago does not count towards a lock.
MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    limit: int
    first_lock: timedelta


@dataclass(frozen=True)
class State:
    failures: int = 0
    locks: int = 0
    locked_until: datetime | None = None


def locked(state: State, now: datetime) -> bool:
    return state.locked_until is not None and state.locked_until > now


def lock_length(policy: Policy, locks_before: int) -> timedelta:
    # Capped before multiplying: 2**locks grows without bound on a long attack.
    if locks_before >= 16:
        return LONGEST_LOCK
    return min(policy.first_lock * 2**locks_before, LONGEST_LOCK)


def after_failure(state: State, policy: Policy, now: datetime) -> State:
    """The state after one more failure (one made while locked is not expected: a locked
    login is refused before the password or code is checked)."""
    failures = state.failures + 1
    if failures < policy.limit:
        return State(failures, state.locks, state.locked_until)
    return State(0, state.locks + 1, now + lock_length(policy, state.locks))


def forget_at(state: State, now: datetime) -> datetime:
    """When the row can be deleted: a day after this failure or after the lock ends."""
    last = max(now, state.locked_until) if state.locked_until else now
    return last + MEMORY
