"""Why a suggestion is there: words that drove its score, without function words, in order."""

from __future__ import annotations

import numpy as np
import pytest

from florilege.lib.text import embedding
from florilege.lib.text.stopwords import STOPWORDS, is_stopword
from florilege.suggestions import ranker
from florilege.suggestions.features import Item, featurize
from florilege.suggestions.rules import parse_rules

# Kept and discarded titles full of function words: a model fit on them gives "the", "is",
# "une", "des" real weight, which the reasons must still not show.
EN_KEPT = [
    "The cup final is won and the striker is the hero",
    "The derby is over and the champion is the club of the year",
    "The tennis final is the match of the season and it is won",
]
EN_DISCARDED = ["Budget vote in parliament", "Bank rates rise again"]
FR_KEPT = [
    "Une finale de coupe et des buts pour une victoire du club",
    "Des joueurs de rugby et une victoire de la France",
    "Une étape du Tour de France et des coureurs dans la montagne",
]
FR_DISCARDED = ["Budget voté au Parlement", "Taux bancaires en hausse"]


def _model(kept, discarded, language, title):
    titles = kept + discarded
    items = [Item(title=t, language=language) for t in titles]
    vectors = embedding.embed([embedding.entry_text(t, "") for t in titles])
    history = featurize(items, vectors)
    rules = parse_rules([])
    item = ranker.profile_item(title, "", rules)
    prof = featurize([item], embedding.embed([embedding.entry_text(item.title, item.text)]))
    decisions = [
        ranker.Decision(kept=t in kept, title=t, url=f"/s/{i}", story=i % 2)
        for i, t in enumerate(titles)
    ]
    return ranker.train(rules, prof, history, decisions)


@pytest.mark.parametrize(
    ("kept", "discarded", "language", "entry"),
    [
        (EN_KEPT, EN_DISCARDED, "en", "The final is the match and the cup is the prize"),
        (FR_KEPT, FR_DISCARDED, "fr", "Une victoire des joueurs de la coupe de France"),
    ],
)
def test_no_function_word_and_contribution_order(kept, discarded, language, entry) -> None:
    model = _model(kept, discarded, language, "Sport")
    features = featurize([Item(title=entry, language=language)], embedding.embed([entry]))
    # The model did weigh function words in favour: the filter has something to remove.
    weights = model.dense_text_coef[features.word_columns[0]]
    favoured = [w for w, c in zip(features.words[0], weights, strict=True) if c > 0]
    assert any(is_stopword(w) for w in favoured)
    scored = ranker.score(model, features)
    why = ranker.reasons(model, features, scored, 0)
    terms = why["terms"]
    assert terms, "some content word raised the score"
    assert not any(is_stopword(word) for word, _ in terms)
    assert not {word for word, _ in terms} & STOPWORDS
    contributions = [c for _, c in terms]
    assert contributions == sorted(contributions, reverse=True)
    # Each figure is the word's share of the learned margin itself.
    row = features.text[0].toarray().ravel()
    for word, value in terms:
        column = features.word_columns[0][features.words[0].index(word)]
        assert value == pytest.approx(model.dense_text_coef[column] * row[column], abs=1e-3)


def test_similar_scoops_name_a_story_once() -> None:
    base = np.eye(embedding.DIMENSIONS, dtype=np.float32)
    near = (base[0] + 0.1 * base[1]) / np.linalg.norm(base[0] + 0.1 * base[1])
    model = ranker.Model(
        exemplars=np.stack([base[0], near, near, base[2]]),
        exemplar_refs=[
            {"title": "Cup final won", "url": "/s/1", "story": 7},
            {"title": "Cup final: the report", "url": "/s/2", "story": 7},  # same story
            {"title": "Cup final won", "url": "/s/3", "story": None},  # same title
            {"title": "Budget vote", "url": "/s/4", "story": 9},
        ],
    )
    similar = ranker.similar_scoops(model, base[0])
    assert [s["url"] for s in similar] == ["/s/1"]


def test_reasons_parts_add_up_to_the_score() -> None:
    model = _model(EN_KEPT, EN_DISCARDED, "en", "Sport")
    features = featurize([Item(title="Cup final tonight", language="en")], embedding.embed(["Cup"]))
    scored = ranker.score(model, features)
    parts = ranker.reasons(model, features, scored, 0)["parts"]
    assert sum(parts.values()) == pytest.approx(float(scored.relevance[0]), abs=0.01)


def test_stopword_lists() -> None:
    for word in ("the", "and", "is", "une", "des", "de", "und", "los", "gli", "het", "não"):
        assert is_stopword(word), word
    for word in ("football", "économie", "Regierung", "election", "2024x"):
        assert not is_stopword(word), word
    # A function word of one language that means something in another.
    assert is_stopword("war", "de") and not is_stopword("war", "en")
    assert is_stopword("car", "fr") and not is_stopword("car", "en")
    assert np.all([w == w.lower() for w in STOPWORDS])


def test_from_a_source_you_scoop_often() -> None:
    model = ranker.Model(kept=6, discarded=6, sources={1: [6, 0], 2: [0, 6]})
    items = [Item(title="Cup final", source=1), Item(title="Cup final", source=2)]
    features = featurize(items)
    scored = ranker.score(model, features)
    often = ranker.reasons(model, features, scored, 0)
    rarely = ranker.reasons(model, features, scored, 1)
    assert often.get("source_often") is True and "source_often" not in rarely
    assert often["parts"]["source"] >= ranker.SOURCE_OFTEN
