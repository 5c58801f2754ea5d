"""The "why" on a suggestion card: plain sentences, numbers only behind "Details"."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import translation

NEW = {
    "version": 2,
    "keywords": ["mastodon"],
    "parts": {"model": 1.717, "prototype": 0.2, "rules": 1.373, "source": 0.119},
    "rule_weight": 0.5,
    "decisions": 12,
    "terms": [["fediverse", 0.31], ["instance", 0.12]],
    "similar": [{"title": "Mastodon passes ten million accounts", "url": "/t/x/s/1/"}],
    "source_often": True,
}


def _render(reasons: dict, language: str) -> str:
    with translation.override(language):
        return render_to_string("curation/_reasons.html", {"s": SimpleNamespace(reasons=reasons)})


def _before_details(html: str) -> str:
    return html.split("<details>")[0]


def test_plain_sentences_in_english() -> None:
    html = _render(NEW, "en")
    plain = _before_details(html)
    assert "It matches your keywords: mastodon." in plain
    assert "Words that count in its favour: <em>fediverse</em>, <em>instance</em>." in plain
    assert 'Like your scoop <a href="/t/x/s/1/"><cite>Mastodon passes' in plain
    assert "From a source you scoop often." in plain
    # No number outside the disclosure; the numbers are inside it.
    assert "1.717" not in plain and "0.31" not in plain
    details = html.split("<details>")[1]
    assert "learned 1.717" in details and "keywords 1.373 (weight 0.5)" in details


def test_plain_sentences_in_french() -> None:
    # Needs the French catalogue (msgids in the notes file, filled at merge).
    plain = _before_details(_render(NEW, "fr"))
    assert "Correspond à vos mots-clés : mastodon." in plain
    assert "Mots qui comptent en sa faveur :" in plain
    assert "Comme votre sélection" in plain
    assert "D'une source que vous sélectionnez souvent." in plain


def test_rows_stored_before_still_render_without_their_words() -> None:
    old = {
        "keywords": [],
        "parts": {"model": 1.7, "rules": 1.3, "source": 0.1},
        "decisions": 3,
        "words": ["the", "is", "and"],
        "similar": [],
    }
    html = _render(old, "en")
    assert "Score: learned 1.7, rules 1.3, source 0.1 (from 3 decisions)" in html
    assert "the, is, and" not in html and "Words" not in html
    # Rows from the keyword-only scoring (no parts) show no reasons list at all.
    assert _render({"keywords": ["x"], "relevance": 0.1}, "en").strip() == ""
