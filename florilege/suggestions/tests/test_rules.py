"""Topic rules: parsing the keyword syntax and matching entries (pure tables)."""

from __future__ import annotations

import pytest

from florilege.suggestions.rules import RULED_OUT, Rules, describe, match_rules, parse_rules


@pytest.mark.parametrize(
    ("items", "should", "must", "exclude"),
    [
        (["mastodon"], ("mastodon",), (), ()),
        (['"social network"'], ("social network",), (), ()),
        (["+fediverse", "-crypto"], (), ("fediverse",), ("crypto",)),
        (["+ fediverse "], (), ("fediverse",), ()),
        (["", "+", "-", '""', "  "], (), (), ()),
        (["Mastodon", "mastodon", "MASTODON"], ("Mastodon",), (), ()),
        (["+\u00abmod\u00e9ration\u00bb"], (), ("mod\u00e9ration",), ()),
        (["c++", "-c++"], ("c++",), (), ()),
    ],
)
def test_parse_rules(items, should, must, exclude) -> None:
    rules = parse_rules(items)
    assert (rules.should, rules.must, rules.exclude) == (should, must, exclude)


def test_languages_are_the_language_filter() -> None:
    assert parse_rules([], ["FR", "en", "fr", ""]).languages == ("fr", "en")
    assert not parse_rules([]) and parse_rules([], ["fr"])


RULES = parse_rules(
    ["mastodon", '"social network"', "+fediverse", "-crypto"], languages=["en", "fr"]
)


@pytest.mark.parametrize(
    ("title", "text", "language", "allowed", "matched"),
    [
        ("Mastodon and the fediverse", "", "en", True, ["fediverse", "mastodon"]),
        (
            "Le F\u00c9DIVERS",
            "un social  network libre du fediverse",
            "fr",
            True,
            ["fediverse", "social network"],
        ),
        ("Mastodon grows", "no required word here", "en", False, ["mastodon"]),
        ("Fediverse and crypto", "", "en", False, ["fediverse"]),
        ("Fediverse news", "", "de", False, ["fediverse"]),
        ("Fediverse news", "", "", True, ["fediverse"]),
        ("Fediverse news", "", "en-GB", True, ["fediverse"]),
        ("Mastodons of the fediverse", "", "en", True, ["fediverse"]),
    ],
)
def test_match_rules(title, text, language, allowed, matched) -> None:
    match = match_rules(RULES, title, text, language)
    assert match.allowed is allowed
    assert sorted(match.matched) == matched
    assert (match.prior == RULED_OUT) is (not allowed)
    if allowed:
        assert match.prior == match.strength > 0


def test_title_counts_more_than_text_and_no_rules_allow_everything() -> None:
    rules = parse_rules(["mastodon"])
    in_title = match_rules(rules, "Mastodon", "", "en").strength
    in_text = match_rules(rules, "News", "mastodon", "en").strength
    assert in_title > in_text > 0
    nothing = match_rules(Rules(), "Anything", "at all", "xx")
    assert nothing.allowed and nothing.strength == 0 and nothing.matched == []


def test_describe_writes_the_syntax_back() -> None:
    assert describe(RULES) == "mastodon, social network, +fediverse, -crypto"
    assert parse_rules(describe(RULES).split(", ")) == parse_rules(
        ["mastodon", "social network", "+fediverse", "-crypto"]
    )
