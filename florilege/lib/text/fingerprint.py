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
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

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
    return simhashes([text])[0]


def simhashes(texts: Sequence[str]) -> list[int | None]:
    """``simhash`` of many texts with one pass of numpy over all their shingles (the
    per-call overhead of numpy is most of the cost for a single short text)."""
    token_lists = [words(text) for text in texts]
    sizes = [len(tokens) for tokens in token_lists]
    total = sum(sizes)
    if not total:
        return [None] * len(texts)
    hashes = np.fromiter(
        map(_word_hash, chain.from_iterable(token_lists)), dtype=np.uint64, count=total
    )
    # Order matters inside a shingle: rotate each position differently before mixing.
    # Shingles that straddle two texts are computed too, then never picked.
    mixed = hashes[:-2] ^ _rotl(hashes[1:-1], 21) ^ _rotl(hashes[2:], 42)
    picked, counts = [], []
    offset = 0
    for size in sizes:
        if size >= SHINGLE:
            picked.append(mixed[offset : offset + size - SHINGLE + 1])
        elif size:
            picked.append(hashes[offset : offset + size])  # too short to shingle: words
        counts.append(max(size - SHINGLE + 1, size if size < SHINGLE else 0))
        offset += size
    rows = np.concatenate(picked)
    bits = np.unpackbits(rows.view(np.uint8).reshape(len(rows), 8), axis=1, bitorder="little")
    counts_array = np.array([c for c in counts if c], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(counts_array)[:-1]))
    votes = np.add.reduceat(bits, starts, axis=0, dtype=np.int64) * 2 - counts_array[:, None]
    values = np.packbits(votes > 0, axis=1, bitorder="little").view("<u8").ravel().tolist()
    found = iter(values)
    return [next(found) if size else None for size in sizes]


def to_signed(value: int) -> int:
    """Databases store signed 64-bit integers."""
    return value - (1 << 64) if value >= 1 << 63 else value


def distance(a: int, b: int) -> int:
    return ((a ^ b) & _MASK).bit_count()


def entry_fingerprint(title: str, text: str) -> int | None:
    return entry_fingerprints([(title, text)])[0]


def entry_fingerprints(items: Sequence[tuple[str, str]]) -> list[int | None]:
    """Signed fingerprints of (title, text) pairs, as stored."""
    values = simhashes([f"{title}\n{text}" for title, text in items])
    return [None if value is None else to_signed(value) for value in values]
