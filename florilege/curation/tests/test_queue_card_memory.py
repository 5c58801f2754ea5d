"""The queue's cards kept in memory (``templatetags/queue_cards.py``): a card rendered once
is not rendered again for the same thing shown, and whatever it shows changing gives the
card a fresh render. Each check compares the page from kept cards with the page rendered
from nothing, so a part of the card its key forgot shows up as a difference."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from florilege.curation.templatetags import queue_cards
from florilege.curation.tests.flow_helpers import entry, follow
from florilege.suggestions.models import Story, StoryMember, Suggestion
from florilege.topics.models import Membership
from florilege.topics.permissions import Role

pytestmark = pytest.mark.django_db
# Older than a day: the cards' "… ago" text then changes on the hour, not between the two
# renders a check compares.
NOW = datetime.now(UTC) - timedelta(days=3)
REASONS = {
    "version": 2,
    "parts": {"model": 1.5, "prototype": 0.25, "rules": 1.0, "source": 0.5},
    "rule_weight": 0.5,
    "decisions": 4,
    "terms": [["fediverse", 0.31]],
    "similar": [],
}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def cards(topic):
    source = follow(topic, "https://press.example/feed", "Press")
    first = Suggestion.objects.create(
        topic=topic,
        entry=entry(source, "a", "First item", fetched_at=NOW, summary="<p>Some words</p>"),
        score=2,
        reasons=REASONS,
    )
    second = Suggestion.objects.create(
        topic=topic, entry=entry(source, "b", "Second item", fetched_at=NOW), score=1, reasons={}
    )
    return first, second


def _queue(client, topic, **extra) -> str:
    response = client.get(reverse("curation:queue", args=[topic.slug]), **extra)
    assert response.status_code == 200
    return response.content.decode()


def _cards_of(page: str) -> str:
    """The cards, each request's CSRF token left out."""
    start = page.index('<article class="suggestion"')
    return TOKEN.sub("", page[start : page.rindex("</article>")])


def _kept_and_fresh(client, topic, **extra) -> tuple[str, str]:
    """The cards as served from memory, then as rendered from nothing."""
    kept = _cards_of(_queue(client, topic, **extra))
    queue_cards.forget_cards()
    return kept, _cards_of(_queue(client, topic, **extra))


def _card_renders(client, topic) -> int:
    names: list[str] = []

    def seen(sender, template, **kwargs) -> None:
        names.append(template.name)

    template_rendered.connect(seen)
    try:
        _queue(client, topic)
    finally:
        template_rendered.disconnect(seen)
    return names.count(queue_cards.CARD_TEMPLATE)


def test_a_card_is_rendered_once_then_kept(client_in, topic, cards) -> None:
    assert _card_renders(client_in, topic) == 2
    assert _card_renders(client_in, topic) == 0
    kept, fresh = _kept_and_fresh(client_in, topic)
    assert kept == fresh
    assert "First item" in kept and "Second item" in kept


def test_a_kept_card_carries_this_requests_token(client_in, topic, cards) -> None:
    first, _ = cards
    _queue(client_in, topic)
    page = _queue(client_in, topic)  # the cards from memory
    tokens = TOKEN.findall(page)
    # Two forms a card (discard, scoop with an insight; scoop now is off), and the page's
    # own forms: one token for all.
    cards_part = page[page.index('<article class="suggestion"') : page.rindex("</article>")]
    assert len(TOKEN.findall(cards_part)) == 4
    assert len(set(tokens)) == 1
    assert queue_cards._TOKEN_MARKER not in page
    # Another session gets its own token in the same kept cards, and its post is taken.
    other = Client(enforce_csrf_checks=True)
    other.force_login(topic.owner)
    other_page = _queue(other, topic)
    other_token = TOKEN.findall(other_page)[0]
    assert set(TOKEN.findall(other_page)) == {other_token}
    discard = reverse("curation:discard", args=[topic.slug, first.pk])
    posted = other.post(discard, {"csrfmiddlewaretoken": other_token, "next": ""})
    assert posted.status_code == 302
    first.refresh_from_db()
    assert first.status == Suggestion.Status.DISCARDED


def _change_entry_title(topic, cards) -> None:
    cards[0].entry.title = "A new title"
    cards[0].entry.save()


def _change_summary(topic, cards) -> None:
    cards[0].entry.summary = "<p>Other words</p>"
    cards[0].entry.save()


def _change_source(topic, cards) -> None:
    source = cards[0].entry.source
    source.title = "Renamed press"
    source.save()


def _change_reasons(topic, cards) -> None:
    cards[0].reasons = {**REASONS, "keywords": ["mastodon"], "tags": ["moderation"]}
    cards[0].save()


def _scoop_without_insight(topic, cards) -> None:
    topic.allow_scoop_without_insight = True
    topic.save()


def _another_source_in_the_story(topic, cards) -> None:
    other = follow(topic, "https://blog.example/feed", "Blog")
    story = Story.objects.create(first_seen=NOW, last_seen=NOW, size=2)
    StoryMember.objects.create(story=story, entry=cards[0].entry, reason="new", seen_at=NOW)
    StoryMember.objects.create(
        story=story,
        entry=entry(other, "c", "Same story", fetched_at=NOW),
        reason="url",
        seen_at=NOW,
    )


def _published_earlier(topic, cards) -> None:
    cards[0].entry.published_at = NOW - timedelta(days=2)
    cards[0].entry.save()


def _a_card_above(topic, cards) -> None:
    # A new first card: the card below it now leads back to it after an action.
    source = cards[0].entry.source
    Suggestion.objects.create(
        topic=topic, entry=entry(source, "z", "Best item", fetched_at=NOW), score=9, reasons={}
    )


CHANGES = [
    (_change_entry_title, "A new title"),
    (_change_summary, "Other words"),
    (_change_source, "Renamed press"),
    (_change_reasons, "It matches your keywords: mastodon."),
    (_scoop_without_insight, "Scoop now"),
    (_another_source_in_the_story, "Also in 1 source"),
    (_published_earlier, "5\xa0days"),
    (_a_card_above, "Best item"),
]


@pytest.mark.parametrize(("change", "shown"), CHANGES, ids=[c.__name__ for c, _ in CHANGES])
def test_what_a_card_shows_changing_renders_it_afresh(client_in, topic, cards, change, shown):
    before = _cards_of(_queue(client_in, topic))
    assert shown not in before
    change(topic, cards)
    kept, fresh = _kept_and_fresh(client_in, topic)
    assert shown in fresh
    assert kept == fresh


def test_the_visitors_language_and_rights_have_their_own_cards(client_in, topic, cards):
    english = _cards_of(_queue(client_in, topic))
    french = _cards_of(_queue(client_in, topic, HTTP_ACCEPT_LANGUAGE="fr"))
    assert ">Discard</button>" in english and ">Rejeter</button>" in french
    viewer = get_user_model().objects.create_user("viewer", password="a-long-test-password")
    Membership.objects.create(topic=topic, user=viewer, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    seen = _cards_of(_queue(client, topic))
    assert "First item" in seen and ">Discard</button>" not in seen
    assert ">Discard</button>" in _cards_of(_queue(client_in, topic))


def test_the_queues_filters_have_their_own_cards(client_in, topic, cards) -> None:
    _queue(client_in, topic)
    kept, fresh = _kept_and_fresh(client_in, topic, data={"lang": "en"})
    assert kept == fresh
    assert 'name="back" value="lang=en"' in kept


@pytest.mark.parametrize(
    ("same", "other"),
    [
        # Under a day the text counts minutes; past it, hours at the finest.
        ((61, 119), 120),
        ((2 * 86400 + 600, 2 * 86400 + 3599), 2 * 86400 + 3600),
        ((40 * 86400, 40 * 86400 + 3599), 40 * 86400 + 3600),
    ],
)
def test_time_passing_changes_the_key_as_the_text_does(topic, cards, same, other) -> None:
    from django.template import Context
    from django.utils.timesince import timesince

    first = cards[0]
    first.story_others = []
    first.links = _links(topic, first)
    at = first.entry.published_at

    def key(seconds: int) -> bytes:
        moment = at + timedelta(seconds=seconds)
        return queue_cards.card_key(Context({"topic": topic}), first, moment)

    assert key(same[0]) == key(same[1]) != key(other)
    # The text is the same within a key, as it is what the kept card shows.
    for seconds in range(same[0], same[1] + 1, 59):
        now = at + timedelta(seconds=seconds)
        assert timesince(at, now) == timesince(at, at + timedelta(seconds=same[0]))


def _links(topic, suggestion):
    from florilege.curation.views.queue import prepare_cards

    prepare_cards(topic, [suggestion], "")
    return suggestion.links


def test_a_kept_card_without_a_token_in_the_page_has_no_token_field(topic, cards) -> None:
    from django.template import Context, Template

    from florilege.curation.views.queue import prepare_cards

    suggestions = list(Suggestion.objects.select_related("entry", "entry__source"))
    for suggestion in suggestions:
        suggestion.story_others = []
    prepare_cards(topic, suggestions, "")
    page = Template("{% load queue_cards %}{% for s in cards %}{% suggestion_card %}{% endfor %}")
    for _ in range(2):  # rendered, then kept
        html = page.render(Context({"topic": topic, "cards": suggestions}))
        assert "First item" in html and "csrfmiddlewaretoken" not in html
        assert queue_cards._TOKEN_MARKER not in html


def test_the_memory_is_bounded(client_in, topic, cards, monkeypatch) -> None:
    monkeypatch.setattr(queue_cards, "KEPT_CARDS", 1)
    _queue(client_in, topic)
    _queue(client_in, topic, HTTP_ACCEPT_LANGUAGE="fr")
    assert len(queue_cards._cards) == 1
