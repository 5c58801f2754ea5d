"""Per-topic trust between the learned model, the prototype and the rules (pure)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from florilege.lib.text import embedding
from florilege.suggestions import ranker
from florilege.suggestions.features import Item, featurize
from florilege.suggestions.rules import parse_rules


def test_auc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 4, 40).astype(float)  # many ties
    labels = rng.integers(0, 2, 40).astype(bool)
    assert ranker.auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))
    assert ranker.auc(scores, np.ones(40, bool)) == 0.5


def test_blend_follows_the_rules_when_they_separate_better() -> None:
    # The model put the discarded rows first; the keywords matched exactly the kept ones.
    margins = np.array([3.0, 2.5, 2.0, 1.0, 0.5, 0.0])
    labels = np.array([False, False, True, True, True, False])
    strength = np.array([0.0, 0.0, 1.4, 1.4, 0.7, 0.0])
    blend = ranker.choose_blend(margins, np.zeros(6), strength, labels, ranker.rule_weight(6))
    # The smallest rule weight that makes the order right wins (ties go to the default).
    assert blend.agreement == 1.0 and blend.rule_trust > margins.max() / 1.4
    # Never below the rules: on these rows the blend ranks at least as well as the keywords.
    blended = margins + blend.rule_trust * strength
    assert ranker.auc(blended, labels) >= ranker.auc(strength, labels)
    top3 = np.argsort(-blended, kind="stable")[:3]
    assert labels[top3].all()


def test_blend_keeps_the_default_when_the_decisions_cannot_tell() -> None:
    default = ranker.rule_weight(4)
    margins = np.array([2.0, 1.0, -1.0, -2.0])
    labels = np.array([True, True, False, False])
    # The model alone is already perfect and the rules add nothing: every pair ties.
    blend = ranker.choose_blend(margins, np.zeros(4), np.zeros(4), labels, default)
    assert (blend.rule_trust, blend.prototype_weight) == (default, ranker.PROTOTYPE_WEIGHT)
    # One class only: nothing to measure.
    only_kept = ranker.choose_blend(margins, np.zeros(4), np.zeros(4), np.ones(4, bool), default)
    assert only_kept.agreement is None and only_kept.rule_trust == default


def test_blend_uses_the_prototype_when_it_separates() -> None:
    margins = np.array([1.0, 1.0, 1.0, 1.0])
    prototype = np.array([0.4, 0.3, -0.2, -0.3])
    labels = np.array([True, True, False, False])
    blend = ranker.choose_blend(margins, prototype, np.zeros(4), labels, 0.5)
    assert blend.prototype_weight > 0 and blend.agreement == 1.0


def test_prototype_points_at_the_few_kept_rows_among_many_discards() -> None:
    # One kept row among twelve discards (a 2-5% topic): the centroid difference still
    # ranks a new row like the kept one above new rows like the discards.
    rng = np.random.default_rng(7)
    noise = 1 / np.sqrt(embedding.DIMENSIONS)  # a unit-length noise vector at 1.0
    kept_dir, other_dir = np.eye(embedding.DIMENSIONS)[:2]
    discards = other_dir + 0.5 * noise * rng.standard_normal((12, embedding.DIMENSIONS))
    rows = np.vstack([kept_dir + 0.5 * noise * rng.standard_normal(embedding.DIMENSIONS), discards])
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    labels = np.array([True] + [False] * 12)
    proto = ranker.prototype_of(np.zeros(embedding.DIMENSIONS), rows, labels, 0.0)
    like_kept = kept_dir + 0.5 * noise * rng.standard_normal(embedding.DIMENSIONS)
    like_discard = other_dir + 0.5 * noise * rng.standard_normal(embedding.DIMENSIONS)
    assert like_kept @ proto > like_discard @ proto


SPORT = [
    "Liverpool win the cup final",
    "Tennis champion reaches the final",
    "Rugby side win the derby",
    "Cup match ends in a draw",
]
OTHER = [
    "Parliament votes on the budget",
    "Minister resigns after the vote",
    "Central bank raises its rates",
    "New phone goes on sale",
    "Storm closes the coast roads",
    "Film festival opens tonight",
]


@pytest.fixture(scope="module")
def imbalanced():
    titles = OTHER[:3] + SPORT[:1] + OTHER[3:] + SPORT[1:]
    items = [Item(title=t, language="en") for t in titles]
    vectors = embedding.embed([embedding.entry_text(t, "") for t in titles])
    truth = np.array([t in SPORT for t in titles])
    return featurize(items, vectors), truth


def _train(features, truth, rows, keywords=("cup", "tennis", "rugby", "match")):
    rules = parse_rules(list(keywords))
    item = ranker.profile_item("Sport", "", rules)
    prof = featurize([item], embedding.embed([embedding.entry_text(item.title, item.text)]))
    decisions = [ranker.Decision(kept=bool(truth[i])) for i in rows]
    return ranker.train(rules, prof, features.subset(rows), decisions)


def test_train_is_deterministic_and_stores_the_blend(imbalanced) -> None:
    features, truth = imbalanced
    rows = [0, 1, 2, 3, 4, 5]  # one kept (the cup final) among six decisions
    one, two = _train(features, truth, rows), _train(features, truth, rows)
    assert one.rule_trust is not None and one.rule_trust == two.rule_trust
    assert one.prototype_weight == two.prototype_weight
    assert np.array_equal(
        ranker.score(one, features).relevance, ranker.score(two, features).relevance
    )
    back = ranker.from_state(*ranker.to_state(one))
    assert back.rule_trust == one.rule_trust and back.prototype_weight == one.prototype_weight
    assert np.allclose(
        ranker.score(back, features).relevance, ranker.score(one, features).relevance, atol=1e-4
    )


def test_one_kept_among_many_discards_still_finds_the_rest(imbalanced) -> None:
    features, truth = imbalanced
    rows = [0, 1, 2, 3, 4, 5]
    model = _train(features, truth, rows, keywords=())
    scores = ranker.score(model, features).relevance
    rest = [i for i in range(len(truth)) if i not in rows]
    top = np.array(rest)[np.argsort(-scores[rest], kind="stable")[:3]]
    assert truth[top].all()


def test_background_rows_are_weak_pseudo_discards(imbalanced) -> None:
    features, truth = imbalanced
    rows = [3, 0]  # one scoop, one discard: too few to say what is merely common
    background = features.subset([1, 2, 4, 5, 6])  # undecided, all of other topics
    without = _train(features, truth, rows, keywords=())
    with_bg = _train_bg(features, truth, rows, background)
    centre = background.vectors.mean(axis=0)
    # The prototype turns away from what the topic usually sees...
    assert centre @ with_bg.prototype < centre @ without.prototype
    # ...and the remaining sport rows stay on top, deterministically.
    scores = ranker.score(with_bg, features).relevance
    again = ranker.score(_train_bg(features, truth, rows, background), features).relevance
    assert np.array_equal(scores, again)
    rest = [i for i in range(len(truth)) if i not in rows]
    top = np.array(rest)[np.argsort(-scores[rest], kind="stable")[:3]]
    assert truth[top].all()


def _train_bg(features, truth, rows, background):
    rules = parse_rules([])
    item = ranker.profile_item("Sport", "", rules)
    prof = featurize([item], embedding.embed([embedding.entry_text(item.title, item.text)]))
    decisions = [ranker.Decision(kept=bool(truth[i])) for i in rows]
    return ranker.train(rules, prof, features.subset(rows), decisions, background)
