from datetime import UTC, datetime

import pytest

from florilege.sources.models import Entry, Source
from florilege.sources.parsing import ParsedEntry, ParsedFeed, parse_feed
from florilege.sources.services.ingest import store_feed
from florilege.sources.tests.feeds import rss, three_items

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def source() -> Source:
    return Source.objects.create(url="https://news.example/feed.xml")


def test_store_is_idempotent(source: Source) -> None:
    feed = parse_feed(three_items(), url=source.url)
    assert len(store_feed(source, feed, NOW)) == 3
    assert store_feed(source, parse_feed(three_items(), url=source.url), NOW) == []
    assert Entry.objects.count() == 3


def test_entries_are_sanitised_and_canonicalised(source: Source) -> None:
    store_feed(source, parse_feed(three_items(), url=source.url), NOW)
    entry = Entry.objects.get(guid="a-1")
    assert "<script" not in entry.summary
    assert "About Mastodon grows again" in entry.summary
    assert entry.canonical_url == "https://news.example/a"
    assert entry.published_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_same_canonical_url_with_new_guid_is_the_same_entry(source: Source) -> None:
    store_feed(source, parse_feed(three_items(), url=source.url), NOW)
    changed = rss([("new-guid", "Mastodon grows again (updated)", "https://news.example/a")])
    assert store_feed(source, parse_feed(changed, url=source.url), NOW) == []
    assert Entry.objects.count() == 3
    assert Entry.objects.get(canonical_url="https://news.example/a").title.endswith("(updated)")


def test_duplicate_items_inside_one_feed(source: Source) -> None:
    doubled = rss(
        [("x", "One", "https://news.example/1"), ("x", "One again", "https://news.example/1")]
    )
    assert len(store_feed(source, parse_feed(doubled, url=source.url), NOW)) == 1


def test_items_without_guid_or_link_get_a_stable_key(source: Source) -> None:
    feed = ParsedFeed(entries=[ParsedEntry(title="No id", published=NOW)])
    assert len(store_feed(source, feed, NOW)) == 1
    assert (
        store_feed(source, ParsedFeed(entries=[ParsedEntry(title="No id", published=NOW)]), NOW)
        == []
    )


def test_relative_links_resolve_and_hostile_links_are_dropped(source: Source) -> None:
    feed = ParsedFeed(
        entries=[
            ParsedEntry(id="1", title="rel", link="/story"),
            ParsedEntry(id="2", title="js", link="javascript:alert(1)"),
        ]
    )
    store_feed(source, feed, NOW)
    assert Entry.objects.get(guid="1").url == "https://news.example/story"
    assert Entry.objects.get(guid="2").url == ""


def test_items_sharing_one_link_stay_distinct(source: Source) -> None:
    # Some feeds point every item at their home page: the guids tell the items apart.
    home = "https://x.example/"
    feed = rss([("g0", "Zero", home), ("g1", "One", home), ("g2", "Two", home)])
    assert len(store_feed(source, parse_feed(feed, url=source.url), NOW)) == 3
    later = rss([("g9", "Nine", home), ("g1", "One", home), ("g2", "Two", home)])
    assert len(store_feed(source, parse_feed(later, url=source.url), NOW)) == 1
    assert sorted(Entry.objects.values_list("title", flat=True)) == ["Nine", "One", "Two", "Zero"]


def test_a_stored_item_still_listed_is_not_taken_over_by_a_new_guid(source: Source) -> None:
    store_feed(source, parse_feed(rss([("a", "A", "https://x.example/p")]), url=source.url), NOW)
    both = rss([("a", "A", "https://x.example/p"), ("b", "B", "https://x.example/p?utm_source=z")])
    assert len(store_feed(source, parse_feed(both, url=source.url), NOW)) == 1
    assert Entry.objects.get(guid="a").title == "A"


def test_new_entries_are_written_as_the_orm_would_write_them(source: Source) -> None:
    from florilege.sources.services.ingest import INSERT_BATCH, insert_entries

    def entry(n: int) -> Entry:
        return Entry(
            source=source, key=f"k{n}", guid=f"g{n}", url=f"https://news.example/{n}",
            title=f"Titre n°{n} — « été »", content="<p>x</p>", language="fr",
            categories=["a", "é", n], fingerprint=-(1 << 63) + n if n % 2 else None,
            published_at=datetime(2026, 3, 1, 23, 59, 59, 123456, tzinfo=UTC) if n else None,
            fetched_at=NOW,
        )  # fmt: skip

    # More than one INSERT's worth, so the ids of every batch are matched to their rows.
    entries = [entry(n) for n in range(INSERT_BATCH + 3)]
    assert insert_entries(entries) == entries
    assert len({e.pk for e in entries}) == len(entries)
    for made in (entries[0], entries[1], entries[-1]):
        stored = Entry.objects.get(pk=made.pk)
        assert not made._state.adding
        for field in Entry._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(made, field.attname), field.name
    # A key the source already has is skipped, not written twice and not an error.
    again, fresh = entry(0), entry(INSERT_BATCH + 3)
    assert insert_entries([again, fresh]) == [fresh]
    assert again.pk is None and fresh.pk is not None
    assert Entry.objects.filter(key="k0").count() == 1


def test_items_stored_between_planning_and_writing_are_not_written_twice(
    source: Source,
) -> None:
    from florilege.sources.services.ingest import apply_plan, plan_feed

    # The worker plans its feed (outside the write transaction)...
    plan = plan_feed(source, parse_feed(three_items(), url=source.url), NOW)
    assert len(plan.new) == 3
    # ...while a WebSub push stores one of its items.
    pushed = store_feed(
        source,
        parse_feed(rss([("a-2", "Pushed first", "https://x.example/")]), url=source.url),
        NOW,
    )
    assert len(pushed) == 1
    # Writing the plan then adds the other two, and reports only those as new.
    written = apply_plan(source, plan)
    assert sorted(e.guid for e in written) == ["a-1", "a-3"]
    assert Entry.objects.filter(source=source).count() == 3
    assert Entry.objects.get(guid="a-2").title == "Pushed first"


@pytest.mark.django_db(transaction=True)
def test_two_writers_racing_for_one_item_both_succeed() -> None:
    """On PostgreSQL two transactions can both find a key missing and insert it: the second
    waits for the first, then skips the row instead of failing its whole feed."""
    import threading

    from django.db import connection, connections, transaction

    from florilege.sources.services.ingest import insert_entries

    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time: there is no race to lose")
    source = Source.objects.create(url="https://news.example/feed.xml")

    def item(key: str, title: str) -> Entry:
        return Entry(source=source, key=key, title=title, fetched_at=NOW)

    inserted, release = threading.Event(), threading.Event()

    def first_writer() -> None:
        try:
            with transaction.atomic():
                insert_entries([item("same", "first")])
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    writer = threading.Thread(target=first_writer)
    writer.start()
    assert inserted.wait(10)
    # Let the first transaction commit while the second is waiting on its row.
    threading.Timer(0.3, release.set).start()
    with transaction.atomic():
        written = insert_entries([item("same", "second"), item("other", "second")])
    writer.join(10)
    assert [e.key for e in written] == ["other"]
    assert Entry.objects.get(key="same").title == "first"
