"""Language of a piece of text. Leaf module: py3langid ships its model in the package."""

from __future__ import annotations

import py3langid

# Fewer letters than this and the guess is noise (a title like "Q3 update").
MIN_LETTERS = 12
MIN_PROBABILITY = 0.5
_identifier = py3langid.langid.LanguageIdentifier.from_model_file(
    py3langid.langid.MODEL_FILE, norm_probs=True
)


def detect_language(text: str) -> str:
    """ISO 639-1 code, or "" when the text is too short or the guess too weak."""
    text = (text or "")[:5000]
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return ""
    code, probability = _identifier.classify(text)
    return code if probability >= MIN_PROBABILITY else ""
