"""Query plans of the hot paths on a PostgreSQL instance large enough for the planner to
choose as it would in production: no sequential scan of a big table, whatever the page.

The tables are filled server-side (``INSERT … SELECT … generate_series``, a few seconds for a
few hundred thousand rows) from one template row made through the ORM, then ANALYZEd. The
test runs the real code (the fetch lease, the curator's queue, the topic page, search),
records every query it sends, and asks PostgreSQL for the plan of each (``EXPLAIN (FORMAT
JSON)``, not executed). A ``Seq Scan`` on one of the big tables fails, naming the query.

At this size (100,000 entries and suggestions) a plan that scans is already slower than an
index, and the planner knows it from the statistics; the 2,000,000-entry instance of
``make bench-scale`` keeps the same plans (docs/benchmarks.md).

PostgreSQL only: SQLite's planner has no statistics to mislead it and no such scale here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.sources.models import Entry, Source
from florilege.sources.worker import lease_due
from florilege.suggestions.models import Suggestion
from florilege.suggestions.story_models import Story, StoryMember
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="query plans are checked on PostgreSQL"
)

# The proportions of the large instance (bench/scale.py): a topic's pending suggestions
# are a small share of all entries (100 of 100,000 here, 500 of 2,000,000 there). With a
# larger share the planner rightly prefers hashing the whole entries table, and the test
# would check a plan no production instance gets.
SOURCES = 5_000
TOPICS = 1_000
ENTRIES = 100_000
SUGGESTIONS = 100_000
SCOOPS = 10_000
MEMBERS = 200
# The tables that grow with content. Follows (TopicSource) are one row per topic and feed,
# tens of thousands at most: hashing them whole is the plan the planner rightly prefers for
# the fetch lease's semi-join.
BIG = {
    StoryMember._meta.db_table,
    Source._meta.db_table,
    Entry._meta.db_table,
    Suggestion._meta.db_table,
    Scoop._meta.db_table,
}


def clone(model: type[models.Model], template: models.Model, count: int, **sql: str) -> None:
    """``count`` copies of ``template`` in one statement; ``sql`` gives columns an SQL
    expression of ``g`` (1…count) instead of the template's value."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    ]
    quote = connection.ops.quote_name
    names = [str(f.column) for f in fields]  # concrete fields: every one has a column
    columns = ", ".join(quote(c) for c in names)
    values = ", ".join(sql.get(c, f"t.{quote(c)}") for c in names)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {values} "
            f"FROM {table} t, generate_series(1, {count}) g "
            f"WHERE t.{quote(str(model._meta.pk.column))} = %s",
            [template.pk],
        )


def first_id(model: type[models.Model], offset: str = "") -> str:
    """SQL for the smallest id of ``model``'s table (an InitPlan: computed once)."""
    return f"((SELECT min(id) FROM {connection.ops.quote_name(model._meta.db_table)}){offset})"


@pytest.fixture
def large(topic, curator) -> Topic:
    now = timezone.now()
    source = Source.objects.create(url="https://feeds.example/0", next_fetch_at=now)
    TopicSource.objects.create(topic=topic, source=source)
    entry = Entry.objects.create(source=source, key="0", url="https://news.example/0",
                                 title="Mastodon moderation at scale", fetched_at=now)  # fmt: skip
    Suggestion.objects.create(topic=topic, entry=entry, score=0.5)
    story = Story.objects.create(first_seen=now, last_seen=now)
    StoryMember.objects.create(entry=entry, story=story, reason="new", seen_at=now)
    scoop = Scoop.objects.create(
        topic=topic, curator=curator, entry=entry, url=entry.url, canonical_url=entry.url,
        title="Mastodon moderation at scale", insight="Moderation.",
        insight_html="<p>Moderation.</p>", status="published", published_at=now,
    )  # fmt: skip
    clone(Topic, topic, TOPICS, slug="'topic-' || g", title="'Topic ' || g")
    # One source in a hundred due; every source followed by one topic.
    due = "now() + (CASE WHEN mod(g, 100) = 0 THEN -1 ELSE 1 END) * interval '1 hour'"
    clone(Source, source, SOURCES, url="'https://feeds.example/' || g", next_fetch_at=due)
    topic_of = f"{first_id(Topic)} + mod(g, {TOPICS + 1})"
    clone(TopicSource, TopicSource.objects.get(source=source), SOURCES,
          topic_id=topic_of, source_id=f"{first_id(Source)} + g")  # fmt: skip
    clone(Entry, entry, ENTRIES, key="md5(g::text)",
          source_id=f"{first_id(Source)} + mod(g, {SOURCES})",
          url="'https://news.example/' || g", canonical_url="'https://news.example/' || g",
          title="'Story number ' || g", fetched_at="now() - g * interval '1 second'")  # fmt: skip
    # Every entry in a story, two entries a story.
    clone(Story, story, ENTRIES // 2)
    clone(StoryMember, StoryMember.objects.get(entry=entry), ENTRIES,
          entry_id=f"{first_id(Entry)} + g", story_id=f"{first_id(Story)} + g / 2")  # fmt: skip
    # Four in five pending, spread over the topics; scores spread too.
    clone(Suggestion, Suggestion.objects.get(entry=entry), SUGGESTIONS,
          topic_id=topic_of, entry_id=f"{first_id(Entry)} + g", score="random()",
          status="CASE WHEN mod(g, 5) = 0 THEN 'discarded' ELSE 'pending' END")  # fmt: skip
    clone(get_user_model(), curator, MEMBERS, username="'member' || g")
    clone(Scoop, scoop, SCOOPS, topic_id=topic_of, entry_id=f"{first_id(Entry)} + g",
          curator_id=f"{first_id(get_user_model())} + mod(g, {MEMBERS + 1})",
          url="'https://news.example/' || g", canonical_url="'https://news.example/' || g",
          title="'Scoop number ' || g", published_at="now() - g * interval '1 minute'")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return topic


def plans(run: Callable[[], object]) -> Iterator[tuple[str, dict]]:
    """(SQL, plan) of every statement ``run`` sends that reads rows."""
    with CaptureQueriesContext(connection) as captured:
        run()
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            (document,) = cursor.fetchone()
        plan = document if isinstance(document, list) else json.loads(document)
        yield sql, plan[0]["Plan"]


def seq_scans(plan: dict) -> Iterator[str]:
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        yield plan["Relation Name"]
    for child in plan.get("Plans", []):
        yield from seq_scans(child)


def assert_no_big_seq_scan(run: Callable[[], object]) -> int:
    checked = 0
    for sql, plan in plans(run):
        checked += 1
        scanned = sorted(set(seq_scans(plan)))
        assert not scanned, f"sequential scan of {', '.join(scanned)} in:\n{sql}\n\n{plan}"
    assert checked, "nothing was checked"
    return checked


@pytest.mark.django_db
def test_hot_paths_use_indexes_on_a_large_instance(large, client, curator) -> None:
    from django.db import transaction

    def lease() -> None:
        with transaction.atomic():
            assert len(lease_due(timezone.now(), 50, "plans:1")) == 50

    assert_no_big_seq_scan(lease)

    client.force_login(curator)
    for name, url in [
        ("queue", reverse("curation:queue", args=[large.slug])),
        ("topic page", reverse("publishing:topic", args=[large.slug])),
        ("site search", reverse("publishing:search") + "?q=mastodon+moderation"),
        # Accounts named like the query are asked, each, whether they have anything visible.
        ("site search naming curators", reverse("publishing:search") + "?q=member7+mastodon"),
        ("topic search", reverse("publishing:topic_search", args=[large.slug]) + "?q=mastodon"),
    ]:

        def get(url: str = url, name: str = name) -> None:
            response = client.get(url)
            assert response.status_code == 200, name

        assert_no_big_seq_scan(get)

    # The retention stage's walk, oldest first, through the index it added.
    week = timezone.now() - timedelta(days=7)
    assert_no_big_seq_scan(lambda: list(Entry.objects.filter(fetched_at__lt=week)[:5]))
    # The check itself: a query that must scan (a filter on an unindexed column) fails.
    with pytest.raises(AssertionError, match="sequential scan of sources_entry"):
        assert_no_big_seq_scan(lambda: list(Entry.objects.filter(author="nobody")[:1]))
