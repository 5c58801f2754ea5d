"""MinHash signatures: the estimated share of shingles, bands, storage."""

from __future__ import annotations

import numpy as np

from florilege.lib.text import minhash
from florilege.lib.text.fingerprint import _rotl, _word_hash, words


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


def _one_text_at_a_time(text: str) -> np.ndarray | None:
    """The signature as computed before texts were batched: the reference."""
    tokens = words(text[: minhash.MAX_CHARS])
    if not tokens:
        return None
    hashes = np.fromiter(map(_word_hash, tokens), dtype=np.uint64, count=len(tokens))
    if len(tokens) >= minhash.SHINGLE:
        hashes = hashes[:-2] ^ _rotl(hashes[1:-1], 21) ^ _rotl(hashes[2:], 42)
    shingles = np.unique((hashes ^ (hashes >> np.uint64(32))) & np.uint64(0xFFFF_FFFF))
    values = (shingles[:, None] * minhash._A[None, :] + minhash._B[None, :]) % minhash._PRIME
    return (values.min(axis=0) & np.uint64(0xFFFF_FFFF)).astype(np.uint32)


def test_a_batch_gives_each_text_the_signature_it_gets_alone() -> None:
    rng = np.random.default_rng(7)
    vocabulary = [f"mot{i}" for i in range(300)] + ["été", "Straße", "naïve", "x_y", "42"]
    texts = [" ".join(rng.choice(vocabulary, size=n)) for n in (1, 2, 3, 4, 50, 900, 6000)]
    texts += ["", "!!! ...", "one", "two words", "Three words here.", "ꙮꙮ ⸎⸎", "a-b c.d e"]
    texts += [texts[4], texts[5] + " !", "Le Café de l'Été, à Paris: 3 € le café."]
    order = rng.permutation(len(texts))
    texts = [texts[i] for i in order]
    expected = [_one_text_at_a_time(t) for t in texts]
    for got in (minhash.signatures(texts), [minhash.signature(t) for t in texts]):
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert (a is None and b is None) or (
                a is not None and b is not None and a.dtype == b.dtype and np.array_equal(a, b)
            )
    assert minhash.signatures([]) == [] and minhash.signatures(["", "..."]) == [None, None]
