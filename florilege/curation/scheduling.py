"""When a queued scoop goes out: the topic's publishing slots, as pure functions.

No Django here and the clock is an argument, so every case (week-ends, time zones,
daylight-saving changes) is a row in a table test.

Daylight saving: a slot time that does not exist that day (clocks jump from 02:00 to 03:00)
is read with the offset in force before the jump, so it lands just after it (02:30 becomes
03:30); a time that happens twice (clocks go back) is its first occurrence. Two slots that
land on the same instant count once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:hH.]([0-5]\d)$")


class ScheduleError(ValueError):
    """Bad slot settings or a time that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class Slots:
    time_zone: str = "UTC"
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))  # Mon=0
    times: tuple[time, ...] = ()

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.time_zone)


def zone(name: str) -> ZoneInfo:
    if name not in valid_time_zones():
        raise ScheduleError(f"Unknown time zone {name!r}; use a name such as Europe/Paris.")
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:  # listed but its data file is missing
        raise ScheduleError(f"Unknown time zone {name!r}.") from exc


def valid_time_zones() -> set[str]:
    return available_timezones() | {"UTC"}


def parse_times(raw: str) -> tuple[time, ...]:
    """'09:00, 17:00' -> (09:00, 17:00), sorted and without repeats."""
    out: set[time] = set()
    for part in re.split(r"[,\s;]+", raw or ""):
        if not part:
            continue
        match = _TIME.match(part)
        if not match:
            raise ScheduleError(f"Not a time of day: {part!r}; write times such as 09:00, 17:30.")
        out.add(time(int(match.group(1)), int(match.group(2))))
    return tuple(sorted(out))


def local_to_utc(moment: datetime, time_zone: str) -> datetime:
    """A wall-clock time in ``time_zone`` as an aware UTC datetime (see the module's DST
    rules)."""
    tz = zone(time_zone)
    local = moment.replace(tzinfo=tz, fold=0)
    return local.astimezone(UTC)


def slot_instants(slots: Slots, after: datetime, days: int = 366) -> Iterator[datetime]:
    """Every slot strictly after ``after`` (aware), in order, for up to ``days`` days."""
    tz = slots.zone
    start: date = after.astimezone(tz).date()
    seen: set[datetime] = set()
    for offset in range(days + 1):
        day = start + timedelta(days=offset)
        if day.weekday() not in slots.weekdays:
            continue
        instants = sorted(
            {
                datetime.combine(day, t).replace(tzinfo=tz, fold=0).astimezone(UTC)
                for t in slots.times
            }
        )
        for instant in instants:
            if instant > after and instant not in seen:
                seen.add(instant)
                yield instant


def next_free_slot(slots: Slots, now: datetime, taken: Iterable[datetime]) -> datetime:
    """The first slot after ``now`` that no scheduled scoop holds yet."""
    if not slots.times or not slots.weekdays:
        raise ScheduleError(
            "This topic has no publishing slots yet: set days and times in its schedule."
        )
    busy = {t.astimezone(UTC) for t in taken}
    # A year of slots, plus one day per taken slot, always holds a free one.
    for instant in slot_instants(slots, now, days=366 + len(busy)):
        if instant not in busy:
            return instant
    raise ScheduleError("No free publishing slot was found in the coming year.")
