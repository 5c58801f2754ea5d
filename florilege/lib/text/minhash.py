"""MinHash signatures of a text's word 3-shingles, and LSH bands to find similar ones.

SimHash (``fingerprint.py``) only brings together texts that are nearly identical (a few
bits apart means some 97% of shingles in common). An edited copy (a new title, a
paragraph added, a lead rewritten) shares half to nine tenths of its shingles; MinHash
estimates that share (the Jaccard similarity) directly: the fraction of equal positions
in two signatures. LSH makes the lookup sub-linear: the signature is cut into ``BANDS``
bands of ``ROWS`` values; two texts with Jaccard 0.5 share at least one whole band with
probability 1 - (1 - 0.5^4)^16 = 0.64, at 0.65 with 0.96, at 0.8 with 0.999999.
Pure and leaf: no Django.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from itertools import chain

import numpy as np

from florilege.lib.text.fingerprint import _rotl, _word_hash, words

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SHINGLE = 3
# Enough text to tell an edited copy from a new story; bounded for 5 MB articles.
MAX_CHARS = 20_000
# A prime above 2^32; hash functions (a*x + b) mod P over 32-bit shingle hashes.
_PRIME = np.uint64(4_294_967_311)
_rng = np.random.default_rng(20_260_302)
_A = _rng.integers(1, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
_LOW32 = np.uint64(0xFFFF_FFFF)


def signature(text: str) -> np.ndarray | None:
    """uint32 x PERMUTATIONS, or None when the text has no words."""
    return signatures([text])[0]


def signatures(texts: Sequence[str]) -> list[np.ndarray | None]:
    """``signature`` of many texts, with the same hash functions, so the same values.

    The word hashes, shingle hashes and duplicate removal are done by numpy over all the
    texts' words at once (a batch of 200 news articles is some 75,000 words), so the
    per-call overhead of numpy is paid a few times per batch, not twenty times per text.
    The permutations stay per text: a text's shingles times 64 hash functions fits in
    the processor's cache, which the whole batch's does not (measured twice as slow)."""
    token_lists = [words(text[:MAX_CHARS]) for text in texts]
    sizes = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(texts))
    total = int(sizes.sum())
    if not total:
        return [None] * len(texts)
    hashes = np.fromiter(
        map(_word_hash, chain.from_iterable(token_lists)), dtype=np.uint64, count=total
    )
    text_of = np.repeat(np.arange(len(texts), dtype=np.uint64), sizes)
    # Shingles that straddle two texts are computed too, then dropped: a shingle belongs
    # to a text when its first and last words do.
    mixed = hashes[:-2] ^ _rotl(hashes[1:-1], 21) ^ _rotl(hashes[2:], 42)
    inside = text_of[:-2] == text_of[2:]
    # A text of one or two words has no shingle: its words stand for them.
    short = sizes[text_of.astype(np.int64)] < SHINGLE
    picked = np.concatenate((mixed[inside], hashes[short]))
    owner = np.concatenate((text_of[:-2][inside], text_of[short]))
    # One sort for the batch: (text, shingle) keys, each text's distinct shingles together
    # (a plain sort: np.unique's hash table is slower on these 75,000 keys).
    keys = np.sort((owner << np.uint64(32)) | ((picked ^ (picked >> np.uint64(32))) & _LOW32))
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    shingles = keys & _LOW32
    counts = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=len(texts))
    ends = np.cumsum(counts)
    result: list[np.ndarray | None] = []
    for count, end in zip(counts.tolist(), ends.tolist(), strict=True):
        if not count:
            result.append(None)
            continue
        values = shingles[end - count : end, None] * _A
        # a < 2^31 and x < 2^32: a*x + b stays below 2^64, so uint64 arithmetic is exact.
        values += _B
        values %= _PRIME
        result.append((values.min(axis=0) & _LOW32).astype(np.uint32))
    return result


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (the band's number is part of the key)."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def to_bytes(sig: np.ndarray) -> bytes:
    return np.asarray(sig, dtype="<u4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")
