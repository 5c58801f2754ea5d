"""The queue's cards with what is worked out once per page (their fixed words, their
addresses, their reasons' missing keys): each card still shows its own."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from florilege.curation.tests.flow_helpers import entry, follow
from florilege.curation.views.queue import per_card_url
from florilege.suggestions.models import Suggestion

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RULED = {
    "version": 2,
    "keywords": ["mastodon"],
    "parts": {"model": 1.5, "prototype": 0.25, "rules": 1.125, "source": 0.5},
    "rule_weight": 0.5,
    "decisions": 12,
    "terms": [["fediverse", 0.31]],
    "similar": [],
    "tags": ["fediverse", "moderation"],
    "rule": {"name": "Mastodon news"},
}


def _card(body: str, pk: int) -> str:
    start = body.index(f'<article class="suggestion" id="s-{pk}"')
    return body[start : body.index("</article>", start)]


@pytest.fixture
def two_cards(topic):
    """A card tagged by a rule, with the ranker's reasons; below it, one with none."""
    source = follow(topic, "https://press.example/feed", "Press")
    first = Suggestion.objects.create(
        topic=topic,
        entry=entry(source, "a", "Ruled item", fetched_at=NOW),
        score=2,
        reasons=RULED,
    )
    second = Suggestion.objects.create(
        topic=topic, entry=entry(source, "b", "Plain item", fetched_at=NOW), score=1, reasons={}
    )
    return first, second


def test_each_card_shows_its_own_reasons(client_in, topic, two_cards) -> None:
    first, second = two_cards
    body = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    ruled, plain = _card(body, first.pk), _card(body, second.pk)
    assert "tagged by rules: fediverse, moderation" in ruled
    assert 'rule "Mastodon news" matched' in ruled
    assert 'name="tags" value="fediverse, moderation"' in ruled
    assert "It matches your keywords: mastodon." in ruled
    assert "learned 1.5, closeness to your scoops 0.25, keywords 1.125 (weight 0.5)" in ruled
    # Keys the other card lacks render nothing, as before: no list, no tags, no rule.
    assert "tagged by rules" not in plain and "matched" not in plain
    assert 'name="tags" value=""' in plain and 'class="reasons"' not in plain
    # Stored reasons are left as they were.
    first.refresh_from_db()
    assert first.reasons == RULED


def test_each_card_has_its_own_addresses(client_in, topic, two_cards) -> None:
    first, second = two_cards
    topic.allow_scoop_without_insight = True
    topic.save()
    body = client_in.get(reverse("curation:queue", args=[topic.slug]), {"lang": "en"})
    body = body.content.decode()
    for card, neighbour in ((first, second), (second, first)):
        html = _card(body, card.pk)
        back = reverse("curation:queue", args=[topic.slug]) + f"?lang=en#s-{neighbour.pk}"
        scoop = reverse("curation:scoop", args=[topic.slug, card.pk])
        assert f'href="{scoop}?{urlencode({"next": back})}"' in html
        for name in ("scoop_now", "discard", "quick_scoop"):
            assert f'action="{reverse(f"curation:{name}", args=[topic.slug, card.pk])}"' in html
        assert f'name="next" value="{neighbour.pk}"' in html
        assert html.count(f'name="here" value="{card.pk}"') == 3
        assert f'id="insight-{card.pk}"' in html and f'for="tags-{card.pk}"' in html


def test_cards_words_follow_the_language(client_in, topic, two_cards) -> None:
    first, _ = two_cards
    url = reverse("curation:queue", args=[topic.slug])
    english = _card(client_in.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode(), first.pk)
    french = _card(client_in.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode(), first.pk)
    assert '<button class="secondary">Discard</button>' in english
    assert '<button class="secondary">Rejeter</button>' in french
    assert "<summary>Sélectionner ici avec un point de vue</summary>" in french
    assert ">Étiquettes</label>" in french
    # The reasons' figures stay localized.
    assert "keywords 1.125" in english and "1,125" in french


@pytest.mark.parametrize("pk", [1, 10, 12_345_678])
@pytest.mark.parametrize("name", ["scoop", "scoop_now", "discard", "quick_scoop"])
def test_per_card_url_is_reverse(name: str, pk: int) -> None:
    for slug in ("social-networks", "t-0", "0"):
        assert per_card_url(f"curation:{name}", slug)(pk) == reverse(
            f"curation:{name}", args=[slug, pk]
        )


def test_per_card_url_refuses_a_route_not_ending_with_the_id() -> None:
    with pytest.raises(ValueError):
        per_card_url("curation:source_options", "social-networks")
