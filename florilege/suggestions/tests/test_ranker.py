"""The learned ranking, pure: cold start, learning from decisions, rebuild, odd topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from florilege.lib.text import embedding
from florilege.suggestions import ranker
from florilege.suggestions.features import Features, Item, featurize
from florilege.suggestions.rules import RULED_OUT, match_rules, parse_rules

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

SPORT = [
    "Liverpool win the cup final after extra time",
    "Le PSG remporte le match de championnat",
    "Tennis: the champion reaches the semi-final",
    "Rugby: la France bat l'Angleterre au Tournoi",
    "The striker scores twice as United win the derby",
    "Cyclisme: victoire d'\u00e9tape au Tour de France",
]
POLITICS = [
    "Parliament votes on the new budget bill",
    "Le gouvernement pr\u00e9sente sa r\u00e9forme des retraites",
    "The minister resigns after the election defeat",
    "Le S\u00e9nat adopte la loi sur l'immigration",
    "Opposition party calls for an early election",
    "Le pr\u00e9sident re\u00e7oit les syndicats \u00e0 l'\u00c9lys\u00e9e",
]


@pytest.fixture(scope="module")
def pool() -> tuple[Features, np.ndarray]:
    # Interleaved so that arrival order alone favours neither class.
    titles = [t for pair in zip(POLITICS, SPORT, strict=True) for t in pair]
    items = [Item(title=t, source=i % 3) for i, t in enumerate(titles)]
    vectors = embedding.embed([embedding.entry_text(t, "") for t in titles])
    truth = np.array([t in SPORT for t in titles])
    return featurize(items, vectors), truth


def profile(title: str, description: str = "", keywords=()) -> tuple:
    rules = parse_rules(list(keywords))
    item = ranker.profile_item(title, description, rules)
    vector = embedding.embed([embedding.entry_text(item.title, item.text)])
    return rules, featurize([item], vector)


def fit(rules, prof, pool, rows, truth) -> ranker.Model:
    features, _ = pool
    decisions = [ranker.Decision(kept=bool(truth[i]), title=f"t{i}", url=f"/s/{i}") for i in rows]
    return ranker.train(rules, prof, features.subset(rows), decisions)


def precision_at(k: int, scores: np.ndarray, truth: np.ndarray) -> float:
    return float(truth[np.argsort(-scores, kind="stable")[:k]].mean())


def test_cold_start_ranks_by_the_topic_description(pool) -> None:
    features, truth = pool
    rules, prof = profile("Sport", "Football, tennis, rugby and cycling results")
    model = ranker.train(rules, prof, features.subset([]), [])
    assert model.decisions == 0
    assert precision_at(4, ranker.score(model, features).relevance, truth) >= 0.75


def test_decisions_change_the_order(pool) -> None:
    features, truth = pool
    # A misleading name: "Matches" says nothing of politics; decisions must teach it.
    rules, prof = profile("Matches")
    politics = ~truth
    before = ranker.score(ranker.train(rules, prof, features.subset([]), []), features)
    rows = [0, 1, 2, 3]  # two politics scoops, two sport discards
    model = fit(rules, prof, pool, rows, politics)
    after = ranker.score(model, features)
    remaining = np.ones(len(truth), bool)
    remaining[rows] = False
    p_before = precision_at(4, before.relevance[remaining], politics[remaining])
    p_after = precision_at(4, after.relevance[remaining], politics[remaining])
    assert p_after > p_before and p_after >= 0.75
    assert (model.kept, model.discarded) == (2, 2)


def test_rebuild_and_state_round_trip_give_identical_scores(pool) -> None:
    features, truth = pool
    rules, prof = profile("Sport", keywords=["match"])
    rows = [1, 0, 3, 2, 5]
    one, two = fit(rules, prof, pool, rows, truth), fit(rules, prof, pool, rows, truth)
    first, second = ranker.score(one, features), ranker.score(two, features)
    assert np.array_equal(first.relevance, second.relevance)
    state, meta = ranker.to_state(one)
    back = ranker.from_state(state, meta)
    assert np.allclose(ranker.score(back, features).relevance, first.relevance, atol=1e-5)
    assert back.rules == one.rules and back.sources == one.sources
    with pytest.raises(ValueError):
        ranker.from_state(state, {**meta, "format": -1})


def test_all_discards_still_rank_sensibly(pool) -> None:
    features, truth = pool
    rules, prof = profile("Sport", "Football, tennis, rugby")
    politics_rows = [i for i in range(len(truth)) if not truth[i]][:4]
    model = fit(rules, prof, pool, politics_rows, truth)
    assert (model.kept, model.discarded, len(model.exemplars)) == (0, 4, 0)
    scored = ranker.score(model, features)
    assert np.isfinite(scored.relevance).all()
    remaining = [i for i in range(len(truth)) if i not in politics_rows]
    assert precision_at(4, scored.relevance[remaining], truth[remaining]) >= 0.75


def test_no_keywords_and_no_decisions_and_empty_entries() -> None:
    rules, prof = profile("Untitled")
    items = [Item(title=""), Item(title="Something", text="")]
    features = featurize(items)
    model = ranker.train(rules, prof, featurize([]), [])
    scored = ranker.score(model, features)
    assert np.isfinite(scored.relevance).all()
    values = ranker.ranking_values(scored, features, NOW)
    assert np.isfinite(values).all()
    why = ranker.reasons(model, features, scored, 0)
    assert why["keywords"] == [] and why["similar"] == [] and why["decisions"] == 0


def test_rules_rule_out_and_lead(pool) -> None:
    features, _ = pool
    rules, prof = profile("Sport", keywords=["-tennis", "match"])
    model = ranker.train(rules, prof, features.subset([]), [])
    scored = ranker.score(model, features)
    tennis = next(i for i, it in enumerate(features.items) if "Tennis" in it.title)
    assert scored.rules[tennis] == RULED_OUT
    assert ranker.reasons(model, features, scored, tennis)["excluded"] == ["tennis"]
    match = next(i for i, it in enumerate(features.items) if "match" in it.title)
    weight = ranker.DEFAULT_RULE_TRUST
    assert scored.rules[match] == pytest.approx(weight * scored.matches[match].strength)
    # Until the decisions say otherwise the keywords lead: the match is first, whatever
    # the description-only model thinks of the other rows, and the weight does not fade.
    assert int(np.argmax(scored.relevance)) == match
    assert ranker.rule_weight(0) == ranker.rule_weight(200) == weight


def test_source_prior_and_reasons(pool) -> None:
    features, truth = pool
    rules, prof = profile("Sport")
    rows = list(range(8))
    model = fit(rules, prof, pool, rows, truth)
    prior = ranker.source_prior(model, [0, 1, 2, None, 99])
    assert prior[3] == prior[4] == 0.0
    assert model.sources  # counted per source
    # Similar past scoops are the scooped (sport) rows, with their links.
    sport_row = next(i for i in range(8, len(truth)) if truth[i])
    scored = ranker.score(model, features)
    why = ranker.reasons(model, features, scored, sport_row)
    assert why["similar"] and all(s["url"].startswith("/s/") for s in why["similar"])
    assert set(why["parts"]) == {"model", "prototype", "rules", "source"}


def test_freshness_keeps_stored_order_over_time() -> None:
    rules, prof = profile("Sport")
    model = ranker.train(rules, prof, featurize([]), [])
    items = [
        Item(title="Cup final", published=NOW - timedelta(days=3)),
        Item(title="Cup final", published=NOW - timedelta(hours=1)),
    ]
    features = featurize(items)
    values = ranker.ranking_values(ranker.score(model, features), features, NOW)
    assert values[1] > values[0]
    later = ranker.ranking_values(ranker.score(model, features), features, NOW + timedelta(days=9))
    assert np.allclose(later, values)


@pytest.mark.parametrize(
    "keywords",
    [
        ["match", "+rugby", "-tennis"],
        ['"le gouvernement"', "l'immigration", "élection"],
        ["c++", "cup"],
        [],
        ["+absent"],
    ],
)
def test_match_all_agrees_with_match_rules(pool, keywords) -> None:
    features, _ = pool
    rules = parse_rules(keywords, ["en", "fr"])
    expected = [match_rules(rules, i.title, i.text, i.language) for i in features.items]
    assert ranker.match_all(rules, features) == expected


def test_text_weights_looked_up_as_the_dense_column_would_give_them():
    # Reasons read a row's word weights without building the 2 MB dense column per model
    # (the suggestion stage holds every topic's model at once).
    model = ranker.Model(
        text_index=np.array([3, 10, 70_000], dtype=np.int32),
        text_coef=np.array([0.5, -1.0, 2.0], dtype=np.float32),
    )
    columns = np.array([0, 3, 4, 10, 69_999, 70_000, ranker.TEXT_FEATURES - 1])
    assert np.array_equal(model.text_coef_at(columns), model.dense_text_coef[columns])
    assert model.text_coef_at(columns).dtype == np.float32
    assert not ranker.Model().text_coef_at(columns).any()
    assert "dense_text_coef" not in vars(model)  # nothing kept on the model
