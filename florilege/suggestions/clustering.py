"""Does a new entry join a story, and which one? Pure decision code: no Django, no clock.

Three signals, tried in order of certainty:

1. **Canonical URL** (tracking parameters stripped, ``rel=canonical`` honoured upstream):
   the same page is the same story, whenever it was seen.
2. **Near-duplicate text**: the entries' 64-bit SimHash fingerprints (word 3-shingles of
   the title and lead) differ in at most ``max_distance`` bits. Lookup is sub-linear: the
   fingerprint is cut into ``bands`` (> max_distance) bands and, by the pigeonhole principle, two
   fingerprints that close agree exactly on at least one band, so an index on the bands
   finds every candidate.
   Edited copies (a new title, a rewritten lead) are further apart; their MinHash
   signatures over the whole text (``lib/text/minhash.py``) estimate the share of shingles in
   common, and ``min_jaccard`` of it makes a near-duplicate too (found through LSH bands).
3. **Semantic similarity**: the cosine between the entry's sentence vector and the story's
   centroid reaches ``min_cosine``. This catches the same story rewritten by another
   newsroom, which shares facts but few shingles.

Signals 2 and 3 only count within ``window`` of the story's dates: two near-identical
"weekly market report" items a month apart are different stories.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from florilege.lib.text.minhash import band_keys

FINGERPRINT_BITS = 64


@dataclass(frozen=True)
class Policy:
    window: timedelta = timedelta(hours=72)
    # Bits that may differ between fingerprints of near-duplicates. The lookup finds every
    # such pair only while max_distance < bands (pigeonhole); the stored index has 4 bands.
    max_distance: int = 3
    bands: int = 4
    # Estimated Jaccard similarity of word 3-shingles (MinHash) for an edited copy.
    min_jaccard: float = 0.5
    # Cosine to a story's centroid for a semantic join (see README: measured on BBC).
    min_cosine: float = 0.92


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Signals:
    """What is known of one entry."""

    date: datetime
    canonical_url: str = ""
    fingerprint: int | None = None
    # L2-normalised sentence vector, or None (no text, no vector yet).
    vector: np.ndarray | None = None
    # MinHash signature of the whole text (minhash.signature), or None.
    minhash: np.ndarray | None = None
    # Its LSH band keys (minhash.band_keys), derived once here: the stage looks them up,
    # indexes them and stores them, four uses of 16 hashes each.
    lsh: tuple[int, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        if self.minhash is not None:
            object.__setattr__(self, "lsh", tuple(band_keys(self.minhash)))


@dataclass
class StoryState:
    """What the decision needs of one candidate story."""

    story_id: int
    first_seen: datetime
    last_seen: datetime
    canonical_urls: set[str] = field(default_factory=set)
    # Fingerprints of members (within the window).
    fingerprints: list[int] = field(default_factory=list)
    # L2-normalised centroid of member vectors, or None.
    centroid: np.ndarray | None = None
    # MinHash signatures of members (within the window).
    minhashes: list[np.ndarray] = field(default_factory=list)

    def within(self, date: datetime, window: timedelta) -> bool:
        return self.first_seen - window <= date <= self.last_seen + window


@dataclass(frozen=True)
class Decision:
    story_id: int | None  # None: start a new story
    reason: str  # "url", "near", "semantic" or "new"
    similarity: float = 1.0


NEW = Decision(None, "new", 1.0)


def distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << FINGERPRINT_BITS) - 1)).bit_count()


# Memoised: the stage slices each fingerprint four times (lookup, index, stored row).
@functools.lru_cache(maxsize=4096)
def bands(fingerprint: int, count: int) -> tuple[int, ...]:
    """``count`` slices of the (signed or unsigned) 64-bit fingerprint, each a small int."""
    value = fingerprint & ((1 << FINGERPRINT_BITS) - 1)
    width = -(-FINGERPRINT_BITS // count)
    mask = (1 << width) - 1
    return tuple((value >> (i * width)) & mask for i in range(count))


def decide(
    entry: Signals, stories: Sequence[StoryState], policy: Policy = DEFAULT_POLICY
) -> Decision:
    """The story ``entry`` joins among ``stories`` (the candidates the index found), or NEW.

    Within a signal the closest story wins; ties go to the older story (lower id), so the
    result does not depend on the candidates' order.
    """
    ordered = sorted(stories, key=lambda s: s.story_id)
    if entry.canonical_url:
        for story in ordered:
            if entry.canonical_url in story.canonical_urls:
                return Decision(story.story_id, "url", 1.0)
    near = _nearest_duplicate(entry, ordered, policy) or _edited_copy(entry, ordered, policy)
    if near is not None:
        return near
    return _most_similar(entry, ordered, policy) or NEW


def _nearest_duplicate(
    entry: Signals, stories: Sequence[StoryState], policy: Policy
) -> Decision | None:
    if entry.fingerprint is None:
        return None
    best: tuple[int, int] | None = None
    for story in stories:
        if not story.fingerprints or not story.within(entry.date, policy.window):
            continue
        bits = min(distance(entry.fingerprint, fp) for fp in story.fingerprints)
        if bits <= policy.max_distance and (best is None or bits < best[0]):
            best = (bits, story.story_id)
    if best is None:
        return None
    return Decision(best[1], "near", 1.0 - best[0] / FINGERPRINT_BITS)


def _edited_copy(entry: Signals, stories: Sequence[StoryState], policy: Policy) -> Decision | None:
    if entry.minhash is None:
        return None
    best: tuple[float, int] | None = None
    for story in stories:
        if not story.minhashes or not story.within(entry.date, policy.window):
            continue
        share = max(
            float(np.count_nonzero(entry.minhash == other)) / len(other)
            for other in story.minhashes
        )
        if share >= policy.min_jaccard and (best is None or share > best[0]):
            best = (share, story.story_id)
    if best is None:
        return None
    return Decision(best[1], "near", round(best[0], 4))


def _most_similar(entry: Signals, stories: Sequence[StoryState], policy: Policy) -> Decision | None:
    if entry.vector is None or not np.any(entry.vector):
        return None
    best: tuple[float, int] | None = None
    for story in stories:
        if story.centroid is None or not story.within(entry.date, policy.window):
            continue
        cosine = float(np.dot(entry.vector, story.centroid))
        if cosine >= policy.min_cosine and (best is None or cosine > best[0]):
            best = (cosine, story.story_id)
    if best is None:
        return None
    return Decision(best[1], "semantic", round(best[0], 4))


def merged_centroid(
    centroid: np.ndarray | None, size: int, vector: np.ndarray | None
) -> np.ndarray | None:
    """The story's centroid after a member joins (``size`` members before it)."""
    if vector is None or not np.any(vector):
        return centroid
    if centroid is None or size <= 0:
        return np.asarray(vector, dtype=np.float32)
    total = np.asarray(centroid, dtype=np.float32) * size + vector
    norm = float(np.linalg.norm(total))
    return total / norm if norm > 0 else centroid
