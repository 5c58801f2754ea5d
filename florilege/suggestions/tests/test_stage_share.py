"""The enrichment pool with many topics and a backlog: each stage takes its share of a worker
cycle and yields, so suggestions flow while enrichment and training still have work.

At full scale (1,000 topics, a steady stream of new entries) the enrich stage went through
its 50 batches before the suggest stage had its turn, minutes during which nothing was
suggested and no stage wrote its status row; ``budget=0`` here is a share spent by the
first batch, so the test says what one bounded cycle does without timing anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from florilege.jobs import registry
from florilege.jobs.models import StageState
from florilege.jobs.worker import StageRunner
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion, TopicRanker
from florilege.suggestions.stories import ENRICH_BATCH
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOPICS = 40
POOL = ["enrich", "suggest", "rules", "train"]


def backlog(curator) -> list[Topic]:
    sources = [Source.objects.create(url=f"https://feed{i}.example/rss") for i in range(4)]
    topics = []
    for n in range(TOPICS):
        topic = Topic.objects.create(title=f"Topic {n}", slug=f"topic-{n}", owner=curator,
                                     keywords=["garden"])  # fmt: skip
        TopicSource.objects.create(topic=topic, source=sources[n % 4])
        topics.append(topic)
    # One more than an enrichment batch: the stage has work left after its share.
    Entry.objects.bulk_create(
        Entry(source=sources[i % 4], key=f"k{i}", url=f"https://news.example/{i}",
              canonical_url=f"news.example/{i}", title=f"Garden notes, week {i}",
              summary=f"<p>What to sow in week {i}.</p>", language="en",
              published_at=NOW - timedelta(hours=1), fetched_at=NOW)
        for i in range(ENRICH_BATCH + 1)
    )  # fmt: skip
    return topics


def test_every_stage_of_the_pool_progresses_in_one_bounded_cycle(curator) -> None:
    backlog(curator)
    runner = StageRunner(registry.select(POOL), budget=0)

    first = runner.cycle(NOW)

    assert first.failed == {}
    # One batch of enrichment, then the turn passes (50 batches before the bound).
    assert first["enrich"] == ENRICH_BATCH
    assert Entry.objects.filter(enriched_at__isnull=True).count() == 1
    # Suggestion ran in the same cycle, for every entry and each topic following its source.
    assert first["suggest"] == ENRICH_BATCH + 1
    assert not Entry.objects.filter(suggested_at__isnull=True).exists()
    assert Suggestion.objects.count() == (ENRICH_BATCH + 1) * TOPICS // 4
    # Training: one topic of the 40 stale ones (20 before the bound), the rest next cycles.
    assert first["train"] == 1
    assert TopicRanker.objects.exclude(fingerprint="").count() == 1
    # Every stage that ran says so on the status page.
    states = StageState.objects.filter(last_success_at=NOW)
    assert set(states.values_list("name", flat=True)) == set(POOL)

    second = runner.cycle(NOW + timedelta(seconds=1))
    assert (second["enrich"], second["suggest"], second["train"]) == (1, 0, 1)
    assert not Entry.objects.filter(enriched_at__isnull=True).exists()


def test_a_cycle_without_a_bound_drains_as_before(curator) -> None:
    backlog(curator)
    report = StageRunner(registry.select(["enrich"])).cycle(NOW)
    assert report["enrich"] == ENRICH_BATCH + 1
