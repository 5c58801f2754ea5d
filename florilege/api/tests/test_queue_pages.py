"""Pages of the suggestion queue reached by cursor are the queue, cut in pages: walked to
the end they give exactly the one-per-story list, in order, worked out here by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Story, StoryMember, Suggestion
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SCORES = [0.1, 0.2, 0.5, 0.5, 0.7, 0.9]  # few values: ties within and across stories


def _suggest(topic: Topic, source: Source, n: int, score: float, status: str) -> Suggestion:
    entry = Entry.objects.create(
        source=source, key=f"k{n}", url=f"https://q.example/{n}", title=f"Item {n}"
    )
    return Suggestion.objects.create(topic=topic, entry=entry, score=score, status=status)


def _mixed_queue(topic: Topic, other: Topic) -> list[int]:
    """Stories of one to four suggestions (some already decided), suggestions without a
    story, and another topic's suggestions in the same stories; returns the ids the
    queue must show, in order."""
    rng = random.Random(18)
    source = Source.objects.create(url="https://q.example/feed", title="Q")
    TopicSource.objects.create(topic=topic, source=source)
    cards: list[Suggestion] = []
    n = 0
    for _ in range(40):
        story = Story.objects.create(first_seen=NOW, last_seen=NOW)
        members = []
        for _ in range(rng.randint(1, 4)):
            n += 1
            status = rng.choice([Suggestion.Status.PENDING] * 6 + [Suggestion.Status.DISCARDED])
            # Another topic's suggestion in the story must not hide nor decide this one.
            owner = other if rng.random() < 0.15 else topic
            s = _suggest(owner, source, n, rng.choice(SCORES), status)
            StoryMember.objects.create(entry=s.entry, story=story, reason="near", seen_at=NOW)
            members.append(s)
        mine = [s for s in members if s.topic_id == topic.pk]
        if mine and all(s.status == Suggestion.Status.PENDING for s in mine):
            cards.append(max(mine, key=lambda s: (s.score, s.pk)))
    for _ in range(15):
        n += 1
        cards.append(_suggest(topic, source, n, rng.choice(SCORES), Suggestion.Status.PENDING))
    cards.sort(key=lambda s: (s.score, s.pk), reverse=True)
    return [s.pk for s in cards]


@pytest.mark.parametrize("limit", [1, 4, 7])
def test_pages_by_cursor_are_the_whole_queue_in_order(api, token_for, team, topic, limit) -> None:
    other = Topic.objects.create(title="Other", slug="other", owner=team["owner"])
    expected = _mixed_queue(topic, other)
    assert len(expected) > 30  # enough for many pages, whatever the random draw
    token = token_for(team["viewer"], "read")
    seen: list[int] = []
    address = f"/topics/{topic.slug}/suggestions?limit={limit}"
    cursor = ""
    while True:
        response = api("get", address + (f"&cursor={cursor}" if cursor else ""), token)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == expected
