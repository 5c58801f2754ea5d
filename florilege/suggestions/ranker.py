"""A topic's learned ranking: train from its decisions, score entries, say why.

Pure: no Django; the clock is passed in. The web request never calls :func:`train`: the
worker does (``suggestions.services.learning``) and stores the result with
:func:`to_state`.

The model is a logistic regression over the entry features (``features.py``), refit on the
topic's whole decision history in decision order, which is small (a curator decides tens of
items a day). A refit is deterministic (lbfgs, no random state), so rebuilding from the same
decisions gives the same scores, and it is as fast as an online update at this size.

Cold start: the topic itself is one pseudo-scoop (its title, description and positive rule
terms, as text and as a sentence embedding) and the empty entry one pseudo-discard. With no
decisions the model therefore ranks by similarity to the topic's description; with only
discards it still has a positive class to rank towards. The rules add their own prior (a
match raises the score); must/exclude/language rules rule an entry out whatever the model
says, and a smoothed per-source prior adds how often this topic keeps that source.

The keywords lead: until a topic's decisions show otherwise, the rule prior is heavy enough
that the queue is the keyword order with the model and the prototype (the centroid of the
kept entries' embeddings) breaking its ties. A lighter rule weight, or another prototype
weight, is chosen per topic from its own decisions, out of fold, only when it separates
them better beyond their noise (:func:`choose_blend`).

Score = model margin + prototype + rule prior + source prior, plus freshness in the
time-invariant form of ``scoring.ranking_value`` so that stored scores keep their order as
time passes.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from florilege.lib.text.embedding import DIMENSIONS
from florilege.lib.text.stopwords import is_stopword
from florilege.suggestions.features import (
    TEXT_FEATURES,
    Features,
    Item,
    featurize,
)
from florilege.suggestions.rules import RuleMatch, Rules, match_folded, match_rules
from florilege.suggestions.scoring import effective_date, fold, ranking_value

# Stored with each model: a change of features or format makes every stored model stale.
FORMAT = 3
# The embedding block is 512 dense columns against ~1,000 sparse ones per row; this scale
# lets the sentence meaning weigh about as much as the words (chosen on bench/relevance).
VECTOR_SCALE = 1.0
TEXT_SCALE = 1.0
# Inverse regularisation of the logistic regression (chosen on bench/relevance).
C = 10.0
# Weight of the topic's own description as a pseudo-scoop, and of the empty pseudo-discard.
PROFILE_WEIGHT = 2.0
EMPTY_WEIGHT = 1.0
# The weight of the rules until a topic's decisions show that the learned order separates
# better (``choose_blend``): the keyword order, the model and the prototype breaking its ties
# (a title hit is worth log(4) = 1.4 of rule strength, margins stay within a few units). The
# fading prior it replaced (1 at no decisions, 20 / (20 + n) after n) let the model override
# perfect keywords on the strength of a few decisions (docs/ranking.md).
DEFAULT_RULE_TRUST = 16.0
# Source prior: pseudo-decisions pulling each source towards the topic's overall keep rate.
SOURCE_SMOOTHING = 4.0
SOURCE_WEIGHT = 0.5
# Past scoops kept for "similar to" reasons, and the cosine a neighbour must reach.
EXEMPLARS = 200
SIMILAR_MIN = 0.35
# A word is named among the reasons when it adds at least this to the learned margin.
MIN_WORD_CONTRIBUTION = 0.01
# "From a source you scoop often": the source prior adds at least this.
SOURCE_OFTEN = 0.1
# Decisions a refit reads (the most recent); older ones have shaped what the topic became.
MAX_HISTORY = 2000
# Per-topic trust (see :func:`choose_blend`): the rule weights and prototype weights tried,
# the prototype weight used when the decisions cannot tell, and the folds of the
# out-of-fold margins. The rule weights run from "ignore the keywords" to "the keywords
# decide, the model only breaks their ties" (margins stay within a few units, a keyword hit
# in a title is worth log(4) = 1.4 of rule strength).
RULE_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
PROTOTYPE_WEIGHTS = (0.0, 2.0, 4.0, 8.0)
PROTOTYPE_WEIGHT = 2.0
FOLDS = 5
# The rules lead until the decisions show otherwise: another blend replaces the default only
# when the topic has kept at least MIN_KEPT entries and the blend's out-of-fold AUC beats
# the default's by more than SIGNIFICANCE standard errors (see :func:`choose_blend`).
MIN_KEPT = 3
SIGNIFICANCE = 1.0
# Undecided entries of the topic's stream as weak pseudo-discards (``train(background=)``),
# each worth this much of a real discard, at most BACKGROUND_ROWS of them. Measured on
# bench/relevance (``--background 100``) and not used by the application: better worst
# case against the keywords, worse p@10 after 20 decisions on French (docs/ranking.md).
BACKGROUND_ROWS = 100
BACKGROUND_WEIGHT = 0.1


@dataclass
class Model:
    rules: Rules = field(default_factory=Rules)
    text_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    text_coef: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    vector_coef: np.ndarray = field(default_factory=lambda: np.zeros(DIMENSIONS, np.float32))
    intercept: float = 0.0
    kept: int = 0
    discarded: int = 0
    # source id -> [kept, discarded]
    sources: dict[int, list[int]] = field(default_factory=dict)
    exemplars: np.ndarray = field(default_factory=lambda: np.zeros((0, DIMENSIONS), np.float32))
    # One {"title": ..., "url": ..., "story": ...} per exemplar row.
    exemplar_refs: list[dict] = field(default_factory=list)
    # Unit centroid of the kept entries' embeddings (and the topic's description) minus that
    # of the discarded ones: closeness in meaning to what the topic keeps.
    prototype: np.ndarray = field(default_factory=lambda: np.zeros(DIMENSIONS, np.float32))
    # The blend chosen from this topic's own decisions (None: the default schedule).
    rule_trust: float | None = None
    prototype_weight: float = PROTOTYPE_WEIGHT

    @property
    def decisions(self) -> int:
        return self.kept + self.discarded

    @property
    def dense_text_coef(self) -> np.ndarray:
        """The text weights as one dense column (2 MB), made for each use and not kept: the
        suggestion stage holds every topic's model at once, and keeping this on each model
        cost 2 MB a topic (over 200 MB of a worker's peak for 100 topics)."""
        dense = np.zeros(TEXT_FEATURES, dtype=np.float32)
        dense[self.text_index] = self.text_coef
        return dense

    def text_coef_at(self, columns: np.ndarray) -> np.ndarray:
        """``dense_text_coef[columns]`` without the dense column (the weights of a row's
        words, for reasons). ``text_index`` is sorted and distinct (the training's nonzero
        columns)."""
        if not len(self.text_index):
            return np.zeros(len(columns), dtype=np.float32)
        at = np.minimum(np.searchsorted(self.text_index, columns), len(self.text_index) - 1)
        return np.where(self.text_index[at] == columns, self.text_coef[at], np.float32(0.0))


@dataclass(frozen=True)
class Decision:
    """One decided entry of the history: kept (scooped) or not, and what to link to."""

    kept: bool
    title: str = ""
    url: str = ""
    # The entry's story, so "like your scoop" names a story once.
    story: int | None = None


def profile_item(title: str, description: str, rules: Rules) -> Item:
    """The topic as a document: what it is called, what it says it is about."""
    terms = ", ".join(rules.positive_terms)
    return Item(title=title, text=f"{description}\n{terms}".strip())


def rule_weight(decisions: int) -> float:
    """The default weight of the rules after ``decisions`` decisions, before the topic's
    decisions show how far to trust them: the same at every count (the keywords lead), so a
    topic leaves it only through :func:`choose_blend`."""
    return DEFAULT_RULE_TRUST


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a kept row outscores a discarded one (ties count half); 0.5 when a
    class is missing. Pure numpy, exact, O(n log n)."""
    labels = np.asarray(labels, dtype=bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        return 0.5
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = np.asarray(scores, dtype=np.float64)[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True)
class Blend:
    rule_trust: float
    prototype_weight: float
    # Out-of-fold AUC of the chosen blend over the decisions (None: not measured).
    agreement: float | None = None


def choose_blend(
    margins: np.ndarray,
    prototype: np.ndarray,
    strength: np.ndarray,
    labels: np.ndarray,
    default_rules: float,
) -> Blend:
    """How far this topic should trust its rules and its prototype against the learned
    margin, chosen from its own decisions.

    ``margins`` and ``prototype`` are out-of-fold (each decided row scored by a model fit
    without it), ``strength`` the rows' rule strength. Every (rule weight, prototype weight)
    pair is scored by the AUC of ``margin + w * strength + v * prototype`` over the decided
    rows. In-sample margins would always look perfect, hence out-of-fold.

    The default (``default_rules``, normally :data:`DEFAULT_RULE_TRUST`: the keywords lead)
    stays unless the topic has kept at least :data:`MIN_KEPT` entries and the best pair's AUC
    beats the default's by more than :data:`SIGNIFICANCE` standard errors of the default's
    AUC (:func:`auc_error`): a few decisions, mostly the model's own picks, are too noisy to
    overrule what the curator wrote. Among equally good pairs the one nearest the default
    wins. Deterministic. ``agreement`` is the chosen pair's AUC.
    """
    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return Blend(default_rules, PROTOTYPE_WEIGHT)
    candidates = sorted(
        ((w, v) for w in (*RULE_WEIGHTS, default_rules) for v in PROTOTYPE_WEIGHTS),
        key=lambda pair: (
            abs(math.log1p(pair[0]) - math.log1p(default_rules)),
            abs(pair[1] - PROTOTYPE_WEIGHT),
            pair,
        ),
    )
    best, best_auc = candidates[0], -1.0
    for w, v in candidates:
        value = auc(margins + w * strength + v * prototype, labels)
        if value > best_auc + 1e-9:
            best, best_auc = (w, v), value
    default_auc = auc(margins + default_rules * strength + PROTOTYPE_WEIGHT * prototype, labels)
    kept = int(labels.sum())
    if kept < MIN_KEPT or best_auc - default_auc <= SIGNIFICANCE * auc_error(
        default_auc, kept, len(labels) - kept
    ):
        return Blend(default_rules, PROTOTYPE_WEIGHT, round(default_auc, 4))
    return Blend(best[0], best[1], round(best_auc, 4))


def auc_error(value: float, positives: int, negatives: int) -> float:
    """Standard error of an AUC measured on ``positives`` and ``negatives`` rows (Hanley and
    McNeil, 1982)."""
    q1, q2 = value / (2 - value), 2 * value * value / (1 + value)
    variance = (
        value * (1 - value)
        + (positives - 1) * (q1 - value * value)
        + (negatives - 1) * (q2 - value * value)
    ) / max(positives * negatives, 1)
    return math.sqrt(max(variance, 0.0))


def prototype_of(
    profile: np.ndarray,
    vectors: np.ndarray,
    labels: np.ndarray,
    profile_weight: float,
    negative: np.ndarray | None = None,
) -> np.ndarray:
    """Unit centroid of the kept rows (the profile counting ``profile_weight`` rows) minus
    the unit centroid of the discarded rows (plus ``negative``, the weighted sum of the
    background's vectors): a nearest-centroid classifier, which needs far fewer examples
    than the per-dimension weights of the regression."""
    labels = np.asarray(labels, dtype=bool)
    kept = profile.astype(np.float64).ravel() * profile_weight + vectors[labels].sum(axis=0)
    out = _unit(kept)
    discarded = vectors[~labels].sum(axis=0, dtype=np.float64)
    if negative is not None:
        discarded = discarded + negative
    if discarded.any():
        out = out - _unit(discarded)
    return out.astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else np.zeros_like(vector, dtype=np.float64)


def _fit(x: sp.csr_matrix, y: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Class-balanced logistic regression over the columns the rows use (a few thousand of
    half a million; unused columns get a zero weight under L2 anyway)."""
    weights = weights.astype(np.float64).copy()
    # Balance the two classes as they are, so a run of discards does not drown the scoops.
    for value in (0, 1):
        mask = y == value
        weights[mask] *= len(y) / (2.0 * weights[mask].sum())
    used = np.unique(x.indices)
    lr = LogisticRegression(C=C, solver="liblinear", max_iter=300, tol=1e-5)
    lr.fit(x[:, used], y, sample_weight=weights)
    coef = np.zeros(x.shape[1])
    coef[used] = lr.coef_[0]
    return coef, float(lr.intercept_[0])


def out_of_fold(
    base: sp.csr_matrix,
    base_y: np.ndarray,
    base_w: np.ndarray,
    x: sp.csr_matrix,
    y: np.ndarray,
    profile_vector: np.ndarray,
    vectors: np.ndarray,
    negative: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Margins and prototype similarities of each decided row from models fit without its
    fold (row i is in fold i mod k: deterministic). ``base`` rows (the profile and the
    empty pseudo-discard) are in every training set."""
    k = min(FOLDS, len(y))
    margins = np.zeros(len(y))
    proto = np.zeros(len(y))
    folds = np.arange(len(y)) % k
    for part in range(k):
        held, rest = np.flatnonzero(folds == part), np.flatnonzero(folds != part)
        coef, intercept = _fit(
            sp.vstack([base, x[rest]], format="csr"),
            np.concatenate([base_y, y[rest]]),
            np.concatenate([base_w, np.ones(len(rest))]),
        )
        margins[held] = x[held] @ coef + intercept
        centroid = prototype_of(
            profile_vector, vectors[rest], y[rest] == 1, PROFILE_WEIGHT, negative
        )
        proto[held] = vectors[held] @ centroid
    return margins, proto


def _design(features: Features) -> sp.csr_matrix:
    return sp.hstack(
        [features.text * TEXT_SCALE, sp.csr_matrix(features.vectors * VECTOR_SCALE)],
        format="csr",
        dtype=np.float64,
    )


def train(
    rules: Rules,
    profile: Features,
    history: Features,
    decisions: Sequence[Decision],
    background: Features | None = None,
) -> Model:
    """Fit a topic's model. ``profile`` is ``featurize([profile_item(...)])`` with its
    embedding; ``history`` holds the decided entries in decision order. ``background``, when
    given, holds undecided entries of the topic's stream (at most BACKGROUND_ROWS are read):
    weak pseudo-discards, since most of what a topic sees is not for it (see
    BACKGROUND_WEIGHT)."""
    if len(history) != len(decisions):
        raise ValueError("one decision per history row")
    if len(decisions) > MAX_HISTORY:
        history = history.subset(range(len(decisions) - MAX_HISTORY, len(decisions)))
        decisions = decisions[-MAX_HISTORY:]
    labels = np.array([d.kept for d in decisions], dtype=np.int64)
    empty = sp.csr_matrix((1, TEXT_FEATURES + DIMENSIONS), dtype=np.float64)
    base = sp.vstack([_design(profile), empty], format="csr")
    base_y = np.array([1, 0])
    base_w = np.array([PROFILE_WEIGHT, EMPTY_WEIGHT])
    negative = np.zeros(DIMENSIONS)
    if background is not None and len(background):
        background = background.subset(range(min(len(background), BACKGROUND_ROWS)))
        base = sp.vstack([base, _design(background)], format="csr")
        base_y = np.concatenate([base_y, np.zeros(len(background), np.int64)])
        base_w = np.concatenate([base_w, np.full(len(background), BACKGROUND_WEIGHT)])
        negative = background.vectors.sum(axis=0) * BACKGROUND_WEIGHT
    x = _design(history)
    coef, intercept = _fit(
        sp.vstack([base, x], format="csr"),
        np.concatenate([base_y, labels]),
        np.concatenate([base_w, np.ones(len(labels))]),
    )
    text_coef = coef[:TEXT_FEATURES]
    nonzero = np.flatnonzero(np.abs(text_coef) > 1e-7).astype(np.int32)
    model = Model(
        rules=rules,
        text_index=nonzero,
        text_coef=text_coef[nonzero].astype(np.float32),
        vector_coef=(coef[TEXT_FEATURES:] * VECTOR_SCALE).astype(np.float32),
        intercept=intercept,
        kept=int(labels.sum()),
        discarded=int(len(labels) - labels.sum()),
        prototype=prototype_of(
            profile.vectors[0], history.vectors, labels == 1, PROFILE_WEIGHT, negative
        ),
    )
    # The text scale is folded into the stored coefficients, so scoring is one product.
    model.text_coef *= np.float32(TEXT_SCALE)
    if 0 < labels.sum() < len(labels):
        margins, proto = out_of_fold(
            base, base_y, base_w, x, labels, profile.vectors[0], history.vectors, negative
        )
        strength = np.array([m.strength for m in match_all(rules, history)])
        blend = choose_blend(margins, proto, strength, labels, rule_weight(len(labels)))
        model.rule_trust, model.prototype_weight = blend.rule_trust, blend.prototype_weight
    for source, decision in zip(history.sources, decisions, strict=True):
        if source is not None:
            counts = model.sources.setdefault(int(source), [0, 0])
            counts[0 if decision.kept else 1] += 1
    kept_rows = [i for i, d in enumerate(decisions) if d.kept][-EXEMPLARS:]
    model.exemplars = history.vectors[kept_rows].astype(np.float32)
    model.exemplar_refs = [
        {"title": decisions[i].title, "url": decisions[i].url, "story": decisions[i].story}
        for i in kept_rows
    ]
    return model


def source_prior(model: Model, sources: Sequence[int | None]) -> np.ndarray:
    """Log-odds of keeping an entry of this source, relative to the topic's overall rate,
    shrunk towards zero for sources with few decisions."""
    if not model.sources:
        return np.zeros(len(sources), dtype=np.float64)
    base = (model.kept + 1.0) / (model.decisions + 2.0)
    base_logit = math.log(base / (1.0 - base))
    prior: dict[int, float] = {}
    for source, (kept, discarded) in model.sources.items():
        rate = (kept + SOURCE_SMOOTHING * base) / (kept + discarded + SOURCE_SMOOTHING)
        prior[source] = SOURCE_WEIGHT * (math.log(rate / (1.0 - rate)) - base_logit)
    return np.fromiter(
        (prior.get(s, 0.0) if s is not None else 0.0 for s in sources),
        dtype=np.float64,
        count=len(sources),
    )


@dataclass
class Scored:
    """The parts of each entry's score (arrays, one value per entry) and its rule matches."""

    model: np.ndarray
    rules: np.ndarray
    source: np.ndarray
    matches: list[RuleMatch]
    # Closeness in meaning to the kept entries (weighted); zeros when not computed.
    prototype: np.ndarray | None = None

    @property
    def relevance(self) -> np.ndarray:
        total = self.model + self.rules + self.source
        return total if self.prototype is None else total + self.prototype


def match_all(rules: Rules, features: Features) -> list[RuleMatch]:
    """``match_rules`` for every row; rows that hold none of the rules' words share one
    precomputed answer per language, so a topic costs a regex only where a term may be."""
    terms = rules.must + rules.should + rules.exclude
    languages = [item.language or "" for item in features.items]
    no_hit = {lang: match_rules(rules, "", "", lang) for lang in set(languages)}
    out = [no_hit[lang] for lang in languages]
    if not terms:
        return out
    masks = np.stack([features.term_mask(t) for t in terms])
    for i in np.flatnonzero(masks.any(axis=0)):
        item = features.items[i]
        # Only the terms whose words the row holds can match: skip the others' regexes.
        maybe = {terms[k] for k in np.flatnonzero(masks[:, i])}
        out[i] = match_folded(rules, *features.folded[i], item.language, maybe)
    return out


def score(model: Model, features: Features, matches: list[RuleMatch] | None = None) -> Scored:
    """Relevance of each entry for the topic (no freshness). One sparse product and one
    dense product: the features are shared by every topic. ``matches`` may be passed when
    the same rules were already matched against the same entries."""
    margin = features.text @ model.dense_text_coef
    margin = np.asarray(margin, dtype=np.float64).ravel()
    # The regression's and the prototype's embedding weights in one dense product.
    dense = features.vectors @ np.stack([model.vector_coef, model.prototype], axis=1)
    margin += dense[:, 0] + model.intercept
    prototype = dense[:, 1].astype(np.float64) * model.prototype_weight
    if matches is None:
        matches = match_all(model.rules, features)
    weight = model_rule_weight(model)
    # Most rows share a few match objects (no hit): compute each one's prior once.
    priors: dict[int, float] = {}
    prior = np.fromiter(
        (_prior(m, weight, priors) for m in matches), dtype=np.float64, count=len(matches)
    )
    return Scored(margin, prior, source_prior(model, features.sources), matches, prototype)


def model_rule_weight(model: Model) -> float:
    """The weight of the rules in this model's scores: the topic's chosen trust, or the
    default schedule until its decisions can tell."""
    return rule_weight(model.decisions) if model.rule_trust is None else model.rule_trust


def _prior(match: RuleMatch, weight: float, cache: dict[int, float]) -> float:
    key = id(match)
    if key not in cache:
        cache[key] = match.strength * weight if match.allowed else match.prior
    return cache[key]


def ranking_values(scored: Scored, features: Features, now: datetime) -> np.ndarray:
    """Stored score values: relevance plus freshness, time-invariant (see ``scoring``)."""
    return np.round(scored.relevance + freshness_terms(features, now), 6)


def freshness_terms(features: Features, now: datetime) -> np.ndarray:
    """The time part of each stored value; the same for every topic, so computed once."""
    cache = features.__dict__.setdefault("_freshness", {})
    if now not in cache:
        cache[now] = np.array(
            [ranking_value(1.0, effective_date(i.published, now)) for i in features.items]
        )
    return cache[now]


# Reasons stored from this version on hold "terms" (not "words"), "rule_weight", "prototype".
REASONS_VERSION = 2


def reasons(model: Model, features: Features, scored: Scored, row: int) -> dict:
    """Why an entry is where it is, as stored on its suggestion and shown on its card. Every
    figure is a part of the score itself (``scored``), so the card explains the number that
    placed the entry."""
    match = scored.matches[row]
    item = features.items[row]
    prototype = 0.0 if scored.prototype is None else float(scored.prototype[row])
    source = float(scored.source[row])
    out: dict = {
        "version": REASONS_VERSION,
        "keywords": match.matched,
        "parts": {
            "model": round(float(scored.model[row]), 3),
            "prototype": round(prototype, 3),
            "rules": round(float(scored.rules[row]), 3),
            "source": round(source, 3),
        },
        "rule_weight": round(model_rule_weight(model), 3),
        "decisions": model.decisions,
    }
    if match.excluded:
        out["excluded"] = match.excluded
    if match.missing:
        out["missing"] = match.missing
    if not match.language_ok:
        out["language"] = item.language
    out["terms"] = [
        [word, round(weight, 3)] for word, weight in word_contributions(model, features, row)
    ]
    out["similar"] = similar_scoops(model, features.vectors[row])
    if source >= SOURCE_OFTEN:
        out["source_often"] = True
    return out


def word_contributions(
    model: Model, features: Features, row: int, limit: int = 3
) -> list[tuple[str, float]]:
    """The entry's words that raised its learned score most, with what each added (the
    word's weight in the model times its value in this entry's features: the same product
    the score is made of). Function words of every supported language are left out: they
    say nothing to the curator, whatever weight a few decisions gave them."""
    words = features.words[row]
    if not len(model.text_index) or not words:
        return []
    columns = features.word_columns[row]
    text = features.text
    start, end = text.indptr[row], text.indptr[row + 1]
    indices, data = text.indices[start:end], text.data[start:end]
    order = np.argsort(indices, kind="stable")
    indices, data = indices[order], data[order]
    at = np.minimum(np.searchsorted(indices, columns), max(len(indices) - 1, 0))
    present = (indices[at] == columns) if len(indices) else np.zeros(len(columns), bool)
    values = np.where(present, data[at] if len(data) else 0.0, 0.0)
    contributions = model.text_coef_at(columns) * values
    language = features.items[row].language
    ranked = np.argsort(-contributions, kind="stable")
    out: list[tuple[str, float]] = []
    for i in ranked:
        if contributions[i] < MIN_WORD_CONTRIBUTION or len(out) >= limit:
            break
        if not is_stopword(words[i], language):
            out.append((words[i], float(contributions[i])))
    return out


def top_words(model: Model, features: Features, row: int, limit: int = 3) -> list[str]:
    """The entry's words that raised its score most (see :func:`word_contributions`)."""
    return [word for word, _ in word_contributions(model, features, row, limit)]


def similar_scoops(model: Model, vector: np.ndarray, limit: int = 3) -> list[dict]:
    """The past scoops closest in meaning (cosine of sentence embeddings), one per story:
    two copies of one story are one reason."""
    if not len(model.exemplars) or not vector.any():
        return []
    sims = model.exemplars @ vector
    out: list[dict] = []
    seen: set[str] = set()
    for i in np.argsort(-sims, kind="stable"):
        if sims[i] < SIMILAR_MIN or len(out) >= limit:
            break
        ref = model.exemplar_refs[i]
        keys = {f"url:{ref.get('url')}", f"title:{fold(ref.get('title') or '')}"}
        if ref.get("story") is not None:
            keys.add(f"story:{ref['story']}")
        if keys & seen:
            continue
        seen |= keys
        out.append({**ref, "similarity": round(float(sims[i]), 2)})
    return out


def to_state(model: Model) -> tuple[bytes, dict]:
    """Arrays as .npz bytes (loaded with allow_pickle=False) and the rest as JSON: nothing
    stored can run code when read back."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        text_index=model.text_index,
        text_coef=model.text_coef,
        vector_coef=model.vector_coef,
        exemplars=model.exemplars.astype(np.float16),
        prototype=model.prototype,
    )
    meta = {
        "format": FORMAT,
        "intercept": model.intercept,
        "kept": model.kept,
        "discarded": model.discarded,
        "sources": {str(k): v for k, v in model.sources.items()},
        "exemplar_refs": model.exemplar_refs,
        "rule_trust": model.rule_trust,
        "prototype_weight": model.prototype_weight,
        "rules": {
            "should": list(model.rules.should),
            "must": list(model.rules.must),
            "exclude": list(model.rules.exclude),
            "languages": list(model.rules.languages),
        },
    }
    return buffer.getvalue(), json.loads(json.dumps(meta))


def from_state(data: bytes | memoryview, meta: dict) -> Model:
    if meta.get("format") != FORMAT:
        raise ValueError("stored model has another format; rebuild it")
    with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as arrays:
        rules = meta.get("rules", {})
        return Model(
            rules=Rules(
                tuple(rules.get("should", ())),
                tuple(rules.get("must", ())),
                tuple(rules.get("exclude", ())),
                tuple(rules.get("languages", ())),
            ),
            text_index=arrays["text_index"].astype(np.int32),
            text_coef=arrays["text_coef"].astype(np.float32),
            vector_coef=arrays["vector_coef"].astype(np.float32),
            intercept=float(meta["intercept"]),
            kept=int(meta["kept"]),
            discarded=int(meta["discarded"]),
            sources={int(k): list(v) for k, v in meta.get("sources", {}).items()},
            exemplars=arrays["exemplars"].astype(np.float32),
            exemplar_refs=list(meta.get("exemplar_refs", [])),
            prototype=arrays["prototype"].astype(np.float32),
            rule_trust=None if meta.get("rule_trust") is None else float(meta["rule_trust"]),
            prototype_weight=float(meta.get("prototype_weight", PROTOTYPE_WEIGHT)),
        )


def cold_profile(title: str, description: str, rules: Rules, vector: np.ndarray) -> Features:
    """The profile features: ``vector`` is the embedding of the profile item's text."""
    item = profile_item(title, description, rules)
    return featurize([item], np.asarray(vector, dtype=np.float32).reshape(1, DIMENSIONS))
