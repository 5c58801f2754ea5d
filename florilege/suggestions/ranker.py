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
discards it still has a positive class to rank towards. The strength of the rule matches is
one more column of the model, so the decisions learn how much the keywords matter (the
profile matches its own keywords, so a cold start trusts them); must/exclude/language rules
rule an entry out whatever the model says, and a smoothed per-source prior adds how often this topic
keeps that source.

Score = model margin + rule prior + source prior, plus freshness in the time-invariant form
of ``scoring.ranking_value`` so that stored scores keep their order as time passes.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from florilege.suggestions.embedding import DIMENSIONS
from florilege.suggestions.features import (
    TEXT_FEATURES,
    Features,
    Item,
    featurize,
    word_column,
    words_of,
)
from florilege.suggestions.rules import RuleMatch, Rules, match_rules
from florilege.suggestions.scoring import effective_date, ranking_value

# Stored with each model: a change of features or format makes every stored model stale.
FORMAT = 2
# The embedding block is 512 dense columns against ~1,000 sparse ones per row; this scale
# lets the sentence meaning weigh about as much as the words (chosen on bench/relevance).
VECTOR_SCALE = 1.0
TEXT_SCALE = 1.0
# Inverse regularisation of the logistic regression (chosen on bench/relevance).
C = 10.0
# Weight of the topic's own description as a pseudo-scoop, and of the empty pseudo-discard.
PROFILE_WEIGHT = 2.0
EMPTY_WEIGHT = 1.0
# The rule matches are one more column of the model, so decisions learn how much the
# keywords matter (a topic whose curator scoops against its keywords stops trusting them).
RULE_SCALE = 1.0
# Source prior: pseudo-decisions pulling each source towards the topic's overall keep rate.
SOURCE_SMOOTHING = 4.0
SOURCE_WEIGHT = 0.5
# Past scoops kept for "similar to" reasons, and the cosine a neighbour must reach.
EXEMPLARS = 200
SIMILAR_MIN = 0.35
# Decisions a refit reads (the most recent); older ones have shaped what the topic became.
MAX_HISTORY = 2000


@dataclass
class Model:
    rules: Rules = field(default_factory=Rules)
    text_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    text_coef: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    vector_coef: np.ndarray = field(default_factory=lambda: np.zeros(DIMENSIONS, np.float32))
    intercept: float = 0.0
    # Weight of the rule strength (see RULE_SCALE); an untrained model trusts the rules.
    rule_coef: float = 1.0
    kept: int = 0
    discarded: int = 0
    # source id -> [kept, discarded]
    sources: dict[int, list[int]] = field(default_factory=dict)
    exemplars: np.ndarray = field(default_factory=lambda: np.zeros((0, DIMENSIONS), np.float32))
    # One {"title": ..., "url": ...} per exemplar row.
    exemplar_refs: list[dict] = field(default_factory=list)

    @property
    def decisions(self) -> int:
        return self.kept + self.discarded

    @cached_property
    def dense_text_coef(self) -> np.ndarray:
        dense = np.zeros(TEXT_FEATURES, dtype=np.float32)
        dense[self.text_index] = self.text_coef
        return dense


@dataclass(frozen=True)
class Decision:
    """One decided entry of the history: kept (scooped) or not, and what to link to."""

    kept: bool
    title: str = ""
    url: str = ""


def profile_item(title: str, description: str, rules: Rules) -> Item:
    """The topic as a document: what it is called, what it says it is about."""
    terms = ", ".join(rules.positive_terms)
    return Item(title=title, text=f"{description}\n{terms}".strip())


def _strengths(rules: Rules, features: Features) -> np.ndarray:
    """Rule strength of each entry; a ruled-out entry counts as no match."""
    return np.array(
        [m.strength if m.allowed else 0.0 for m in match_all(rules, features)], dtype=np.float64
    )


def _design(features: Features, strengths: np.ndarray | None = None) -> sp.csr_matrix:
    if strengths is None:
        strengths = np.zeros(len(features))
    return sp.hstack(
        [
            features.text * TEXT_SCALE,
            sp.csr_matrix(features.vectors * VECTOR_SCALE),
            sp.csr_matrix(strengths.reshape(-1, 1) * RULE_SCALE),
        ],
        format="csr",
        dtype=np.float64,
    )


def train(
    rules: Rules,
    profile: Features,
    history: Features,
    decisions: Sequence[Decision],
) -> Model:
    """Fit a topic's model. ``profile`` is ``featurize([profile_item(...)])`` with its
    embedding; ``history`` holds the decided entries in decision order."""
    if len(history) != len(decisions):
        raise ValueError("one decision per history row")
    if len(decisions) > MAX_HISTORY:
        history = history.subset(range(len(decisions) - MAX_HISTORY, len(decisions)))
        decisions = decisions[-MAX_HISTORY:]
    labels = np.array([d.kept for d in decisions], dtype=np.int64)
    empty = sp.csr_matrix((1, TEXT_FEATURES + DIMENSIONS + 1), dtype=np.float64)
    x = sp.vstack(
        [
            _design(profile, _strengths(rules, profile)),
            empty,
            _design(history, _strengths(rules, history)),
        ],
        format="csr",
    )
    y = np.concatenate([[1, 0], labels])
    weights = np.concatenate([[PROFILE_WEIGHT, EMPTY_WEIGHT], np.ones(len(labels))])
    # Balance the two classes as they are, so a run of discards does not drown the scoops.
    for value in (0, 1):
        mask = y == value
        weights[mask] *= len(y) / (2.0 * weights[mask].sum())
    # Columns no training row uses get a zero weight under L2 anyway: fit on the used ones
    # only (a few thousand of half a million), then put the weights back in place.
    used = np.unique(x.indices)
    lr = LogisticRegression(C=C, solver="liblinear", max_iter=300, tol=1e-5)
    lr.fit(x[:, used], y, sample_weight=weights)
    coef = np.zeros(x.shape[1])
    coef[used] = lr.coef_[0]
    text_coef = coef[:TEXT_FEATURES]
    nonzero = np.flatnonzero(np.abs(text_coef) > 1e-7).astype(np.int32)
    model = Model(
        rules=rules,
        text_index=nonzero,
        text_coef=text_coef[nonzero].astype(np.float32),
        vector_coef=(coef[TEXT_FEATURES:-1] * VECTOR_SCALE).astype(np.float32),
        intercept=float(lr.intercept_[0]),
        rule_coef=float(coef[-1] * RULE_SCALE),
        kept=int(labels.sum()),
        discarded=int(len(labels) - labels.sum()),
    )
    # The text scale is folded into the stored coefficients, so scoring is one product.
    model.text_coef *= np.float32(TEXT_SCALE)
    for source, decision in zip(history.sources, decisions, strict=True):
        if source is not None:
            counts = model.sources.setdefault(int(source), [0, 0])
            counts[0 if decision.kept else 1] += 1
    kept_rows = [i for i, d in enumerate(decisions) if d.kept][-EXEMPLARS:]
    model.exemplars = history.vectors[kept_rows].astype(np.float32)
    model.exemplar_refs = [
        {"title": decisions[i].title, "url": decisions[i].url} for i in kept_rows
    ]
    return model


def source_prior(model: Model, sources: Sequence[int | None]) -> np.ndarray:
    """Log-odds of keeping an entry of this source, relative to the topic's overall rate,
    shrunk towards zero for sources with few decisions."""
    out = np.zeros(len(sources), dtype=np.float64)
    if not model.sources:
        return out
    base = (model.kept + 1.0) / (model.decisions + 2.0)
    base_logit = math.log(base / (1.0 - base))
    for i, source in enumerate(sources):
        counts = model.sources.get(int(source)) if source is not None else None
        if counts:
            kept, discarded = counts
            rate = (kept + SOURCE_SMOOTHING * base) / (kept + discarded + SOURCE_SMOOTHING)
            out[i] = SOURCE_WEIGHT * (math.log(rate / (1.0 - rate)) - base_logit)
    return out


@dataclass
class Scored:
    """The parts of each entry's score (arrays, one value per entry) and its rule matches."""

    model: np.ndarray
    rules: np.ndarray
    source: np.ndarray
    matches: list[RuleMatch]

    @property
    def relevance(self) -> np.ndarray:
        return self.model + self.rules + self.source


def match_all(rules: Rules, features: Features) -> list[RuleMatch]:
    return [match_rules(rules, i.title, i.text, i.language) for i in features.items]


def score(model: Model, features: Features, matches: list[RuleMatch] | None = None) -> Scored:
    """Relevance of each entry for the topic (no freshness). One sparse product and one
    dense product: the features are shared by every topic. ``matches`` may be passed when
    the same rules were already matched against the same entries."""
    margin = features.text @ model.dense_text_coef
    margin = np.asarray(margin, dtype=np.float64).ravel()
    margin += features.vectors @ model.vector_coef + model.intercept
    if matches is None:
        matches = match_all(model.rules, features)
    prior = np.array(
        [m.strength * model.rule_coef if m.allowed else m.prior for m in matches],
        dtype=np.float64,
    )
    return Scored(margin, prior, source_prior(model, features.sources), matches)


def ranking_values(scored: Scored, features: Features, now: datetime) -> np.ndarray:
    """Stored score values: relevance plus freshness, time-invariant (see ``scoring``)."""
    fresh = np.array([ranking_value(1.0, effective_date(i.published, now)) for i in features.items])
    return np.round(scored.relevance + fresh, 6)


def reasons(model: Model, features: Features, scored: Scored, row: int) -> dict:
    """Why an entry is where it is, as stored on its suggestion and shown on its card."""
    match = scored.matches[row]
    item = features.items[row]
    out: dict = {
        "keywords": match.matched,
        "parts": {
            "model": round(float(scored.model[row]), 3),
            "rules": round(float(scored.rules[row]), 3),
            "source": round(float(scored.source[row]), 3),
        },
        "decisions": model.decisions,
    }
    if match.excluded:
        out["excluded"] = match.excluded
    if match.missing:
        out["missing"] = match.missing
    if not match.language_ok:
        out["language"] = item.language
    out["words"] = top_words(model, item)
    out["similar"] = similar_scoops(model, features.vectors[row])
    return out


def top_words(model: Model, item: Item, limit: int = 3) -> list[str]:
    """The entry's words the model weighs most in its favour."""
    if not len(model.text_index):
        return []
    coef = model.dense_text_coef
    weighted = [(float(coef[word_column(w)]), w) for w in words_of(item)]
    best = sorted((c, w) for c, w in weighted if c > 0.05)[::-1]
    return [w for _, w in best[:limit]]


def similar_scoops(model: Model, vector: np.ndarray, limit: int = 3) -> list[dict]:
    """The past scoops closest in meaning (cosine of sentence embeddings)."""
    if not len(model.exemplars) or not vector.any():
        return []
    sims = model.exemplars @ vector
    order = np.argsort(-sims, kind="stable")[:limit]
    return [
        {**model.exemplar_refs[i], "similarity": round(float(sims[i]), 2)}
        for i in order
        if sims[i] >= SIMILAR_MIN
    ]


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
    )
    meta = {
        "format": FORMAT,
        "intercept": model.intercept,
        "rule_coef": model.rule_coef,
        "kept": model.kept,
        "discarded": model.discarded,
        "sources": {str(k): v for k, v in model.sources.items()},
        "exemplar_refs": model.exemplar_refs,
        "rules": {
            "should": list(model.rules.should),
            "must": list(model.rules.must),
            "exclude": list(model.rules.exclude),
            "languages": list(model.rules.languages),
        },
    }
    return buffer.getvalue(), json.loads(json.dumps(meta))


def from_state(data: bytes, meta: dict) -> Model:
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
            rule_coef=float(meta.get("rule_coef", 0.0)),
            kept=int(meta["kept"]),
            discarded=int(meta["discarded"]),
            sources={int(k): list(v) for k, v in meta.get("sources", {}).items()},
            exemplars=arrays["exemplars"].astype(np.float32),
            exemplar_refs=list(meta.get("exemplar_refs", [])),
        )


def cold_profile(title: str, description: str, rules: Rules, vector: np.ndarray) -> Features:
    """The profile features: ``vector`` is the embedding of the profile item's text."""
    item = profile_item(title, description, rules)
    return featurize([item], np.asarray(vector, dtype=np.float32).reshape(1, DIMENSIONS))
