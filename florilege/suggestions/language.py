"""Language of a piece of text. Leaf module: py3langid ships its model in the package.

Most news text in the languages we serve most carries plenty of function words ("the",
"les", "und"…), and counting them is some ten times cheaper than the character n-gram
model. When those words clearly point at one language we answer from them; when they
do not (short titles, other languages, mixed text) the n-gram model decides.
"""

from __future__ import annotations

import re

import py3langid

# Fewer letters than this and the guess is noise (a title like "Q3 update").
MIN_LETTERS = 12
MIN_PROBABILITY = 0.5
# Function-word evidence needed to skip the model: this many hits, and this many times
# more than the runner-up.
MIN_HITS = 3
MIN_MARGIN = 2.0
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_identifier = py3langid.langid.LanguageIdentifier.from_model_file(
    py3langid.langid.MODEL_FILE, norm_probs=True
)

# Frequent words that are rare in the other listed languages (so "de", "a", "la", "en",
# shared by several, are left out).
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "is",
            "that",
            "for",
            "with",
            "was",
            "are",
            "this",
            "have",
            "from",
            "has",
            "been",
            "were",
            "which",
            "their",
            "they",
            "will",
            "would",
            "its",
            "also",
            "after",
            "about",
            "more",
            "than",
            "who",
            "but",
            "not",
            "said",
        ]
    ),
    "fr": frozenset(
        [
            "les",
            "des",
            "est",
            "une",
            "dans",
            "pour",
            "que",
            "qui",
            "sur",
            "avec",
            "sont",
            "pas",
            "plus",
            "par",
            "aux",
            "cette",
            "ont",
            "été",
            "mais",
            "comme",
            "leur",
            "nous",
            "vous",
            "sera",
            "fait",
            "elle",
            "ils",
            "entre",
            "depuis",
            "ainsi",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "und",
            "das",
            "ist",
            "nicht",
            "mit",
            "sich",
            "auf",
            "für",
            "dem",
            "den",
            "von",
            "ein",
            "eine",
            "auch",
            "werden",
            "wird",
            "wurde",
            "sind",
            "nach",
            "bei",
            "noch",
            "oder",
            "aber",
            "über",
            "zum",
            "zur",
        ]
    ),
    "es": frozenset(
        [
            "los",
            "las",
            "del",
            "que",
            "por",
            "una",
            "para",
            "con",
            "sus",
            "más",
            "pero",
            "como",
            "fue",
            "también",
            "entre",
            "hasta",
            "desde",
            "está",
            "son",
            "este",
            "esta",
            "sobre",
            "ha",
            "han",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "della",
            "che",
            "per",
            "una",
            "sono",
            "gli",
            "del",
            "nel",
            "alla",
            "delle",
            "anche",
            "più",
            "come",
            "dei",
            "stato",
            "questo",
            "questa",
            "dalla",
            "nella",
            "hanno",
            "ha",
            "degli",
        ]
    ),
    "nl": frozenset(
        [
            "het",
            "een",
            "van",
            "de",
            "en",
            "dat",
            "niet",
            "zijn",
            "voor",
            "met",
            "ook",
            "op",
            "bij",
            "worden",
            "wordt",
            "werd",
            "naar",
            "maar",
            "nog",
            "deze",
            "dit",
            "heeft",
            "hebben",
        ]
    )
    - {"de", "en", "op"},
    "pt": frozenset(
        [
            "os",
            "das",
            "dos",
            "que",
            "uma",
            "para",
            "com",
            "não",
            "mais",
            "como",
            "foi",
            "também",
            "pelo",
            "pela",
            "são",
            "está",
            "entre",
            "seu",
            "sua",
            "ao",
            "aos",
            "nas",
            "nos",
        ]
    ),
}


# word → the languages it belongs to, so each word costs one lookup.
_WORD_LANGUAGES: dict[str, tuple[str, ...]] = {}
for _code, _words in _FUNCTION_WORDS.items():
    for _word in _words:
        _WORD_LANGUAGES[_word] = (*_WORD_LANGUAGES.get(_word, ()), _code)


def _by_function_words(text: str) -> str:
    counts = dict.fromkeys(_FUNCTION_WORDS, 0)
    lookup = _WORD_LANGUAGES.get
    for codes in filter(None, map(lookup, _WORD.findall(text.lower()))):
        for code in codes:
            counts[code] += 1
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    (best, hits), (_, second) = ranked[0], ranked[1]
    if hits >= MIN_HITS and hits >= MIN_MARGIN * second:
        return best
    return ""


def _letters(text: str) -> int:
    return len(_NOT_LETTERS.sub("", text[:200]))


def detect_language(text: str) -> str:
    """ISO 639-1 code, or "" when the text is too short or the guess too weak."""
    text = (text or "")[:1000]
    if _letters(text) < MIN_LETTERS:
        return ""
    quick = _by_function_words(text)
    if quick:
        return quick
    code, probability = _identifier.classify(text)
    return code if probability >= MIN_PROBABILITY else ""


def detect_language_by_model(text: str) -> str:
    """The n-gram model alone (for evaluation against the fast path)."""
    text = (text or "")[:1000]
    if _letters(text) < MIN_LETTERS:
        return ""
    code, probability = _identifier.classify(text)
    return code if probability >= MIN_PROBABILITY else ""
