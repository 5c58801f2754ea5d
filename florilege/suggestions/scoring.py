"""Baseline score of an entry for a topic: keyword matches weighted by freshness.

Pure: no Django; the clock is passed in. Matching folds case and accents so that
"modération" matches "Moderation" and phrases match as whole words.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

TITLE_WEIGHT = 3.0
SUMMARY_WEIGHT = 1.0
# A story loses half its freshness every three days.
HALF_LIFE_HOURS = 72.0
# With no keyword matched an entry still sorts by recency, below any matched entry
# of the same age.
BASE_RELEVANCE = 0.1


@dataclass(frozen=True)
class Score:
    value: float
    matched: list[str] = field(default_factory=list)
    freshness: float = 1.0


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
    folded_title, folded_summary = fold(title), fold(summary)
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
    fresh = freshness(published, now)
    value = (BASE_RELEVANCE + math.log1p(relevance)) * fresh
    return Score(value=round(value, 6), matched=matched, freshness=round(fresh, 4))
