"""What the ranker sees of an entry, computed once per entry and shared by every topic.

Pure: no Django. Two blocks of columns:

* text: hashed word 1-2-grams and character 3-5-grams (``char_wb``, inside word bounds),
  after the same case and accent folding as the keyword rules. Hashing needs no vocabulary,
  so a new word in a new language costs nothing; character n-grams match "élection",
  "elections" and "électoral" across French and English inflections.
* meaning: the entry's multilingual sentence embedding (``lib/text/embedding.py``), read from
  ``EntryVector`` rows by the services.

Source and date ride along: the per-topic source prior and freshness use them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from florilege.lib.text.embedding import DIMENSIONS
from florilege.suggestions.rules import fold_entry
from florilege.suggestions.scoring import fold

WORD_FEATURES = 2**18
CHAR_FEATURES = 2**18
TEXT_FEATURES = WORD_FEATURES + CHAR_FEATURES
# Words from the title and the start of the text; character n-grams from a shorter lead,
# since they are ten times as many per character and the lead says what the story is.
WORD_CHARS = 1000
CHAR_CHARS = 300
# A word must have two letters to count (drops "a", "l'", "d'").
TOKEN = r"(?u)\b\w\w+\b"
_TOKEN_RE = re.compile(TOKEN)

_WORDS = HashingVectorizer(
    n_features=WORD_FEATURES,
    ngram_range=(1, 2),
    preprocessor=fold,
    token_pattern=TOKEN,
    alternate_sign=False,
    dtype=np.float32,
)
_CHARS = HashingVectorizer(
    n_features=CHAR_FEATURES,
    analyzer="char_wb",
    ngram_range=(3, 5),
    preprocessor=fold,
    alternate_sign=False,
    dtype=np.float32,
)


@dataclass(frozen=True)
class Item:
    """One entry as the ranker knows it (plain text, no HTML)."""

    title: str
    text: str = ""
    language: str = ""
    source: int | None = None
    published: datetime | None = None


@dataclass
class Features:
    items: list[Item]
    # (n, TEXT_FEATURES) float32 CSR, each row of unit length.
    text: sp.csr_matrix
    # (n, DIMENSIONS) float32, unit rows (or zero for an empty text).
    vectors: np.ndarray
    sources: list[int | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def words(self) -> list[list[str]]:
        """Distinct folded words of each item (computed once, shared by every topic)."""
        return [words_of(item) for item in self.items]

    @cached_property
    def folded(self) -> list[tuple[str, str]]:
        """Each item's folded title and lead, as the rules read them (folded once)."""
        shared = self._from_whole("folded")
        if shared is not None:
            return shared
        return [fold_entry(item.title, item.text) for item in self.items]

    @cached_property
    def word_columns(self) -> list[np.ndarray]:
        """The text column of each of those words (for the "words that count" reason)."""
        shared = self._from_whole("word_columns")
        if shared is not None:
            return shared
        return [np.array([word_column(w) for w in ws], dtype=np.int64) for ws in self.words]

    @cached_property
    def postings(self) -> dict[str, np.ndarray]:
        """Folded word -> rows holding it: a topic's rules are matched only against rows
        that hold every word of one of its terms."""
        rows: dict[str, list[int]] = {}
        for i, ws in enumerate(self.words):
            for w in ws:
                rows.setdefault(w, []).append(i)
        return {w: np.array(r, dtype=np.int64) for w, r in rows.items()}

    def term_mask(self, term: str) -> np.ndarray:
        """Rows that may match ``term`` (a superset: rows holding every word of it). A term
        with no word of two letters (e.g. "c++") may match any row."""
        whole = self.__dict__.get("_whole")
        if whole is not None:
            # A subset asks its batch, whose word index is built once for every topic.
            features, rows = whole
            return features.term_mask(term)[rows]
        hit = np.ones(len(self.items), dtype=bool)
        for w in _TOKEN_RE.findall(fold(term)):
            only = np.zeros(len(self.items), dtype=bool)
            only[self.postings.get(w, np.zeros(0, np.int64))] = True
            hit &= only
        return hit

    def candidates(self, terms: Sequence[str]) -> np.ndarray:
        """Rows that may match one of ``terms``."""
        mask = np.zeros(len(self.items), dtype=bool)
        for term in terms:
            mask |= self.term_mask(term)
        return mask

    def subset(self, rows: Sequence[int] | np.ndarray) -> Features:
        """The features of ``rows``. The per-row text work (words, folded text, word
        columns) is done once on this batch and shared: the suggestion stage takes one
        subset per topic, and an entry is in the subset of every topic following its feed."""
        rows = np.asarray(rows, dtype=np.int64)
        part = Features(
            items=[self.items[i] for i in rows],
            text=self.text[rows],
            vectors=self.vectors[rows],
            sources=[self.sources[i] for i in rows],
        )
        part.__dict__["words"] = [self.words[i] for i in rows]
        part.__dict__["_whole"] = (self, rows)
        return part

    def _from_whole(self, name: str) -> list | None:
        whole = self.__dict__.get("_whole")
        if whole is None:
            return None
        features, rows = whole
        values = getattr(features, name)
        return [values[i] for i in rows]


def text_matrix(titles: Sequence[str], texts: Sequence[str]) -> sp.csr_matrix:
    if not titles:
        return sp.csr_matrix((0, TEXT_FEATURES), dtype=np.float32)
    words = _WORDS.transform([f"{t} {x[:WORD_CHARS]}" for t, x in zip(titles, texts, strict=True)])
    chars = _CHARS.transform([f"{t} {x[:CHAR_CHARS]}" for t, x in zip(titles, texts, strict=True)])
    # Each block is unit length; halving their squares keeps the row at unit length.
    both = sp.hstack([words, chars], format="csr", dtype=np.float32)
    both.data *= np.float32(np.sqrt(0.5))
    return both


def featurize(items: Sequence[Item], vectors: np.ndarray | None = None) -> Features:
    """Features of ``items``; ``vectors`` are their embeddings in the same order (zero rows
    when missing: the text block still ranks them)."""
    items = list(items)
    if vectors is None:
        vectors = np.zeros((len(items), DIMENSIONS), dtype=np.float32)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(items), DIMENSIONS)
    return Features(
        items=items,
        text=text_matrix([i.title or "" for i in items], [i.text or "" for i in items]),
        vectors=vectors,
        sources=[i.source for i in items],
    )


def word_column(word: str) -> int:
    """The text column of a single folded word (as the word vectorizer hashes it)."""
    return abs(murmurhash3_32(word, seed=0)) % WORD_FEATURES


def words_of(item: Item) -> list[str]:
    """Distinct folded words of an item's title and lead, in order (for reasons)."""
    text = fold(f"{item.title} {(item.text or '')[:WORD_CHARS]}")
    return list(dict.fromkeys(_TOKEN_RE.findall(text)))
