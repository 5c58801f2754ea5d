"""Language of a piece of text. Leaf module: both models ship inside their packages.

Two models, chosen by length (figures from ``make bench-language``, README):

- Text of a few words or more (what ingest sees: a title and the start of the text) goes
  to py3langid's character n-gram model. Taking the best of the seven languages we serve
  rather than the best of its 97 lifts Lingua's news sentences from 99.1% to 99.8% at the
  same speed (~20,000 texts/s); a text whose best guess overall is another language
  with high confidence (Polish, Swahili...) keeps that guess.
- Very short text (one to four words: a terse title, a search, a tag) goes to Lingua
  (``lingua-language-detector``), restricted to the same seven languages, its scores
  combined with py3langid's: on word pairs that is ~92% against py3langid's 86%.
- Text mostly outside the Latin script (Cyrillic, Greek, CJK, Arabic...) goes to plain
  py3langid, which knows those scripts; Lingua restricted to our seven would not.

``languages`` restricts the answer to a topic's languages when the caller knows them.
Inputs are cut to ``MAX_CHARS`` first, so a 5 MB article costs what its first page costs.

Speed: py3langid walks its n-gram automaton one byte at a time in Python, then scores
each text on its own (~120 us for a title and a sentence). Ingest tags a feed's new
entries together: ``detect_languages`` walks the same automaton over the whole batch, one
numpy step per byte position, and scores the batch with one sparse product. Same model,
same answers (a test checks the scores against py3langid's own), ~40-60 us per text in
batches of 50.
"""

from __future__ import annotations

import math
import mmap
import os
import re
import tempfile
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

import numpy as np
import py3langid

SUPPORTED = ("en", "fr", "de", "es", "it", "nl", "pt")
# From this many texts on, walking them together in numpy beats one loop per text.
VECTOR_BATCH = 12
# At most this many texts walk together (memory: 8 bytes x their longest x this, twice).
MAX_BATCH = 256
MAX_CHARS = 1000
# Feature rows summed per step in a batch (x 142 classes x 4 bytes: about 2 MB).
_SUM_ROWS = 4096
# Fewer letters than this and there is nothing to tell ("Q3", "!!!", "").
MIN_LETTERS = 3
# Up to this many words, the short-text path (Lingua + py3langid) decides.
SHORT_WORDS = 4
# A language outside SUPPORTED wins only with this much probability: otherwise a short or
# odd text in one of ours would drift to a near neighbour (Galician, Catalan, Afrikaans).
OTHER_LANGUAGE_PROBABILITY = 0.9
# Weight of py3langid's log-probability beside Lingua's on short texts (measured: 0.3).
SHORT_TEXT_NGRAM_WEIGHT = 0.3

_LETTER = re.compile(r"[^\W\d_]")
_OTHER_SCRIPT_LETTER = re.compile(r"[^\W\d_A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_WORD = re.compile(r"[^\W\d_]+")
# py3langid's model (about 75 MB) loads on first use, not at import: a worker imports this
# module through the ingest code whether or not it runs a stage that tags languages.
# Its arrays are written once per machine as ``.npy`` files and memory-mapped (as the
# sentence encoder's table, ``embedding.TABLE_CACHE``): a process keeps resident only the
# automaton states and table rows its texts reach, worker processes share those pages,
# and no process decompresses the model (which peaked at 30 MB above the model itself).
MODEL_CACHE = Path(tempfile.gettempdir()) / f"florilege-models-{os.getuid()}"
_ARRAYS = ("moves", "rows", "output", "table", "pc", "labels")
_model_lock = threading.Lock()
_loaded: dict[str, object] = {}
_lingua_lock = threading.Lock()
_lingua = None


class _BatchModel:
    """py3langid's model (naive Bayes over byte n-grams found by an automaton), applied to
    many texts at once. Reads the model's arrays; scoring follows ``LanguageIdentifier``
    with ``norm_probs=True``: feature counts through log1p, a softmax tempered by the square
    root of the byte length, and duplicate labels folded into their first column."""

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.moves = arrays["moves"]
        self.rows = arrays["rows"]
        self.output = arrays["output"]
        # Plain-Python views for the per-text loop (indexing a memoryview gives Python ints,
        # as fast as a list, without a list's 28 bytes per int).
        self.moves_list = self.moves.data
        self.rows_list = self.rows.data
        self.output_list = self.output.data
        # Kept in the model's float16 (28 MB; float32 would double it): a batch widens
        # only the rows its texts use.
        self.table = arrays["table"]
        self.pc = arrays["pc"]
        self.labels: list[str] = [str(label) for label in arrays["labels"]]
        first: dict[str, int] = {}
        self.aliases: list[tuple[int, int]] = []
        for column, label in enumerate(self.labels):
            if label in first:
                self.aliases.append((first[label], column))
            else:
                first[label] = column
        self.first_columns = first

    @staticmethod
    def arrays_of(identifier: py3langid.langid.LanguageIdentifier) -> dict[str, np.ndarray]:
        """The arrays the batch model reads, from py3langid's loaded identifier."""
        moves = identifier.tk_nextmove
        return {
            "moves": np.frombuffer(moves, dtype=np.dtype(moves.typecode)),
            "rows": np.asarray(identifier.tk_row, dtype=np.int64) << 8,
            "output": np.asarray(identifier.tk_output, dtype=np.int64),
            "table": identifier.nb_ptc,
            "pc": identifier.nb_pc,
            "labels": np.asarray(identifier.nb_classes),
        }

    @staticmethod
    def encode(text: str) -> bytes:
        if text.isupper():
            text = text.lower()
        return unicodedata.normalize("NFC", text).encode("utf-8", "surrogatepass")

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row of class probabilities per text (columns in ``self.labels`` order)."""
        encoded = [self.encode(text) for text in texts]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        scores = self._raw_scores(encoded, lengths)
        scores *= (1.0 / np.sqrt(np.maximum(lengths, 1)))[:, None].astype(np.float32)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for keep, fold in self.aliases:
            scores[:, keep] += scores[:, fold]
            scores[:, fold] = 0.0
        return scores

    def _raw_scores(self, encoded: list[bytes], lengths: np.ndarray) -> np.ndarray:
        """Naive Bayes log-scores, one row per text; all zeros for a text without features
        (uniform after the softmax, as in py3langid)."""
        scores = np.zeros((len(encoded), len(self.labels)), dtype=np.float32)
        if len(encoded) < VECTOR_BATCH:
            for index, data in enumerate(encoded):
                walked = self._walk_one(data)
                if walked:
                    found = np.fromiter(walked.keys(), dtype=np.intp, count=len(walked))
                    times = np.fromiter(walked.values(), dtype=np.float32, count=len(walked))
                    scores[index] = np.log1p(times) @ self.table[found] + self.pc
            return scores
        owners, found = self._walk_together(encoded, lengths)
        features = len(self.table)
        keys, counts = np.unique(owners * features + found, return_counts=True)
        if not len(keys):
            return scores
        owners, feature = np.divmod(keys, features)
        # ``owners`` is sorted: its distinct values start where it changes (cheaper than
        # np.unique, which hashes).
        starts = np.flatnonzero(np.diff(owners, prepend=-1))
        weights = np.log1p(counts.astype(np.float32))
        # Each text's score is the sum of its features' table rows (widened to float32),
        # weighted: taken over slices of whole texts, so the widened rows stay a few
        # megabytes whatever the batch (a sparse product did this, but SciPy's sparse
        # module costs a fetch-only worker 33 MB).
        bounds = [*starts.tolist(), len(keys)]
        first = 0
        while first < len(starts):
            last = first + 1
            while last < len(starts) and bounds[last + 1] - bounds[first] <= _SUM_ROWS:
                last += 1
            a, b = bounds[first], bounds[last]
            rows = self.table[feature[a:b]].astype(np.float32)
            rows *= weights[a:b, None]
            summed = np.add.reduceat(rows, starts[first:last] - a, axis=0)
            scores[owners[starts[first:last]]] = summed + self.pc
            first = last
        return scores

    def _walk_one(self, data: bytes) -> Counter[int]:
        """How often each feature occurs in one text: a plain loop over its bytes."""
        moves, rows, output = self.moves_list, self.rows_list, self.output_list
        state = 0
        found: list[int] = []
        for byte in data:
            state = moves[rows[state] + byte]
            feature = output[state]
            if feature >= 0:
                found.append(feature)
        return Counter(found)

    def _walk_together(
        self, encoded: list[bytes], lengths: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The same, every text moving one byte per numpy step. Texts are taken longest
        first, so at each position the texts still going are a prefix of the batch."""
        order = np.argsort(-lengths, kind="stable")
        ordered = lengths[order]
        width = int(ordered[0])
        grid = np.zeros((width, len(encoded)), dtype=np.int64)
        for column, index in enumerate(order.tolist()):
            grid[: ordered[column], column] = np.frombuffer(encoded[index], dtype=np.uint8)
        # going[p]: how many texts are longer than p.
        going = np.searchsorted(-ordered, -np.arange(width), side="left")
        states = np.zeros((width, len(encoded)), dtype=np.int64)
        state = states[0]
        for position in range(width):
            alive = int(going[position])
            state = self.moves[self.rows[state[:alive]] + grid[position, :alive]]
            states[position, :alive] = state
        # Outputs looked up once for the whole grid; padding cells (state 0, the start)
        # are masked out by length.
        inside = np.arange(width)[:, None] < ordered[None, :]
        output = np.where(inside, self.output[states], -1)
        at_position, at_column = np.nonzero(output >= 0)
        return order[at_column], output[at_position, at_column]

    def ranked(self, row: np.ndarray) -> dict[str, float]:
        """One probability per label (duplicate columns already folded)."""
        return {label: float(row[column]) for label, column in self.first_columns.items()}

    def best(self, row: np.ndarray) -> tuple[str, float]:
        column = int(row.argmax())
        return self.labels[column], float(row[column])


def _identifier() -> py3langid.langid.LanguageIdentifier:
    with _model_lock:
        if "identifier" not in _loaded:
            _loaded["identifier"] = py3langid.langid.LanguageIdentifier.from_model_file(
                py3langid.langid.MODEL_FILE, norm_probs=True
            )
        return _loaded["identifier"]


def _cached_arrays() -> dict[str, np.ndarray] | None:
    """The batch model's arrays memory-mapped from ``MODEL_CACHE`` (written once, from the
    model file, atomically), or None when the cache cannot be written."""
    model = py3langid.langid.MODEL_DIR / py3langid.langid.MODEL_FILE
    stat = model.stat()
    folder = MODEL_CACHE / f"py3langid-{py3langid.__version__}-{stat.st_size}-{int(stat.st_mtime)}"
    if not folder.is_dir():
        try:
            MODEL_CACHE.mkdir(parents=True, exist_ok=True)
            partial = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=MODEL_CACHE))
            identifier = py3langid.langid.LanguageIdentifier.from_model_file(model, norm_probs=True)
            for name, array in _BatchModel.arrays_of(identifier).items():
                np.save(partial / f"{name}.npy", array, allow_pickle=False)
            del identifier
            try:
                partial.rename(folder)
            except OSError:  # another process won the race: same arrays
                for path in partial.iterdir():
                    path.unlink()
                partial.rmdir()
        except OSError:
            return None
    arrays = {
        name: np.load(folder / f"{name}.npy", mmap_mode=None if name == "labels" else "r")
        for name in _ARRAYS
    }
    for array in arrays.values():
        random_access(array)
    return arrays


def random_access(array: np.ndarray) -> None:
    """Tell the kernel a memory-mapped array is read at random: without it, each page read
    brings its neighbours too (readahead), and a few hundred texts made most of the
    automaton resident (measured: 23 of its 37 MB, against 5 MB with this)."""
    mapped = getattr(array, "_mmap", None)
    if mapped is not None and hasattr(mapped, "madvise"):
        mapped.madvise(mmap.MADV_RANDOM)


def _model() -> _BatchModel:
    if "batch" not in _loaded:
        with _model_lock:
            arrays = _cached_arrays()
        if arrays is None:
            arrays = _BatchModel.arrays_of(_identifier())
        with _model_lock:
            _loaded.setdefault("batch", _BatchModel(arrays))
    return _loaded["batch"]  # type: ignore[return-value]


def _lingua_detector():
    """Lingua restricted to SUPPORTED; built on first use (its models load lazily too)."""
    global _lingua
    with _lingua_lock:
        if _lingua is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED]
            _lingua = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
        return _lingua


def _best(scores: dict[str, float], allowed: Iterable[str]) -> str:
    candidates = [code for code in allowed if code in scores]
    return max(candidates, key=scores.__getitem__) if candidates else ""


def _short_text(text: str, allowed: tuple[str, ...], ngram: dict[str, float]) -> str:
    lingua = {
        result.language.iso_code_639_1.name.lower(): result.value
        for result in _lingua_detector().compute_language_confidence_values(text)
    }
    combined = {
        code: math.log(lingua.get(code, 0.0) + 1e-9)
        + SHORT_TEXT_NGRAM_WEIGHT * math.log(ngram.get(code, 0.0) + 1e-9)
        for code in allowed
    }
    return _best(combined, allowed)


def _restricted(languages: Iterable[str] | None) -> tuple[str, ...]:
    if not languages:
        return SUPPORTED
    wanted = tuple(code for code in SUPPORTED if code in set(languages))
    return wanted or SUPPORTED


def _clean(text: str | None) -> str:
    """The first MAX_CHARS, as valid UTF-8 (a lone surrogate from a broken feed becomes
    "?" rather than an exception in either model)."""
    text = (text or "")[:MAX_CHARS]
    return text.encode("utf-8", "replace").decode("utf-8")


def _at_least(pattern: re.Pattern[str], text: str, count: int) -> bool:
    """Whether ``pattern`` matches ``count`` times in ``text``; stops looking there."""
    return sum(1 for _ in islice(pattern.finditer(text), count)) == count


def _mostly_other_script(text: str) -> bool:
    if text.isascii() or not _OTHER_SCRIPT_LETTER.search(text):
        return False  # the usual case, answered without counting
    return len(_OTHER_SCRIPT_LETTER.findall(text)) * 2 > len(_LETTER.findall(text))


def _decide(text: str, row: np.ndarray, allowed: tuple[str, ...]) -> str:
    """The answer for one text, given its n-gram probabilities."""
    if _mostly_other_script(text):
        # Another script: only the n-gram model knows it, and no restriction applies (a
        # Russian text is not French because a topic wants French).
        return _model().best(row)[0]
    if not _at_least(_WORD, text, SHORT_WORDS + 1):
        return _short_text(text, allowed, _model().ranked(row))
    code, probability = _model().best(row)
    if code in allowed or (code not in SUPPORTED and probability >= OTHER_LANGUAGE_PROBABILITY):
        return code  # the common case
    scores = _model().ranked(row)
    top = max(scores, key=scores.__getitem__)
    if top not in SUPPORTED and scores[top] >= OTHER_LANGUAGE_PROBABILITY:
        return top
    return _best(scores, allowed)


def detect_languages(
    texts: Sequence[str | None], languages: Iterable[str] | None = None
) -> list[str]:
    """``detect_language`` for many texts, in one pass of the n-gram model (much cheaper
    per text than one call each: ingest tags a feed's new entries together)."""
    allowed = _restricted(languages)
    cleaned = [_clean(text) for text in texts]
    answers = [""] * len(cleaned)
    todo = [i for i, text in enumerate(cleaned) if _at_least(_LETTER, text, MIN_LETTERS)]
    # The walk holds a (bytes x texts) grid: a feed of 20,000 items is taken in slices,
    # so memory stays a few megabytes whatever the feed.
    for start in range(0, len(todo), MAX_BATCH):
        part = todo[start : start + MAX_BATCH]
        rows = _model().probabilities([cleaned[i] for i in part])
        for i, row in zip(part, rows, strict=True):
            answers[i] = _decide(cleaned[i], row, allowed)
    return answers


def detect_language(text: str | None, languages: Iterable[str] | None = None) -> str:
    """ISO 639-1 code, or "" when there is nothing to tell (no letters, too few).

    ``languages``: answer only among these (a topic's languages); unknown codes are ignored.
    Never raises, whatever the input.
    """
    return detect_languages([text], languages)[0]


def detect_language_by_model(text: str) -> str:
    """Plain py3langid over all its languages (the baseline the benchmark compares with)."""
    text = _clean(text)
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return ""
    code, _ = _identifier().classify(text)
    return code
