"""Worker pools per stage: two real ``manage.py worker`` processes on one PostgreSQL
database, one fetching, the other enriching and suggesting, share the pipeline between
them; neither runs the other's stages. PostgreSQL only, as for the other process tests."""

from __future__ import annotations

import pytest
from django.db import connection

from florilege.jobs.models import StageState
from florilege.sources.models import Entry, Source
from florilege.sources.tests.test_worker_processes import (
    FEEDS,
    ITEMS,
    SlowFeeds,
    make_sources,
    wait_for,
    workers,
)
from florilege.suggestions.models import Suggestion

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="worker processes share PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]
__all__ = ["workers"]  # the fixture, used by name

FETCHING = "websub,fetch,full_text"
SCORING = "enrich,suggest,rules"


def test_two_pools_split_the_stages_and_finish_the_pipeline(loopback, curator, workers) -> None:
    feeds = SlowFeeds(loopback, delay=lambda _n: 0.05)
    make_sources(feeds, curator)
    group = workers(10)
    fetcher = group.start(FETCHING)
    scorer = group.start(SCORING)

    def done() -> bool:
        return (
            Source.objects.filter(last_fetched_at=None).count() == 0
            and Entry.objects.count() == FEEDS * ITEMS
            and not Entry.objects.filter(suggested_at=None).exists()
            and not Entry.objects.filter(enriched_at=None).exists()
            and not Suggestion.objects.filter(rules_checked_at=None).exists()
        )

    wait_for(done, group, "the two pools to fetch, enrich, suggest and check every entry")
    group.stop_all()

    assert Suggestion.objects.count() == FEEDS * ITEMS
    assert sorted(feeds.total.values()) == [1] * FEEDS
    # Each pool said it worked only in its own stages.
    assert group.cycles(0, "fetch") > 0 and group.cycles(1, "suggest") > 0
    for stage in SCORING.split(","):
        assert group.cycles(0, stage) == 0, group.logs()
    for stage in FETCHING.split(","):
        assert group.cycles(1, stage) == 0, group.logs()
    # And the status rows name who ran what.
    owners = dict(StageState.objects.values_list("name", "worker"))
    assert owners["fetch"] == group.owner(fetcher)
    assert owners["suggest"] == owners["enrich"] == group.owner(scorer)
    assert "deliver" not in owners
