"""Near-duplicate fingerprints: a 64-bit SimHash over word 3-shingles.

Two texts that share most of their shingles get fingerprints that differ in few bits, so
"the same story, lightly edited" is found by comparing fingerprints, not texts. Pure and
leaf: no Django.

Speed matters (every entry is fingerprinted at ingest): words are hashed once each through
a cache (vocabularies repeat), shingle hashes are combined from word hashes with rotations,
and the bit counting is done by numpy over all shingles at once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np

SHINGLE = 3
MAX_CHARS = 4000
_WORD = re.compile(r"\w+", re.UNICODE)
_MASK = (1 << 64) - 1
_COMBINING = re.compile(r"[\u0300-\u036f]")


@lru_cache(maxsize=200_000)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def words(text: str) -> list[str]:
    folded = text[:MAX_CHARS].casefold()
    if not folded.isascii():
        # Accents fold away (é → e) so "modération" and "moderation" shingle alike; a regex
        # over the combining-marks block is much faster than a per-character test.
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    return _WORD.findall(folded)


def _rotl(values: np.ndarray, bits: int) -> np.ndarray:
    return (values << np.uint64(bits)) | (values >> np.uint64(64 - bits))


def simhash(text: str) -> int | None:
    """Unsigned 64-bit SimHash of ``text``, or None when it has no words."""
    tokens = words(text)
    if not tokens:
        return None
    hashes = np.fromiter(map(_word_hash, tokens), dtype=np.uint64, count=len(tokens))
    if len(tokens) >= SHINGLE:
        # Order matters inside a shingle: rotate each position differently before mixing.
        hashes = hashes[:-2] ^ _rotl(hashes[1:-1], 21) ^ _rotl(hashes[2:], 42)
    bits = np.unpackbits(hashes.view(np.uint8)[:, None], axis=1, bitorder="little")
    votes = bits.reshape(len(hashes), 64).sum(axis=0, dtype=np.int64) * 2 - len(hashes)
    value = 0
    for i in np.flatnonzero(votes > 0):
        value |= 1 << int(i)
    return value


def to_signed(value: int) -> int:
    """Databases store signed 64-bit integers."""
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()


def entry_fingerprint(title: str, text: str) -> int | None:
    value = simhash(f"{title}\n{text}")
    return None if value is None else to_signed(value)
