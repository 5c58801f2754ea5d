"""Small builders shared by the queue-flow tests (rules, rescoop, reader suggestions) and
the team tests (scoops in each state, a suggestion from a followed feed)."""

from __future__ import annotations

from datetime import datetime

from florilege.curation.models import Scoop
from florilege.lib.markdown import render_markdown
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource
from florilege.topics.tests.team_fixtures import NOW


def follow(topic: Topic, url: str, title: str = "") -> Source:
    source = Source.objects.create(url=url, title=title or url)
    TopicSource.objects.create(topic=topic, source=source)
    return source


def entry(source: Source, key: str, title: str, *, fetched_at: datetime, **fields) -> Entry:
    url = fields.pop("url", f"https://news.example/{key}")
    return Entry.objects.create(
        source=source,
        key=key,
        url=url,
        canonical_url=url,
        title=title,
        fetched_at=fetched_at,
        published_at=fields.pop("published_at", fetched_at),
        **({"language": "en"} | fields),
    )


def suggestion(topic: Topic, item: Entry, score: float = 1.0) -> Suggestion:
    return Suggestion.objects.create(
        topic=topic, entry=item, score=score, reasons={"keywords": [], "relevance": 0.1}
    )


def scoop(topic: Topic, curator, n: int, *, published_at: datetime, **fields) -> Scoop:
    url = f"https://story.example/{n}"
    insight = fields.pop("insight", f"Insight {n}.")
    return Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=url,
        canonical_url=url,
        title=fields.pop("title", f"Story {n}"),
        insight=insight,
        insight_html=render_markdown(insight),
        published_at=published_at,
        **fields,
    )


def make_scoop(topic, curator, status: str, n: int = 1, **extra) -> Scoop:
    return Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=f"https://news.example/{status}-{n}",
        canonical_url=f"https://news.example/{status}-{n}",
        title=f"A {status} scoop {n}",
        insight="Why it matters.",
        insight_html="<p>Why it matters.</p>",
        status=status,
        published_at=extra.pop("published_at", NOW if status == "published" else None),
        **extra,
    )


def make_suggestion(topic, n: int = 1) -> Suggestion:
    source, _ = Source.objects.get_or_create(url="https://news.example/feed", title="News")
    TopicSource.objects.get_or_create(topic=topic, source=source)
    entry = Entry.objects.create(
        source=source,
        key=f"k{n}",
        guid=f"g{n}",
        url=f"https://news.example/entry-{n}",
        canonical_url=f"https://news.example/entry-{n}",
        title=f"Mastodon news {n}",
        summary="<p>Mastodon adds users.</p>",
        language="en",
    )
    return Suggestion.objects.create(topic=topic, entry=entry, score=1.0)
