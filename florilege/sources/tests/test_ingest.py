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
