"""The pure rule matcher: tables of cases, and patterns RE2 refuses."""

from dataclasses import replace
from typing import Any

import pytest

from florilege.curation.automation import (
    DISCARD,
    SCOOP,
    TAG,
    Item,
    RuleError,
    RuleSpec,
    compile_regex,
    decide,
    matches,
    validate,
)

ITEM = Item(
    source_id=7,
    title="Mastodon adds quote posts",
    text="The fediverse server ships a long-awaited feature. Modération aussi.",
    language="en",
    score=1.2,
)


def rule(**fields: Any) -> RuleSpec:
    return replace(RuleSpec(id=1, name="r", action=TAG, tag="t"), **fields)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (rule(source_ids=frozenset({7})), True),
        (rule(source_ids=frozenset({8, 9})), False),
        (rule(keywords=("quote posts",)), True),
        (rule(keywords=("quote",)), True),
        (rule(keywords=("quot",)), False),  # whole words only
        (rule(keywords=("MODERATION",)), True),  # case and accents folded
        (rule(keywords=("bluesky", "fediverse")), True),  # any keyword
        (rule(languages=("fr",)), False),
        (rule(languages=("fr", "en")), True),
        (rule(min_score=1.2), True),
        (rule(min_score=1.3), False),
        (rule(regex=r"quote\s+posts?"), True),
        (rule(regex=r"^mastodon"), True),  # case ignored
        (rule(regex=r"bluesky|threads"), False),
        # Every condition that is set must hold.
        (rule(source_ids=frozenset({7}), languages=("fr",)), False),
        (rule(source_ids=frozenset({7}), keywords=("mastodon",), min_score=1.0), True),
    ],
)
def test_matches(spec: RuleSpec, expected: bool) -> None:
    assert matches(spec, ITEM) is expected


def test_first_deciding_rule_wins_and_tags_add_up() -> None:
    rules = [
        rule(id=1, keywords=("mastodon",), tag="fedi"),
        rule(id=2, action=DISCARD, languages=("fr",)),  # does not match
        rule(id=3, action=SCOOP, source_ids=frozenset({7})),
        rule(id=4, action=DISCARD, source_ids=frozenset({7})),  # later: not consulted
        rule(id=5, regex="feature", tag="Fedi"),  # same tag, other case: kept once
        rule(id=6, regex="feature", tag="product"),
    ]
    decision = decide(rules, ITEM)
    assert decision.action == SCOOP and decision.rule is not None and decision.rule.id == 3
    assert decision.tags == ["fedi", "product"]
    assert [r.id for r in decision.matched] == [1, 3, 4, 5, 6]


def test_no_rule_matching_decides_nothing() -> None:
    decision = decide([rule(action=DISCARD, languages=("de",))], ITEM)
    assert decision.action is None and decision.tags == [] and decision.matched == []


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(unclosed", "missing )"),
        ("[a-", "missing ]"),
        (r"(\w+)\s+\1", "invalid escape"),  # a backreference: needs backtracking
        ("(?=look)ahead", "invalid perl operator"),
        ("(a{100}){100}", "invalid repetition size"),  # blows up the program
        ("x" * 301, "too long"),
    ],
)
def test_refused_patterns_say_why(pattern: str, reason: str) -> None:
    with pytest.raises(RuleError, match=r"refused|too long") as caught:
        compile_regex(pattern)
    assert reason in str(caught.value)


def test_classic_redos_pattern_runs_in_linear_time_engine() -> None:
    # (a+)+$ takes exponential time on a backtracking engine against "aaaa...b"; RE2 has
    # no backtracking, so the pattern is safe to accept and answers correctly.
    pattern = compile_regex(r"(a+)+$")
    assert pattern.search("a" * 50_000 + "b") is None
    assert pattern.search("b" + "a" * 50_000) is not None
    assert type(pattern).__module__.startswith("re2")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (rule(name=" "), "name"),
        (rule(), "at least one condition"),
        (rule(action="publish-everything", keywords=("x",)), "Choose what the rule does"),
        (rule(keywords=("x",), tag=""), "needs the tag"),
        (rule(keywords=("x",), regex="(a"), "refused"),
    ],
)
def test_validate(spec: RuleSpec, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        validate(spec)
