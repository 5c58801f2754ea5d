"""The enrichment stage's story assignments on a fixed input, pinned.

The input mixes every way of joining (same canonical URL, exact and edited copies, close
sentence vectors), dates inside and outside the window, stored stories and stories made
within a batch, and is placed in batches as the stage places it. ``EXPECTED`` is what the
stage gave before its candidate lookups, MinHash signatures and writes were batched; a
change meant to be faster only must keep it, and a change of policy must show here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from florilege.lib.text import embedding
from florilege.lib.text.fingerprint import entry_fingerprint
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import EntryVector, Story, StoryMember
from florilege.suggestions.stories import assign_stories

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
STORIES = 12
BATCH = 10


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


def _fixed_input() -> list[tuple[str, str, str, datetime, np.ndarray]]:
    """(title, text, canonical URL, date, vector) of each entry, in a fixed order."""
    rng = np.random.default_rng(20_261_207)
    vocabulary = [f"w{i}" for i in range(400)]
    items = []
    for k in range(STORIES):
        words = list(rng.choice(vocabulary, size=90))
        base = _unit(rng.standard_normal(embedding.DIMENSIONS))
        day = NOW + timedelta(hours=20 * k)
        url = f"https://site{k}.example/story"
        items.append((f"Story {k}", " ".join(words), url, day, base))
        # A copy from another source, two hours later: near-duplicate text.
        items.append((f"Story {k}", " ".join(words), f"{url}?copy", day + timedelta(hours=2), base))
        # An edited copy, one word in 25, 12 or 4 replaced: MinHash decides (Jaccard about
        # 0.8, 0.6 and none).
        step = (25, 12, 4)[k % 3]
        edited = [w if i % step else "edit" + w for i, w in enumerate(words)]
        noisy = _unit(base + 0.9 * rng.standard_normal(embedding.DIMENSIONS) / 22)
        items.append((f"Edited {k}", " ".join(edited), "", day + timedelta(hours=5), noisy))
        # Other words, a close vector: joins by meaning (if within the window).
        other = " ".join(rng.choice(vocabulary, size=60))
        close = _unit(base + rng.standard_normal(embedding.DIMENSIONS) / (60 + 10 * (k % 3)))
        hours = 30 if k % 4 else 90  # the last is outside the 72-hour window
        items.append((f"Rewrite {k}", other, "", day + timedelta(hours=hours), close))
        # The same canonical URL much later: joins whenever seen.
        if k % 3 == 0:
            late = day + timedelta(days=30)
            lone = _unit(rng.standard_normal(embedding.DIMENSIONS))
            items.append((f"Update {k}", f"update {k} of the story", url, late, lone))
    order = rng.permutation(len(items))
    return [items[i] for i in order]


def _place() -> list[tuple[int, str, float]]:
    """For each entry (by position): the position of its story's first entry, the reason
    it joined and the similarity."""
    source = Source.objects.create(url="https://feed.example/rss", title="Feed")
    entries = []
    for n, (title, text, url, date, vector) in enumerate(_fixed_input()):
        entry = Entry.objects.create(
            source=source,
            key=f"k{n}",
            url=url or f"https://feed.example/{n}",
            canonical_url=url or f"https://feed.example/{n}",
            title=title,
            content=f"<p>{text}</p>",
            fingerprint=entry_fingerprint(title, text),
            published_at=date,
        )
        EntryVector.objects.create(
            entry=entry, encoder=embedding.ENCODER, vector=embedding.to_bytes(vector)
        )
        entries.append(entry)
    for start in range(0, len(entries), BATCH):
        assign_stories(entries[start : start + BATCH], NOW)
    position = {e.pk: n for n, e in enumerate(entries)}
    members = {m.entry_id: m for m in StoryMember.objects.all()}
    first: dict[int, int] = {}
    for entry in entries:
        first.setdefault(members[entry.pk].story_id, position[entry.pk])
    return [
        (first[members[e.pk].story_id], members[e.pk].reason, round(members[e.pk].similarity, 4))
        for e in entries
    ]


# 52 entries: 24 stories; 4 joined by URL, 17 as near-duplicates (7 of them by MinHash),
# 7 by meaning.
EXPECTED: list[tuple[int, str, float]] = [
    (0, "new", 1.0),
    (1, "semantic", 0.9639),
    (2, "near", 1.0),
    (3, "new", 1.0),
    (1, "new", 1.0),
    (5, "new", 1.0),
    (2, "new", 1.0),
    (7, "new", 1.0),
    (8, "new", 1.0),
    (5, "near", 1.0),
    (10, "near", 1.0),
    (11, "new", 1.0),
    (12, "new", 1.0),
    (13, "new", 1.0),
    (2, "semantic", 0.925),
    (15, "new", 1.0),
    (16, "new", 1.0),
    (10, "new", 1.0),
    (2, "near", 0.625),
    (7, "semantic", 0.9634),
    (1, "near", 1.0),
    (21, "near", 0.8125),
    (12, "semantic", 0.9568),
    (23, "new", 1.0),
    (21, "new", 1.0),
    (23, "near", 0.7656),
    (12, "near", 1.0),
    (27, "new", 1.0),
    (21, "url", 1.0),
    (29, "new", 1.0),
    (29, "semantic", 0.9321),
    (12, "near", 0.6406),
    (0, "semantic", 0.9519),
    (33, "new", 1.0),
    (34, "new", 1.0),
    (10, "semantic", 0.9625),
    (36, "new", 1.0),
    (37, "new", 1.0),
    (16, "near", 0.7188),
    (21, "near", 1.0),
    (27, "url", 1.0),
    (29, "near", 0.8594),
    (42, "new", 1.0),
    (0, "near", 1.0),
    (7, "near", 1.0),
    (11, "near", 1.0),
    (0, "near", 0.6875),
    (47, "new", 1.0),
    (23, "url", 1.0),
    (49, "new", 1.0),
    (13, "url", 1.0),
    (23, "near", 1.0),
]


def test_a_fixed_input_gets_the_same_stories_as_before() -> None:
    placed = _place()
    assert placed == EXPECTED
    sizes = sorted(Story.objects.values_list("size", flat=True))
    assert sum(sizes) == len(placed) and len(sizes) == len({story for story, _, _ in placed})


def test_a_cosine_near_the_threshold_is_decided_by_the_entry_s_own_product() -> None:
    """The batch's matrix product adds its terms in another order than one entry's: near
    the semantic threshold, the entry's own product decides, so the candidates are those
    the per-entry code found. Here the batch's cosines are off by 5e-4 (far more than
    rounding, to make the difference visible) across the threshold."""
    from florilege.suggestions.stories import _Index

    floor = 0.8
    rng = np.random.default_rng(3)
    vector = _unit(rng.standard_normal(embedding.DIMENSIONS)).astype(np.float32)
    other = _unit(rng.standard_normal(embedding.DIMENSIONS))
    other -= other.dot(vector) * vector  # orthogonal to the entry's vector
    # A centroid whose cosine with the vector is just below the threshold.
    below = floor - 2.5e-4
    centroid = (below * vector + np.sqrt(1 - below**2) * _unit(other)).astype(np.float32)
    index = _Index(lambda value: value)
    index.ids = [1]
    index.matrix[0] = centroid
    index.stored = 1
    exact = index.matrix[:1] @ vector
    assert exact[0] < floor
    wrong = exact + np.float32(5e-4)  # a batch product on the other side of the threshold
    assert wrong[0] >= floor
    cosines = index._cosines(vector, wrong, floor)
    assert np.array_equal(cosines, exact)
    assert not np.any(cosines >= floor)
