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
    # The default (the keywords lead) is already right: nothing beats it, it stays.
    assert blend.agreement == 1.0 and blend.rule_trust == ranker.DEFAULT_RULE_TRUST
    assert blend.rule_trust > margins.max() / 1.4
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


def test_auc_error_at_chance_is_the_exact_spread_of_the_rank_statistic() -> None:
    # Under no separation, the Mann-Whitney AUC has variance (p + q + 1) / (12 p q): the
    # Hanley-McNeil error must agree there, and shrink as the decisions grow.
    for positives, negatives in ((3, 5), (10, 10), (40, 7)):
        exact = np.sqrt((positives + negatives + 1) / (12 * positives * negatives))
        assert ranker.auc_error(0.5, positives, negatives) == pytest.approx(exact)
    assert ranker.auc_error(0.8, 40, 40) < ranker.auc_error(0.8, 4, 4)


# The keywords are right but for one kept row the learned margin ranks better than they do.
GAIN_MARGINS = np.array([4.0, 3.0, 2.0, 1.5, 1.2, 1.0, 0.0, -1.0])
GAIN_STRENGTH = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0])
GAIN_LABELS = np.array([True] * 4 + [False] * 4)


def test_blend_leaves_the_rules_only_beyond_the_noise_of_the_decisions() -> None:
    default = ranker.rule_weight(8)
    rules_auc = ranker.auc(GAIN_MARGINS + default * GAIN_STRENGTH, GAIN_LABELS)
    assert ranker.auc(GAIN_MARGINS, GAIN_LABELS) > rules_auc  # the model is a little better
    few = ranker.choose_blend(GAIN_MARGINS, np.zeros(8), GAIN_STRENGTH, GAIN_LABELS, default)
    # Eight decisions: one pair better is within one standard error, the keywords lead.
    assert few.rule_trust == default and few.agreement == pytest.approx(rules_auc, abs=1e-4)
    # The same evidence ten times over is beyond it: the learned order takes over.
    many = ranker.choose_blend(
        np.tile(GAIN_MARGINS, 10),
        np.zeros(80),
        np.tile(GAIN_STRENGTH, 10),
        np.tile(GAIN_LABELS, 10),
        default,
    )
    assert many.rule_trust < default and many.agreement == 1.0


def test_blend_needs_a_few_kept_rows_before_it_leaves_the_rules() -> None:
    # The keywords matched only the discards and the model separates perfectly, but two
    # kept rows are too few to say so.
    margins = np.array([2.0, 1.0, -1.0, -2.0, -3.0, -4.0])
    strength = np.array([0.0, 0.0, 1.4, 1.4, 1.4, 1.4])
    labels = np.array([True, True, False, False, False, False])
    default = ranker.rule_weight(6)
    blend = ranker.choose_blend(margins, np.zeros(6), strength, labels, default)
    assert ranker.MIN_KEPT > 2 and blend.rule_trust == default
    # One more kept row, as clear: the rules are overruled.
    more = ranker.choose_blend(
        np.append(margins, 1.5),
        np.zeros(7),
        np.append(strength, 0.0),
        np.append(labels, True),
        default,
    )
    assert more.rule_trust < default and more.agreement == 1.0


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
