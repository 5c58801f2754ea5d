"""Folding and word-boundary slugs."""

import pytest

from florilege.lib.text.folding import fold, slug_at_word


def test_fold_drops_accents_and_case() -> None:
    assert fold("Modération") == fold("MODERATION") == "moderation"
    assert fold("Straße") == "strasse"


@pytest.mark.parametrize(
    ("text", "limit", "slug"),
    [
        ("Fédivers : une centaine d'instances signent le pacte", 30, "fedivers-une-centaine"),
        ("Short title", 60, "short-title"),
        ("exactly-ten", 11, "exactly-ten"),
        ("Supercalifragilistic words", 10, "supercalif"),
        ("one two", 4, "one"),
        ("", 60, ""),
        ("!!!", 60, ""),
    ],
)
def test_slug_is_cut_at_a_word_boundary(text, limit, slug) -> None:
    result = slug_at_word(text, limit)
    assert result == slug
    assert len(result) <= limit and not result.endswith("-")


def test_slug_default_when_nothing_is_left() -> None:
    assert slug_at_word("¿?", 60, default="scoop") == "scoop"
