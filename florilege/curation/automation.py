"""Automation rules, the pure part: does a rule match an item, and what do a topic's rules do.

No Django: the suggestion stage, the preview and the tests call the same functions with
plain values. Regular expressions run on RE2 (``google-re2``), whose matching time is linear
in the text whatever the pattern, so a curator's pattern cannot stall the worker (ReDoS).
Patterns RE2 cannot run in bounded time and memory (backreferences, look-arounds, huge
repetitions) fail to compile and are refused with RE2's reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import re2

from florilege.suggestions.scoring import fold, keyword_pattern

SCOOP, DISCARD, TAG = "scoop", "discard", "tag"
MAX_REGEX_LENGTH = 300
# Memory RE2 may use for one compiled pattern: plenty for any sensible rule, and a pattern
# needing more (a blown-up repetition) is refused instead of eating the worker's memory.
REGEX_MAX_MEM = 1 << 20
# Like the baseline score, only the start of the text is read.
TEXT_CHARS = 2000


def gettext_noop(message: str) -> str:
    """Marks a message for translation (``makemessages`` finds it) without importing Django;
    the service that shows it translates it."""
    return message


class RuleError(ValueError):
    """A rule that cannot be saved. ``template % params`` is the message for the curator;
    the template is marked for translation, the parameters are not translated."""

    def __init__(self, template: str, **params: object) -> None:
        self.template, self.params = template, params
        super().__init__(template % params if params else template)


@dataclass(frozen=True)
class RuleSpec:
    id: int | None
    name: str
    action: str
    source_ids: frozenset[int] = frozenset()
    keywords: tuple[str, ...] = ()
    regex: str = ""
    languages: tuple[str, ...] = ()
    min_score: float | None = None
    tag: str = ""

    @property
    def has_condition(self) -> bool:
        return bool(
            self.source_ids
            or self.keywords
            or self.regex
            or self.languages
            or self.min_score is not None
        )


@dataclass(frozen=True)
class Item:
    """What a rule looks at: one entry as suggested to a topic."""

    source_id: int
    title: str
    text: str
    language: str
    score: float


@dataclass
class Decision:
    action: str | None = None
    rule: RuleSpec | None = None
    tags: list[str] = field(default_factory=list)
    matched: list[RuleSpec] = field(default_factory=list)


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = REGEX_MAX_MEM
    # Errors come back to the caller as exceptions; no need for RE2 to print them too.
    options.log_errors = False
    return options


@lru_cache(maxsize=512)
def compile_regex(pattern: str):
    """The compiled pattern, or RuleError saying why it is refused."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise RuleError(
            gettext_noop(
                "The regular expression is too long (%(length)d characters, at most %(limit)d)."
            ),
            length=len(pattern),
            limit=MAX_REGEX_LENGTH,
        )
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RuleError(
            gettext_noop(
                "This regular expression is refused: %(reason)s. Rules use RE2 syntax, which "
                "runs in linear time: backreferences, look-arounds and repetitions over 1000 "
                "are not available."
            ),
            reason=reason,
        ) from exc


def validate(rule: RuleSpec) -> None:
    """Raise RuleError for a rule that must not be saved."""
    if not rule.name.strip():
        raise RuleError(gettext_noop("Give the rule a name."))
    if rule.action not in (SCOOP, DISCARD, TAG):
        raise RuleError(gettext_noop("Choose what the rule does: auto-scoop, discard or tag."))
    if not rule.has_condition:
        raise RuleError(
            gettext_noop(
                "Set at least one condition (source, keywords, regular expression, language "
                "or minimum score): a rule without one would act on every suggestion."
            )
        )
    if rule.action == TAG and not rule.tag.strip():
        raise RuleError(gettext_noop("A tagging rule needs the tag to add."))
    if rule.regex:
        compile_regex(rule.regex)


class _Subject:
    """An item's text, joined and folded once however many rules read it."""

    def __init__(self, item: Item) -> None:
        self.item = item

    @cached_property
    def text(self) -> str:
        return f"{self.item.title}\n{self.item.text[:TEXT_CHARS]}"

    @cached_property
    def folded(self) -> str:
        return fold(self.text)


def matches(rule: RuleSpec, item: Item) -> bool:
    """Every condition that is set holds (keywords and languages: any one of them)."""
    return _matches(rule, _Subject(item))


def _matches(rule: RuleSpec, subject: _Subject) -> bool:
    item = subject.item
    # Cheapest conditions first: most rules are decided before any text is read.
    if rule.source_ids and item.source_id not in rule.source_ids:
        return False
    if rule.languages and item.language not in rule.languages:
        return False
    if rule.min_score is not None and item.score < rule.min_score:
        return False
    if rule.keywords and not _any_keyword(rule.keywords, subject.folded):
        return False
    return not (rule.regex and compile_regex(rule.regex).search(subject.text) is None)


def _any_keyword(keywords: Iterable[str], folded: str) -> bool:
    for keyword in keywords:
        pattern = keyword_pattern(keyword)
        if pattern is not None and pattern.search(folded):
            return True
    return False


def decide(rules: Sequence[RuleSpec], item: Item) -> Decision:
    """Apply ``rules`` in order: the tags of every matching tag rule add up; the first
    matching auto-scoop or discard rule decides, and later scoop or discard rules do not."""
    decision = Decision()
    subject = _Subject(item)
    for rule in rules:
        if not _matches(rule, subject):
            continue
        decision.matched.append(rule)
        if rule.action == TAG:
            if rule.tag.casefold() not in {t.casefold() for t in decision.tags}:
                decision.tags.append(rule.tag)
        elif decision.action is None:
            decision.action, decision.rule = rule.action, rule
    return decision
