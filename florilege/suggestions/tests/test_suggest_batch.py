"""The suggestion stage batched across topics: the same suggestions as topic by topic, in
a number of queries that does not grow with topics or sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from florilege.sources.models import Entry, Source
from florilege.suggestions.learning import ranking_cycle
from florilege.suggestions.models import Suggestion, TopicRanker
from florilege.suggestions.services import suggest_entries, suggest_to_topic
from florilege.suggestions.vectors import ensure_vectors
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TITLES = [
    "Mastodon reaches ten million accounts",
    "Le potager en permaculture",
    "Fediverse servers debate moderation",
    "Composting at home: a beginner's guide",
    "La modération sur le fédivers",
    "Seeds to sow in March",
]


def world(curator, topics: int) -> tuple[list[Topic], list[Entry]]:
    sources = [Source.objects.create(url=f"https://feed{i}.example/rss") for i in range(3)]
    made = []
    for n in range(topics):
        topic = Topic.objects.create(
            title=f"Topic {n}", slug=f"topic-{n}", owner=curator,
            keywords=["mastodon", "jardin"][n % 2 :], languages=["en", "fr"][: 1 + n % 2],
        )  # fmt: skip
        # Each topic follows two of the three sources.
        for source in (sources[n % 3], sources[(n + 1) % 3]):
            TopicSource.objects.create(topic=topic, source=source)
        made.append(topic)
    entries = []
    for i, title in enumerate(TITLES * 2):
        entry = Entry.objects.create(
            source=sources[i % 3], key=f"k{i}", url=f"https://news.example/{i}",
            # The second round repeats the pages of the first through other sources.
            canonical_url=f"https://news.example/{i % len(TITLES)}",
            title=title, summary=f"<p>{title}.</p>",
            language="fr" if "Le " in title or "La " in title else "en",
            published_at=NOW - timedelta(hours=1), fetched_at=NOW,
        )  # fmt: skip
        entries.append(entry)
    ensure_vectors(entries, NOW)
    return made, entries


def stored() -> set[tuple[int, int, float]]:
    return set(Suggestion.objects.values_list("topic_id", "entry_id", "score"))


@pytest.mark.parametrize("trained", [False, True])
def test_batched_suggestions_equal_topic_by_topic(curator, trained):
    topics, entries = world(curator, 4)
    if trained:
        # Stored models, read for every topic at once by the batch and one by one here.
        ranking_cycle(NOW)
        assert TopicRanker.objects.exclude(state=b"").count() == len(topics)
    created = suggest_entries(entries, NOW)
    batched = stored()
    assert created == len(batched) > 0
    Suggestion.objects.all().delete()
    for topic in topics:
        followed = set(TopicSource.objects.filter(topic=topic).values_list("source_id", flat=True))
        suggest_to_topic(topic, [e for e in entries if e.source_id in followed], NOW)
    assert stored() == batched
    # One copy of each page per topic, never two.
    urls = Suggestion.objects.values_list("topic_id", "entry__canonical_url")
    assert len(list(urls)) == len(set(urls))


def queries_for(curator, topics: int) -> int:
    _, entries = world(curator, topics)
    with CaptureQueriesContext(connection) as ctx:
        suggest_entries(entries, NOW)
    return len(ctx)


def test_queries_do_not_grow_with_topics(curator):
    two = queries_for(curator, 2)
    Suggestion.objects.all().delete()
    TopicSource.objects.all().delete()
    Topic.objects.all().delete()
    Entry.objects.all().delete()
    Source.objects.all().delete()
    six = queries_for(curator, 6)
    # links 1, vectors 1, the "already there" lookups 2, every topic's stored model 1,
    # one insert of every topic's suggestions, one update marking the entries done.
    assert two == 1 + 1 + 2 + 1 + 1 + 1
    assert six == two


def test_a_second_run_adds_nothing_and_keeps_decisions(curator):
    # The multi-row insert skips what a topic already has, as bulk_create's ignore_conflicts.
    topics, entries = world(curator, 3)
    suggest_entries(entries, NOW)
    first = stored()
    Suggestion.objects.filter(topic=topics[0]).update(status=Suggestion.Status.DISCARDED)
    suggest_entries(entries, NOW)
    assert stored() == first
    assert Suggestion.objects.filter(topic=topics[0]).exclude(status="discarded").count() == 0


def test_a_subset_answers_as_its_own_features_would():
    # Subsets share the batch's per-row text work: same answers as computing them anew.
    from florilege.suggestions.features import Item, featurize

    items = [Item(title=t, text=f"{t}, again.", language="en") for t in TITLES]
    whole = featurize(items)
    rows = [4, 0, 2]
    part, fresh = whole.subset(rows), featurize([items[i] for i in rows])
    assert part.words == fresh.words and part.folded == fresh.folded
    assert all((a == b).all() for a, b in zip(part.word_columns, fresh.word_columns, strict=True))
    for term in ("mastodon", "modération", "fediverse servers", "c++", "absent"):
        assert (part.term_mask(term) == fresh.term_mask(term)).all()
