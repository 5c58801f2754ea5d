"""The queue shows one card per story; scooping or discarding decides the whole story."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.curation.services.scooping import ScoopDraft, scoop_suggestion
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Story, StoryMember, Suggestion
from florilege.suggestions.stories import story_queue
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _entry(source: Source, slug: str, title: str) -> Entry:
    return Entry.objects.create(
        source=source,
        key=slug,
        url=f"https://{source.title.lower()}.example/{slug}",
        canonical_url=f"https://{source.title.lower()}.example/{slug}",
        title=title,
        summary="<p>Mastodon adds users.</p>",
        language="en",
    )


def _in_story(story: Story, entry: Entry) -> None:
    StoryMember.objects.create(entry=entry, story=story, reason="near", seen_at=NOW)


@pytest.fixture
def story(topic):
    """One story carried by three sources, two of which the topic follows."""
    sources = [
        Source.objects.create(url=f"https://{n}.example/feed", title=n)
        for n in ("Alpha", "Beta", "Gamma")
    ]
    for source in sources[:2]:
        TopicSource.objects.create(topic=topic, source=source)
    entries = [_entry(s, "mastodon", f"Mastodon grows ({s.title})") for s in sources]
    story = Story.objects.create(first_seen=NOW, last_seen=NOW, size=3)
    for entry in entries:
        _in_story(story, entry)
    low = Suggestion.objects.create(topic=topic, entry=entries[0], score=0.4)
    high = Suggestion.objects.create(topic=topic, entry=entries[1], score=0.9)
    return {"entries": entries, "low": low, "high": high, "story": story}


def test_queue_shows_one_card_per_story_with_its_other_sources(client_in, topic, story) -> None:
    body = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    # The best-scored suggestion is the card; the others are listed as sources.
    assert body.count('class="suggestion"') == 1
    assert "Mastodon grows (Beta)" in body and "Mastodon grows (Alpha)" not in body
    assert "Also in 2 sources:" in body
    assert 'href="https://alpha.example/mastodon"' in body
    assert 'href="https://gamma.example/mastodon"' in body


def test_queue_queries_stay_pinned_with_many_stories(
    client_in, topic, story, django_assert_max_num_queries
) -> None:
    source = story["entries"][0].source
    for i in range(30):
        s = Story.objects.create(first_seen=NOW, last_seen=NOW, size=2)
        for j in range(2):
            entry = _entry(source, f"item-{i}-{j}", f"Item {i}.{j}")
            _in_story(s, entry)
            Suggestion.objects.create(topic=topic, entry=entry, score=i / 100 + j / 1000)
    # the queue's own queries (see test_scooping), one for the stories' other sources and
    # one for the topic's ranking model
    with django_assert_max_num_queries(11):
        body = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    assert body.count('class="suggestion"') == 25
    # 31 cards: the two pages' count, and the second page holds the rest.
    assert "31 to review" in body and story_queue(topic).count() == 31
    page2 = client_in.get(reverse("curation:queue", args=[topic.slug]), {"page": 2})
    assert page2.content.decode().count('class="suggestion"') == 6
    assert "Item 29.1" in body and "Item 29.0" not in body


def test_scoop_form_switches_to_another_source_of_the_story(client_in, topic, story) -> None:
    url = reverse("curation:scoop", args=[topic.slug, story["high"].pk])
    form = client_in.get(url).content.decode()
    assert 'name="entry"' in form and "This story is in 3 sources" in form
    gamma = story["entries"][2]
    switched = client_in.get(url, {"entry": gamma.pk}).content.decode()
    assert 'value="https://gamma.example/mastodon"' in switched
    response = client_in.post(
        f"{url}?entry={gamma.pk}",
        {"url": gamma.url, "title": gamma.title, "insight": "Worth reading.", "language": "en"},
    )
    assert response.status_code == 302
    scoop = Scoop.objects.get()
    assert scoop.entry == gamma and scoop.url == "https://gamma.example/mastodon"
    # Both suggestions of the story left the queue.
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"scooped"}
    body = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    assert "Mastodon grows" not in body


def test_an_entry_outside_the_story_is_refused(curator, topic, story) -> None:
    stranger = _entry(story["entries"][0].source, "other", "Other story")
    draft = ScoopDraft(url=stranger.url, title="Other", insight="Hm.")
    with pytest.raises(ValidationError):
        scoop_suggestion(story["high"], curator, draft, NOW, entry=stranger)
    assert not Scoop.objects.exists()
    assert Suggestion.objects.filter(status="pending").count() == 2


def test_discarding_the_card_discards_the_story(client_in, topic, story) -> None:
    client_in.post(reverse("curation:discard", args=[topic.slug, story["high"].pk]))
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"discarded"}


def test_a_late_source_of_a_decided_story_stays_out_of_the_queue(client_in, topic, story) -> None:
    client_in.post(reverse("curation:discard", args=[topic.slug, story["high"].pk]))
    late = _entry(story["entries"][0].source, "late", "Mastodon grows (late copy)")
    _in_story(story["story"], late)
    Suggestion.objects.create(topic=topic, entry=late, score=2.0)
    lonely = _entry(story["entries"][0].source, "lonely", "Another story, no story row yet")
    Suggestion.objects.create(topic=topic, entry=lonely, score=0.1)
    body = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    assert "late copy" not in body and "Another story" in body


def test_dashboard_counts_one_per_story_as_the_queue_does(client_in, topic, story) -> None:
    # Beside the two-source story: a suggestion without a story, and a story decided
    # already (a source that brought it later adds no card).
    alone = _entry(Source.objects.get(title="Alpha"), "alone", "On its own")
    Suggestion.objects.create(topic=topic, entry=alone, score=0.1)
    decided = Story.objects.create(first_seen=NOW, last_seen=NOW, size=2)
    for name, status in (("Alpha", "scooped"), ("Beta", "pending")):
        late = _entry(Source.objects.get(title=name), "late", f"Late ({name})")
        _in_story(decided, late)
        Suggestion.objects.create(topic=topic, entry=late, score=0.5, status=status)
    queue = client_in.get(reverse("curation:queue", args=[topic.slug])).content.decode()
    # The page's count is the dashboard's query; the cards are story_queue's: they agree.
    assert "2 to review" in queue and queue.count('class="suggestion"') == 2
    assert story_queue(topic).count() == 2
    page = client_in.get(reverse("curation:dashboard")).content.decode()
    to_review = re.findall(r'<td data-label="To review">(\d+)</td>', page)
    assert to_review == ["2"]


def test_source_filter_lists_a_story_its_source_carries_once(client_in, topic, story) -> None:
    url = reverse("curation:queue", args=[topic.slug])
    alpha = story["entries"][0].source
    body = client_in.get(url, {"source": alpha.pk}).content.decode()
    # Alpha's entry is not the card (Beta's scored higher), but the story is Alpha's too.
    assert body.count('class="suggestion"') == 1
    assert "Mastodon grows (Beta)" in body and "1 to review" in body
    gamma = story["entries"][2].source
    TopicSource.objects.create(topic=topic, source=gamma)
    other = _entry(gamma, "other", "Something else")
    Suggestion.objects.create(topic=topic, entry=other, score=0.2)
    body = client_in.get(url, {"source": gamma.pk}).content.decode()
    assert body.count('class="suggestion"') == 2


def test_dashboard_queries_do_not_grow_with_topics(
    client_in, topic, story, curator, django_assert_num_queries
) -> None:
    url = reverse("curation:dashboard")
    client_in.get(url)
    # session, user, topics with their scoop counts, their queue sizes, notifications
    with django_assert_num_queries(5):
        client_in.get(url)
    for n in range(3):
        Topic.objects.create(title=f"T{n}", slug=f"t{n}", owner=curator)
    with django_assert_num_queries(5):
        assert client_in.get(url).status_code == 200
