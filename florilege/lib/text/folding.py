"""One spelling for a word however it is typed (accents and case folded), and slugs cut at
a word boundary. Used by search, tags and permalinks, so they all agree."""

from __future__ import annotations

import unicodedata

from django.utils.text import slugify


def fold_accents(text: str) -> str:
    """Accents off, as the search indexes do: "é" -> "e"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Accents and case off: "#Modération" and "#moderation" are one tag."""
    return fold_accents(text).casefold()


def slug_at_word(text: str, limit: int, default: str = "") -> str:
    """``slugify(text)`` no longer than ``limit``, cut after the last whole word that fits
    (never mid-word, never ending in "-"); a first word longer than ``limit`` is cut, since
    an address must have something in it."""
    slug = slugify(text)
    if len(slug) <= limit:
        return slug or default
    cut = slug[: limit + 1]
    head = cut.rsplit("-", 1)[0] if "-" in cut else cut[:limit]
    return head.strip("-")[:limit] or default
