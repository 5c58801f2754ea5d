"""Parsing speed, ours against feedparser, on the same bytes (used by bench/ingest).

``measure(files)`` parses every input once with each parser (after one warm-up pass each,
so imports and caches do not count) and returns the seconds spent. feedparser is imported
lazily: it is a benchmark-only dependency, never needed to run Florilège.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from florilege.sources.parsing import parse_feed
from florilege.sources.parsing.model import FeedParseError


def _ours(data: bytes) -> object:
    try:
        return parse_feed(data)
    except FeedParseError:
        return None


def _timed(parse: Callable[[bytes], object], files: list[bytes]) -> float:
    started = time.perf_counter()
    for data in files:
        parse(data)
    return time.perf_counter() - started


def measure(files: list[bytes], rounds: int = 1) -> dict[str, float]:
    """Seconds to parse ``files`` with our parser and with feedparser (best of ``rounds``).

    Returns {"files", "ours_seconds", "feedparser_seconds", "ratio"} where ratio is how many
    times faster ours is.
    """
    import feedparser  # benchmark-only dependency, imported on demand

    def theirs(data: bytes) -> object:
        return feedparser.parse(data)

    warm = files[:3]
    _timed(_ours, warm)
    _timed(theirs, warm)
    ours = min(_timed(_ours, files) for _ in range(max(rounds, 1)))
    feedparser_seconds = min(_timed(theirs, files) for _ in range(max(rounds, 1)))
    return {
        "files": float(len(files)),
        "ours_seconds": ours,
        "feedparser_seconds": feedparser_seconds,
        "ratio": feedparser_seconds / ours if ours else float("inf"),
    }
