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
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable

import py3langid

SUPPORTED = ("en", "fr", "de", "es", "it", "nl", "pt")
MAX_CHARS = 1000
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
_identifier = py3langid.langid.LanguageIdentifier.from_model_file(
    py3langid.langid.MODEL_FILE, norm_probs=True
)
_lingua_lock = threading.Lock()
_lingua = None


def _lingua_detector():
    """Lingua restricted to SUPPORTED; built on first use (its models load lazily too)."""
    global _lingua
    with _lingua_lock:
        if _lingua is None:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED]
            _lingua = LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()
        return _lingua


def _ngram_probabilities(text: str) -> dict[str, float]:
    return dict(_identifier.rank(text))


def _best(scores: dict[str, float], allowed: Iterable[str]) -> str:
    candidates = [code for code in allowed if code in scores]
    return max(candidates, key=scores.__getitem__) if candidates else ""


def _short_text(text: str, allowed: tuple[str, ...]) -> str:
    ngram = _ngram_probabilities(text)
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


def detect_language(text: str, languages: Iterable[str] | None = None) -> str:
    """ISO 639-1 code, or "" when there is nothing to tell (no letters, too few).

    ``languages``: answer only among these (a topic's languages); unknown codes are ignored.
    Never raises, whatever the input.
    """
    text = _clean(text)
    letters = len(_LETTER.findall(text))
    if letters < MIN_LETTERS:
        return ""
    allowed = _restricted(languages)
    if len(_OTHER_SCRIPT_LETTER.findall(text)) * 2 > letters:
        # Another script: only the n-gram model knows it, and no restriction applies (a
        # Russian text is not French because a topic wants French).
        code, _ = _identifier.classify(text)
        return code
    if len(_WORD.findall(text)) <= SHORT_WORDS:
        return _short_text(text, allowed)
    code, probability = _identifier.classify(text)
    if code in allowed or (code not in SUPPORTED and probability >= OTHER_LANGUAGE_PROBABILITY):
        return code  # the common case: one pass of the model, no ranking
    scores = _ngram_probabilities(text)
    top = max(scores, key=scores.__getitem__)
    if top not in SUPPORTED and scores[top] >= OTHER_LANGUAGE_PROBABILITY:
        return top
    return _best(scores, allowed)


def detect_language_by_model(text: str) -> str:
    """Plain py3langid over all its languages (the baseline the benchmark compares with)."""
    text = _clean(text)
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return ""
    code, _ = _identifier.classify(text)
    return code
