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
    tokens = words(text[:MAX_CHARS])
    if not tokens:
        return None
    hashes = np.fromiter(map(_word_hash, tokens), dtype=np.uint64, count=len(tokens))
    if len(tokens) >= SHINGLE:
        hashes = hashes[:-2] ^ _rotl(hashes[1:-1], 21) ^ _rotl(hashes[2:], 42)
    shingles = np.unique((hashes ^ (hashes >> np.uint64(32))) & _LOW32)
    # a < 2^31 and x < 2^32: a*x + b stays below 2^64, so uint64 arithmetic is exact.
    values = (shingles[:, None] * _A[None, :] + _B[None, :]) % _PRIME
    return (values.min(axis=0) & _LOW32).astype(np.uint32)


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
