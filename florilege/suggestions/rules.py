"""A topic's rules: must / should / exclude terms and phrases, and a language filter.

Pure: no Django. Rules are written in the topic's keywords, one per item (comma or line):

    mastodon            should: a match raises the score
    "social network"    a phrase (quotes optional: several words always match as a phrase)
    +fediverse          must: an entry without it is ruled out
    -crypto             exclude: an entry with it is ruled out

Matching folds case and accents the way ``scoring.fold`` does, on whole words, so
"+modération" matches "MODERATION". The topic's languages are the language filter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence, Set
from dataclasses import dataclass, field

from florilege.suggestions.scoring import (
    SUMMARY_CHARS,
    SUMMARY_WEIGHT,
    TITLE_WEIGHT,
    fold,
    keyword_pattern,
)

# A ruled-out entry sinks below anything the model could rank (margins stay within a few units).
RULED_OUT = -8.0


@dataclass(frozen=True)
class Rules:
    should: tuple[str, ...] = ()
    must: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @property
    def positive_terms(self) -> tuple[str, ...]:
        """Terms that say what the topic is about (the cold-start profile uses them)."""
        return self.must + self.should

    def __bool__(self) -> bool:
        return bool(self.should or self.must or self.exclude or self.languages)


@dataclass(frozen=True)
class RuleMatch:
    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    language_ok: bool = True
    # log1p of weighted hits (title counts more than text); 0 when nothing matched.
    strength: float = 0.0

    @property
    def allowed(self) -> bool:
        return self.language_ok and not self.missing and not self.excluded

    @property
    def prior(self) -> float:
        """What the rules add to the ranking score."""
        return self.strength if self.allowed else RULED_OUT


def _clean(term: str) -> str:
    return " ".join(term.strip().strip('"').strip("\u201c\u201d\u00ab\u00bb").split())


def parse_rules(keywords: Sequence[str], languages: Sequence[str] = ()) -> Rules:
    """Read rules from keyword items; items that hold no word are ignored."""
    should: list[str] = []
    must: list[str] = []
    exclude: list[str] = []
    seen: set[str] = set()
    for raw in keywords:
        item = (raw or "").strip()
        target = should
        if item[:1] == "+":
            target, item = must, item[1:]
        elif item[:1] == "-":
            target, item = exclude, item[1:]
        term = _clean(item)
        if not term or keyword_pattern(term) is None or fold(term) in seen:
            continue
        seen.add(fold(term))
        target.append(term)
    codes = tuple(dict.fromkeys(c.strip().lower() for c in languages if c and c.strip()))
    return Rules(tuple(should), tuple(must), tuple(exclude), codes)


def _term_hits(term: str, title: str, text: str) -> float:
    pattern = keyword_pattern(term)
    if pattern is None:
        return 0.0
    return TITLE_WEIGHT * len(pattern.findall(title)) + SUMMARY_WEIGHT * min(
        len(pattern.findall(text)), 3
    )


def match_rules(
    rules: Rules, title: str, text: str, language: str = "", maybe: Set[str] | None = None
) -> RuleMatch:
    """How an entry fares against the rules. An entry of unknown language passes the filter
    (language detection fails on short texts; ruling those out would hide too much).
    ``maybe``, when given, holds the only terms that can match (the others are not tried)."""
    return match_folded(rules, *fold_entry(title, text), language, maybe)


def fold_entry(title: str, text: str) -> tuple[str, str]:
    """The folded title and text lead that rules are matched against."""
    return fold(title or ""), fold((text or "")[:SUMMARY_CHARS])


def match_folded(
    rules: Rules,
    folded_title: str,
    folded_text: str,
    language: str = "",
    maybe: Set[str] | None = None,
) -> RuleMatch:
    """:func:`match_rules` on an entry folded once by :func:`fold_entry`."""

    def _hits(term: str, title: str, text: str) -> float:
        return 0.0 if maybe is not None and term not in maybe else _term_hits(term, title, text)

    matched: list[str] = []
    missing: list[str] = []
    relevance = 0.0
    for term in rules.must:
        hits = _hits(term, folded_title, folded_text)
        if hits:
            matched.append(term)
            relevance += hits
        else:
            missing.append(term)
    for term in rules.should:
        hits = _hits(term, folded_title, folded_text)
        if hits:
            matched.append(term)
            relevance += hits
    excluded = [t for t in rules.exclude if _hits(t, folded_title, folded_text)]
    lang = (language or "").split("-")[0].lower()
    language_ok = not rules.languages or not lang or lang in rules.languages
    return RuleMatch(
        matched=matched,
        missing=missing,
        excluded=excluded,
        language_ok=language_ok,
        strength=round(math.log1p(relevance), 4),
    )


def describe(rules: Rules) -> str:
    """The rules written back in the keyword syntax (for the preview)."""
    items = [*rules.should, *(f"+{t}" for t in rules.must), *(f"-{t}" for t in rules.exclude)]
    return ", ".join(items)
