"""The join decision, as tables of cases: no database, the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from florilege.suggestions.clustering import (
    NEW,
    Decision,
    Policy,
    Signals,
    StoryState,
    bands,
    decide,
    distance,
    merged_centroid,
)

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POLICY = Policy(window=timedelta(hours=72), max_distance=3, bands=4, min_cosine=0.92)
FP = 0x0123_4567_89AB_CDEF


def unit(*values: float) -> np.ndarray:
    v = np.zeros(8, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def sig(shared: int = 64) -> np.ndarray:
    """A MinHash signature equal to ``sig()`` in its first ``shared`` positions only."""
    out = np.arange(64, dtype=np.uint32)
    out[shared:] += 1000
    return out


def story(story_id: int, **kwargs) -> StoryState:
    state = StoryState(story_id, kwargs.pop("first", T0), kwargs.pop("last", T0))
    for name, value in kwargs.items():
        setattr(state, name, value)
    return state


CASES = [
    ("no candidates: a new story", Signals(T0, "https://a.example/1", FP, unit(1)), [], NEW),
    (
        "same canonical URL joins, even a month later",
        Signals(T0 + timedelta(days=30), "https://a.example/1"),
        [story(7, canonical_urls={"https://a.example/1"})],
        Decision(7, "url", 1.0),
    ),
    (
        "fingerprint 3 bits away joins as near-duplicate",
        Signals(T0 + timedelta(hours=5), "https://b.example/x", FP ^ 0b111),
        [story(4, fingerprints=[FP])],
        Decision(4, "near", 1 - 3 / 64),
    ),
    (
        "fingerprint 4 bits away does not",
        Signals(T0, "https://b.example/x", FP ^ 0b1111),
        [story(4, fingerprints=[FP])],
        NEW,
    ),
    (
        "near-duplicate outside the window does not join",
        Signals(T0 + timedelta(hours=73), "", FP),
        [story(4, fingerprints=[FP])],
        NEW,
    ),
    (
        "closest fingerprint wins over the older story",
        Signals(T0, "", FP ^ 0b1),
        [story(2, fingerprints=[FP ^ 0b110]), story(9, fingerprints=[FP])],
        Decision(9, "near", 1 - 1 / 64),
    ),
    (
        "equal distance: the older story wins, whatever the order",
        Signals(T0, "", FP),
        [story(9, fingerprints=[FP ^ 0b1]), story(2, fingerprints=[FP ^ 0b10])],
        Decision(2, "near", 1 - 1 / 64),
    ),
    (
        "URL beats a closer fingerprint elsewhere",
        Signals(T0, "https://a.example/1", FP),
        [story(3, fingerprints=[FP]), story(5, canonical_urls={"https://a.example/1"})],
        Decision(5, "url", 1.0),
    ),
    (
        "similar meaning joins above the threshold",
        Signals(T0, "", None, unit(1, 0.3)),
        [story(6, centroid=unit(1, 0.25))],
        Decision(6, "semantic", round(float(unit(1, 0.3) @ unit(1, 0.25)), 4)),
    ),
    (
        "related but different story stays apart",
        Signals(T0, "", None, unit(1, 0.6)),
        [story(6, centroid=unit(1, 0))],
        NEW,
    ),
    (
        "semantic join is bounded by the window too",
        Signals(T0 - timedelta(hours=80), "", None, unit(1)),
        [story(6, centroid=unit(1))],
        NEW,
    ),
    (
        "a zero vector (no text) never joins by meaning",
        Signals(T0, "", None, np.zeros(8, dtype=np.float32)),
        [story(6, centroid=np.zeros(8, dtype=np.float32))],
        NEW,
    ),
    (
        "an edited copy (MinHash shares half or more) joins as near-duplicate",
        Signals(T0, "", FP ^ 0xFFFF, minhash=sig()),
        [story(4, fingerprints=[FP], minhashes=[sig(32)])],
        Decision(4, "near", 0.5),
    ),
    (
        "less than half in common does not",
        Signals(T0, "", None, minhash=sig()),
        [story(4, minhashes=[sig(31)])],
        NEW,
    ),
    (
        "an edited copy outside the window does not join",
        Signals(T0 + timedelta(days=4), "", None, minhash=sig()),
        [story(4, minhashes=[sig()])],
        NEW,
    ),
    (
        "no URL, no fingerprint, no vector: new",
        Signals(T0),
        [story(1, canonical_urls={""}, fingerprints=[FP], centroid=unit(1))],
        NEW,
    ),
]


@pytest.mark.parametrize(("name", "entry", "stories", "expected"), CASES, ids=[c[0] for c in CASES])
def test_decide(name: str, entry: Signals, stories: list, expected: Decision) -> None:
    assert decide(entry, stories, POLICY) == expected


@pytest.mark.parametrize("fingerprint", [0, -1, FP, -(1 << 63), (1 << 63) - 1])
def test_bands_cover_the_fingerprint(fingerprint: int) -> None:
    parts = bands(fingerprint, 4)
    assert len(parts) == 4 and all(0 <= p < 1 << 16 for p in parts)
    rebuilt = sum(p << (16 * i) for i, p in enumerate(parts))
    assert rebuilt == fingerprint & ((1 << 64) - 1)


def test_pigeonhole_three_bits_apart_share_a_band() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        flips = rng.choice(64, size=3, replace=False)
        other = FP
        for bit in flips:
            other ^= 1 << int(bit)
        assert distance(FP, other) == 3
        assert any(a == b for a, b in zip(bands(FP, 4), bands(other, 4), strict=True))


def test_merged_centroid_is_the_normalised_mean() -> None:
    a, b = unit(1, 0), unit(0, 1)
    merged = merged_centroid(a, 1, b)
    assert merged is not None
    assert np.allclose(merged, unit(1, 1), atol=1e-6)
    assert merged_centroid(None, 0, b) is not None
    assert merged_centroid(a, 1, None) is a
    assert merged_centroid(a, 1, np.zeros(8, dtype=np.float32)) is a
