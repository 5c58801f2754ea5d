"""Gathering a feed's items: one unreadable item is skipped, never the whole feed, and a feed
of a million items keeps only the newest few while it is read (memory stays bounded)."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from florilege.sources.parsing.model import ParsedEntry, ParsedFeed

T = TypeVar("T")

# How much of an exception's text a skipped item's reason keeps.
REASON_CHARS = 200


class ItemCollector:
    """Reads items one at a time, keeping at most ``max_items`` (None: all) of them.

    When a feed lists more, the newest (by publication, else update date) are kept; items
    without a date come after every dated one, in feed order. The kept items stay in feed
    order. A heap of the kept ones means the rest are dropped as soon as they are read.
    """

    def __init__(self, max_items: int | None = None) -> None:
        self.max_items = max_items
        self.skipped = 0
        self.skip_reason = ""
        self.dropped = 0
        self._seen = 0
        # (has a date, timestamp, -position, entry): the heap's first is the one to drop.
        self._kept: list[tuple[int, float, int, ParsedEntry]] = []

    def read(
        self,
        items: Iterable[T],
        parse_one: Callable[[T], ParsedEntry],
        date_of: Callable[[T], datetime | None] | None = None,
    ) -> None:
        """Read ``items`` with ``parse_one``. ``date_of``, the date an item would be ranked
        by, lets an item that cannot make the cut be dropped without being read in full:
        a feed of a million undated items then costs a million cheap looks, not parses."""
        for item in items:
            self._seen += 1
            if date_of is not None and self._full() and not self._beats(item, date_of):
                self.dropped += 1
                continue
            try:
                entry = parse_one(item)
            except RecursionError:
                raise
            except Exception as exc:  # any flaw of one item costs that item only
                self.skip(f"{type(exc).__name__}: {exc}")
                continue
            self._keep(entry)

    def skip(self, reason: str) -> None:
        """Count an item that could not be read; the first reason is the one shown."""
        self.skipped += 1
        if not self.skip_reason:
            position = self._seen
            self.skip_reason = f"item {position} could not be read ({reason[:REASON_CHARS]})"

    def _full(self) -> bool:
        return self.max_items is not None and len(self._kept) >= self.max_items

    def _rank(self, when: datetime | None) -> tuple[int, float, int]:
        return (1, when.timestamp(), -self._seen) if when else (0, 0.0, -self._seen)

    def _beats(self, item: T, date_of: Callable[[T], datetime | None]) -> bool:
        """Whether ``item`` would take the place of the worst item kept so far."""
        if not self._kept:
            return self.max_items != 0
        try:
            when = date_of(item)
        except Exception:  # the full read will say what is wrong with it
            return True
        return self._rank(when) > self._kept[0][:3]

    def _keep(self, entry: ParsedEntry) -> None:
        rank = (*self._rank(entry.published or entry.updated), entry)
        if self.max_items is None or len(self._kept) < self.max_items:
            heapq.heappush(self._kept, rank)
            return
        self.dropped += 1
        if self.max_items > 0:
            heapq.heappushpop(self._kept, rank)

    def finish(self, feed: ParsedFeed) -> ParsedFeed:
        """Put the kept items (in feed order) and the counts on ``feed``."""
        feed.entries = [rank[3] for rank in sorted(self._kept, key=lambda r: -r[2])]
        feed.skipped, feed.skip_reason, feed.dropped = self.skipped, self.skip_reason, self.dropped
        return feed


def newest(entries: list[ParsedEntry], max_items: int | None) -> tuple[list[ParsedEntry], int]:
    """The ``max_items`` entries an :class:`ItemCollector` would keep, and how many it drops
    (for feeds built without the parser, such as a fediverse account's posts)."""
    if max_items is None or len(entries) <= max_items:
        return entries, 0
    collector = ItemCollector(max_items)
    collector.read(entries, lambda entry: entry)
    return collector.finish(ParsedFeed()).entries, collector.dropped
