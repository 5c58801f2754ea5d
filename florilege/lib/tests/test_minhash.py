"""MinHash signatures: the estimated share of shingles, bands, storage."""

from __future__ import annotations

import numpy as np

from florilege.lib.text import minhash


def test_minhash_estimates_the_share_of_shingles() -> None:
    base = " ".join(f"word{i}" for i in range(400))
    edited = " ".join(f"word{i}" if i % 10 else f"other{i}" for i in range(400))
    unrelated = " ".join(f"thing{i}" for i in range(400))
    a, b, c = (minhash.signature(t) for t in (base, edited, unrelated))
    assert a is not None and b is not None and c is not None
    # One word in ten replaced: about 3 shingles in 10 change, Jaccard about 0.54.
    assert 0.35 <= minhash.jaccard(a, b) <= 0.75
    assert minhash.jaccard(a, c) < 0.1 and minhash.jaccard(a, a) == 1.0
    assert set(minhash.band_keys(a)) & set(minhash.band_keys(a))
    assert not set(minhash.band_keys(a)) & set(minhash.band_keys(c))
    assert minhash.signature("") is None and minhash.signature("!!! ...") is None
    assert np.array_equal(minhash.from_bytes(minhash.to_bytes(a)), a)
