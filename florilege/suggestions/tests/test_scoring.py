from datetime import UTC, datetime, timedelta

import pytest

from florilege.suggestions.scoring import baseline_score, fold, freshness

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def score(title: str, summary: str = "", keywords=("mastodon",), age_hours: float = 0):
    return baseline_score(title, summary, list(keywords), NOW - timedelta(hours=age_hours), NOW)


def test_fold_ignores_case_and_accents() -> None:
    assert fold("Modération ÉLYSÉE") == "moderation elysee"


@pytest.mark.parametrize(
    ("title", "keyword", "matches"),
    [
        ("Mastodon grows", "mastodon", True),
        ("MASTODON grows", "Mastodon", True),
        ("La modération des réseaux", "moderation", True),
        ("Mastodons of the ice age", "mastodon", False),  # whole words only
        ("Social   media policy", "social media", True),  # phrases match across spaces
        ("C++ in the fediverse", "c++", True),
        ("", "mastodon", False),
    ],
)
def test_keyword_matching(title: str, keyword: str, matches: bool) -> None:
    assert bool(score(title, keywords=[keyword]).matched) is matches


def test_title_match_outweighs_summary_match() -> None:
    assert score("Mastodon news").value > score("News", "about mastodon").value


def test_match_beats_no_match_at_same_age() -> None:
    assert score("Mastodon news").value > score("Other news").value


def test_freshness_decays_with_a_three_day_half_life() -> None:
    assert freshness(NOW, NOW) == 1.0
    assert freshness(NOW - timedelta(hours=72), NOW) == pytest.approx(0.5)
    assert freshness(None, NOW) == 0.5
    assert freshness(NOW + timedelta(hours=5), NOW) == 1.0  # future dates are not "fresher"
    assert score("Mastodon", age_hours=1).value > score("Mastodon", age_hours=100).value


def test_no_keywords_orders_by_recency() -> None:
    assert score("a", keywords=[], age_hours=1).value > score("b", keywords=[], age_hours=2).value
    assert score("a", keywords=["", "  "]).matched == []


def test_summary_repetition_is_capped() -> None:
    spam = score("x", "mastodon " * 200)
    assert spam.value < score("Mastodon", "mastodon mastodon").value


def test_stored_order_is_the_live_order_at_any_later_time() -> None:
    # Scored at different moments, then compared later: the order must be the one that
    # scoring both at the same moment gives (relevance x freshness now).
    old_strong = baseline_score("Mastodon mastodon", "", ["mastodon"], NOW - timedelta(days=6), NOW)
    later = NOW + timedelta(days=2)
    new_weak = baseline_score("Other", "", ["mastodon"], later - timedelta(hours=1), later)
    for when in (later, later + timedelta(days=30)):
        live_old = old_strong.relevance * freshness(NOW - timedelta(days=6), when)
        live_new = new_weak.relevance * freshness(later - timedelta(hours=1), when)
        assert (old_strong.value > new_weak.value) == (live_old > live_new)
