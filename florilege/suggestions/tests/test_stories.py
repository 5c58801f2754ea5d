"""The enrichment stage: entries join or start stories, incrementally, from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from florilege.jobs.worker import run_cycle
from florilege.lib.text import embedding
from florilege.lib.text.fingerprint import entry_fingerprint
from florilege.sources.models import Entry, Source
from florilege.sources.services.ingest import annotate
from florilege.suggestions.models import EntryVector, Story, StoryMember
from florilege.suggestions.stories import assign_stories

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(embedding.DIMENSIONS).astype(np.float32)
    return v / np.linalg.norm(v)


def make_entry(source: Source, n: int, *, text: str = "", seed: int | None = None, **fields):
    """An entry as ingest stores it; ``seed``: store its vector (no encoder in the test)."""
    title = fields.pop("title", f"Story number {n}")
    entry = Entry.objects.create(
        source=source,
        key=f"k{n}",
        url=fields.pop("url", f"https://{source.pk}.example/{n}"),
        canonical_url=fields.pop("canonical_url", f"https://{source.pk}.example/{n}"),
        title=title,
        content=f"<p>{text}</p>",
        fingerprint=entry_fingerprint(title, text) if text else None,
        published_at=fields.pop("published_at", NOW),
        **fields,
    )
    if seed is not None:
        EntryVector.objects.create(
            entry=entry, encoder=embedding.ENCODER, vector=embedding.to_bytes(vector(seed))
        )
    return entry


@pytest.fixture
def sources() -> list[Source]:
    return [
        Source.objects.create(url=f"https://s{i}.example/feed", title=f"S{i}") for i in range(3)
    ]


LEAD = (
    "The city council voted on Tuesday to close the old harbour bridge to cars from "
    "next spring, after engineers found corrosion in the main cables and warned that "
    "repairs would take at least two years and cost far more than first planned."
)


def test_near_duplicate_from_another_source_joins(sources) -> None:
    first = make_entry(sources[0], 1, text=LEAD, seed=1, title="Harbour bridge to close")
    copy = make_entry(
        sources[1], 2, text=LEAD, seed=2, title="Harbour bridge to close",
        published_at=NOW + timedelta(hours=3),
    )  # fmt: skip
    other = make_entry(sources[2], 3, text="Cats like warm places to sleep.", seed=3)
    placed = assign_stories([first, copy, other], NOW)
    assert placed[first.pk] == placed[copy.pk] != placed[other.pk]
    member = StoryMember.objects.get(entry=copy)
    assert member.reason == "near" and member.similarity == 1.0
    assert Story.objects.get(pk=placed[first.pk]).size == 2


def test_same_canonical_url_joins_whenever_seen(sources) -> None:
    a = make_entry(sources[0], 1, seed=1, canonical_url="https://site.example/a")
    assign_stories([a], NOW)
    later = make_entry(
        sources[1], 2, seed=2, canonical_url="https://site.example/a",
        published_at=NOW + timedelta(days=40),
    )  # fmt: skip
    placed = assign_stories([later], NOW)
    assert placed[later.pk] == StoryMember.objects.get(entry=a).story_id
    assert StoryMember.objects.get(entry=later).reason == "url"


def test_similar_meaning_joins_within_the_window_only(sources) -> None:
    a = make_entry(sources[0], 1, seed=7)
    assign_stories([a], NOW)
    # Same vector (a translation, say), different words: joins by meaning...
    b = make_entry(sources[1], 2, published_at=NOW + timedelta(hours=10))
    EntryVector.objects.create(
        entry=b, encoder=embedding.ENCODER, vector=embedding.to_bytes(vector(7))
    )
    # ...but not four days later.
    c = make_entry(sources[2], 3, published_at=NOW + timedelta(days=4, hours=1))
    EntryVector.objects.create(
        entry=c, encoder=embedding.ENCODER, vector=embedding.to_bytes(vector(7))
    )
    placed = assign_stories([b, c], NOW)
    story = StoryMember.objects.get(entry=a).story_id
    assert placed[b.pk] == story and placed[c.pk] != story
    assert StoryMember.objects.get(entry=b).reason == "semantic"


def test_second_run_changes_nothing(sources) -> None:
    entries = [make_entry(sources[0], n, seed=n) for n in range(3)]
    assert len(assign_stories(entries, NOW)) == 3
    assert assign_stories(entries, NOW) == {}
    assert StoryMember.objects.count() == 3 and Story.objects.count() == 3


def _corpus(sources, stories: int) -> None:
    """``stories`` older stories, all within the window, each with a stored vector."""
    entries = [
        make_entry(sources[n % 3], 1000 + n, text=f"{LEAD} Item {n} {'x' * n}", seed=1000 + n)
        for n in range(stories)
    ]
    assign_stories(entries, NOW)


@pytest.mark.parametrize("stories", [5, 120])
def test_a_new_entry_joins_with_the_same_queries_whatever_the_corpus(
    sources, stories: int, django_assert_num_queries
) -> None:
    _corpus(sources, stories)
    target = StoryMember.objects.order_by("entry_id").first()
    assert target is not None
    new = make_entry(
        sources[2], 1, text=Entry.objects.get(pk=target.entry_id).content[3:-4], seed=5,
        title=Entry.objects.get(pk=target.entry_id).title, published_at=NOW + timedelta(hours=1),
    )  # fmt: skip
    # Placed entries, stored vectors, candidate members (URL, fingerprint bands), MinHash
    # bands, recent stories, then in one transaction: the joined story's update, the member
    # and its bands. No scan, no per-story query: the same for 5 or 120 stories.
    with django_assert_num_queries(10):
        placed = assign_stories([new], NOW)
    assert placed[new.pk] == target.story_id
    assert StoryMember.objects.get(entry=new).reason == "near"


def test_enrichment_runs_in_the_worker_cycle_before_suggesting(sources) -> None:
    entries = [make_entry(sources[0], n, text=LEAD + str(n), seed=n) for n in range(3)]
    report = run_cycle(NOW)
    assert report["enrich"] == 3
    assert StoryMember.objects.filter(entry__in=entries).count() == 3
    assert run_cycle(NOW)["enrich"] == 0


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("", ""),
        ("ꙮꙮꙮ ⸎⸎⸎ ꙮꙮ", "ꙮ⸎ ꙮ⸎ ꙮ⸎ ꙮ⸎"),
        ("A very long article", "<p>" + "word " * 1_000_000 + "</p>"),  # 5 MB
    ],
    ids=["empty", "unknown-script", "5MB"],
)
def test_bad_input_gets_a_story_and_no_exception(sources, title: str, body: str) -> None:
    entry = Entry(source=sources[0], key="bad", title=title, content=body, fetched_at=NOW)
    annotate(entry)
    entry.save()
    placed = assign_stories([entry], NOW)
    assert placed[entry.pk] == StoryMember.objects.get(entry=entry).story_id
