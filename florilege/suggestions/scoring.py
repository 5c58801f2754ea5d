"""Baseline score of an entry for a topic: keyword matches weighted by freshness.

Pure: no Django; the clock is passed in. Matching folds case and accents so that
"modération" matches "Moderation" and phrases match as whole words.

The ranking is ``relevance * 0.5^(age / half-life)``. Stored as such it would go stale (an
entry scored last week keeps last week's freshness), so the stored value is its logarithm
with age measured from a fixed epoch instead of from now: ``log(relevance) + ln 2 *
hours_since_epoch / half-life``. Subtracting the same ``ln 2 * now / half-life`` from every
row would give the live value, so the stored order is the live order at any moment.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache

TITLE_WEIGHT = 3.0
SUMMARY_WEIGHT = 1.0
# A story loses half its freshness every three days.
HALF_LIFE_HOURS = 72.0
# With no keyword matched an entry still sorts by recency, below any matched entry
# of the same age.
BASE_RELEVANCE = 0.1
SUMMARY_CHARS = 1000
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Score:
    # Time-invariant ranking value (see the module docstring); higher is better.
    value: float
    matched: list[str] = field(default_factory=list)
    relevance: float = BASE_RELEVANCE
    # Freshness at scoring time, for display.
    freshness: float = 1.0


_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING.sub("", unicodedata.normalize("NFKD", folded))


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str] | None:
    words = fold(keyword).split()
    if not words:
        return None
    # \b fails next to non-word characters (e.g. "c++"), so bound with look-arounds.
    body = r"\s+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def freshness(published: datetime | None, now: datetime) -> float:
    if published is None:
        return 0.5
    age_hours = max((now - published).total_seconds() / 3600.0, 0.0)
    return 0.5 ** (age_hours / HALF_LIFE_HOURS)


def baseline_score(
    title: str,
    summary: str,
    keywords: Sequence[str],
    published: datetime | None,
    now: datetime,
) -> Score:
    # The start of the text says what it is about; folding all of a long article is waste.
    folded_title, folded_summary = fold(title), fold(summary[:SUMMARY_CHARS])
    relevance = 0.0
    matched: list[str] = []
    for keyword in keywords:
        pattern = keyword_pattern(keyword)
        if pattern is None:
            continue
        hits = TITLE_WEIGHT * len(pattern.findall(folded_title))
        hits += SUMMARY_WEIGHT * min(len(pattern.findall(folded_summary)), 3)
        if hits:
            matched.append(keyword)
            relevance += hits
    strength = BASE_RELEVANCE + math.log1p(relevance)
    return Score(
        value=round(ranking_value(strength, effective_date(published, now)), 6),
        matched=matched,
        relevance=round(strength, 4),
        freshness=round(freshness(published, now), 4),
    )


def effective_date(published: datetime | None, now: datetime) -> datetime:
    """Future dates count as now (no boost for a wrong clock); a missing date counts as one
    half-life old, the same freshness of 0.5 that :func:`freshness` gives it."""
    if published is None:
        return now - timedelta(hours=HALF_LIFE_HOURS)
    return min(published, now)


def ranking_value(strength: float, when: datetime) -> float:
    hours = (when - EPOCH).total_seconds() / 3600.0
    return math.log(strength) + math.log(2) * hours / HALF_LIFE_HOURS
