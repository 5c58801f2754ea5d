"""The retention stage: old unscooped entries go with what hangs on them, in batches, and
scooped ones, recent ones and the daily audience counts stay."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings

from florilege.analytics.models import DailyCount, DailySalt, RateEvent
from florilege.curation.models import Scoop
from florilege.curation.services import retention
from florilege.jobs.registry import StageContext, get
from florilege.sources.models import Entry, Source
from florilege.sources.services.ingest import too_old_to_keep
from florilege.suggestions.models import EntryVector, Suggestion
from florilege.suggestions.story_models import Story, StoryBand, StoryMember

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAYS = 90


@pytest.fixture
def retain(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, RETAIN_ENTRIES_DAYS=DAYS)


def entry(source: Source, n: int, age_days: float) -> Entry:
    fetched = NOW - timedelta(days=age_days)
    made = Entry.objects.create(
        source=source, key=f"k{n}", url=f"https://example.org/{n}", title=f"Item {n}",
        fetched_at=fetched, published_at=fetched,
    )  # fmt: skip
    EntryVector.objects.create(entry=made, encoder="test", vector=b"\0" * 8)
    return made


def join(story: Story, item: Entry) -> None:
    member = StoryMember.objects.create(entry=item, story=story, reason="near", seen_at=NOW)
    StoryBand.objects.create(member=member, key=item.pk, seen_at=NOW)


@pytest.fixture
def world(topic, curator):
    source = Source.objects.create(url="https://example.org/feed")
    old = [entry(source, n, DAYS + 10) for n in range(5)]
    recent = entry(source, 10, DAYS - 10)
    scooped = entry(source, 11, DAYS + 300)
    Scoop.objects.create(
        topic=topic, curator=curator, entry=scooped, url=scooped.url,
        canonical_url=scooped.url, title="Kept", insight="Kept.", insight_html="<p>Kept.</p>",
    )  # fmt: skip
    for item in [*old, recent, scooped]:
        Suggestion.objects.create(topic=topic, entry=item, score=0.5)
    # A story of old entries only, and one shared by an old entry and a recent one.
    gone, shared = (
        Story.objects.create(first_seen=NOW, last_seen=NOW, size=2),
        Story.objects.create(first_seen=NOW, last_seen=NOW, size=2),
    )
    join(gone, old[0])
    join(gone, old[1])
    join(shared, old[2])
    join(shared, recent)
    return {"old": old, "recent": recent, "scooped": scooped, "gone": gone, "shared": shared}


@pytest.mark.django_db
def test_old_unscooped_entries_go_with_their_vectors_suggestions_and_empty_stories(
    world, retain
) -> None:
    stage = get("retention")
    assert stage.backlog(NOW).due == 5
    assert stage.backlog(NOW).oldest == NOW - timedelta(days=DAYS + 10)
    assert stage.run(StageContext(now=NOW)) == 5

    kept = {world["recent"].pk, world["scooped"].pk}
    assert set(Entry.objects.values_list("pk", flat=True)) == kept
    assert set(EntryVector.objects.values_list("entry_id", flat=True)) == kept
    assert set(Suggestion.objects.values_list("entry_id", flat=True)) == kept
    assert set(StoryMember.objects.values_list("entry_id", flat=True)) == {world["recent"].pk}
    assert StoryBand.objects.count() == 1
    assert list(Story.objects.values_list("pk", "size")) == [(world["shared"].pk, 1)]
    # The scoop keeps its entry.
    assert Scoop.objects.get().entry_id == world["scooped"].pk
    # Idempotent: nothing left to do.
    assert stage.backlog(NOW).due == 0
    assert stage.run(StageContext(now=NOW)) == 0


@pytest.mark.django_db
def test_entries_go_a_batch_at_a_time_oldest_first(world, retain) -> None:
    assert retention.delete_entries(NOW, DAYS, batch=2) == (2, 1)  # old[0], old[1]: a story
    assert not Entry.objects.filter(pk__in=[e.pk for e in world["old"][:2]]).exists()
    assert retention.delete_entries(NOW, DAYS, batch=2)[0] == 2
    assert retention.delete_entries(NOW, DAYS, batch=2)[0] == 1
    assert retention.delete_entries(NOW, DAYS, batch=2) == (0, 0)
    assert Entry.objects.count() == 2


@pytest.mark.django_db
def test_retention_off_keeps_every_entry(world) -> None:
    assert settings.CONFIG.RETAIN_ENTRIES_DAYS == 0
    assert get("retention").run(StageContext(now=NOW)) == 0
    assert Entry.objects.count() == 7


@pytest.mark.django_db
def test_raw_analytics_rows_past_retention_go_and_daily_counts_stay(topic) -> None:
    today = NOW.date()
    for day in (today, today - timedelta(days=1), today - timedelta(days=2), date(2025, 1, 1)):
        DailySalt.objects.create(day=day, value="s")
        DailyCount.objects.create(topic=topic, day=day, kind="views", value=3)
    RateEvent.objects.create(action="comment", visitor="v", at=NOW - timedelta(minutes=10))
    RateEvent.objects.create(action="comment", visitor="v", at=NOW - timedelta(hours=2))
    RateEvent.objects.create(action="follow", visitor="v", at=NOW - timedelta(days=30))

    assert get("retention").backlog(NOW).due == 4
    assert get("retention").run(StageContext(now=NOW)) == 4
    kept_days = {today, today - timedelta(days=1)}
    assert set(DailySalt.objects.values_list("day", flat=True)) == kept_days
    assert DailyCount.objects.count() == 4
    assert list(RateEvent.objects.values_list("at", flat=True)) == [NOW - timedelta(minutes=10)]


def test_items_dated_before_the_retention_age_are_not_stored_again(settings) -> None:
    old = Entry(published_at=NOW - timedelta(days=DAYS + 1))
    undated = Entry()
    fresh = Entry(published_at=NOW - timedelta(days=1))
    assert not too_old_to_keep(old, NOW)  # retention off: everything is stored
    settings.CONFIG = dataclasses.replace(settings.CONFIG, RETAIN_ENTRIES_DAYS=DAYS)
    assert too_old_to_keep(old, NOW)
    assert not too_old_to_keep(undated, NOW) and not too_old_to_keep(fresh, NOW)
