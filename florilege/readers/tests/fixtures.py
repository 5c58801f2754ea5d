"""A topic with a queue, and an app password for its curator."""

from __future__ import annotations

from django.utils import timezone

from florilege.readers import access
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource


def queue_of(topic: Topic, count: int, start: int = 0) -> list[Suggestion]:
    """``count`` pending suggestions, scores descending with their number (best first)."""
    source, _ = Source.objects.get_or_create(
        url="https://news.example/feed",
        defaults={"title": "News", "site_url": "https://news.example/"},
    )
    TopicSource.objects.get_or_create(topic=topic, source=source)
    made = []
    for n in range(start, start + count):
        url = f"https://news.example/{topic.slug}/entry-{n}"
        entry = Entry.objects.create(
            source=source, key=f"{topic.slug}-{n}", guid=url, url=url, canonical_url=url,
            title=f"Mastodon news {n}", summary=f"<p>Story number {n}.</p>", language="en",
            author="Ann", published_at=timezone.now(),
        )  # fmt: skip
        made.append(Suggestion.objects.create(topic=topic, entry=entry, score=1000.0 - n))
    return made


def app_password(user, name: str = "Phone") -> str:
    return access.create(user, name, timezone.now())[1]
