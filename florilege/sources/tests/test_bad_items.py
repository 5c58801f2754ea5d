"""One bad item never fails its feed; a feed of any size costs bounded memory."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from florilege.lib.html import clean_text, html_to_text, sanitize_html
from florilege.lib.http import FetchResponse
from florilege.sources.models import Entry, Source
from florilege.sources.parsing import FeedParseError, ParsedEntry, ParsedFeed, parse_feed
from florilege.sources.parsing.items import ItemCollector
from florilege.sources.services.fetch import FetchOutcome, record_outcome, save_fetch_state
from florilege.sources.services.ingest import store_feed
from florilege.sources.tests.feeds import (
    ATOM_FORBIDDEN_REFS,
    JSON_SURROGATE_AND_NUL,
    RSS_FORBIDDEN_REFS,
    deep_json,
    deep_xml,
    rss,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def source(db) -> Source:
    return Source.objects.create(url="https://news.example/feed")


def record(source: Source, body: bytes) -> list[Entry]:
    response = FetchResponse(source.url, 200, {"content-type": "application/xml"}, body)
    new = record_outcome(source, FetchOutcome(source.pk, response=response), NOW)
    save_fetch_state(source)
    source.refresh_from_db()
    return new


def stored_text(entry: Entry) -> str:
    return " ".join(
        [entry.title, entry.summary, entry.content, entry.author, entry.url, entry.guid,
         *entry.categories]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("plain", "plain"),
        ("a\ud800b", "ab"),
        ("a\udfffb\x00c", "abc"),
        ("\ud83d\ude00", "😀"),  # a pair split in two code points is joined, not dropped
        ("😀", "😀"),
    ],
)
def test_clean_text_drops_nul_and_lone_surrogates(text: str, clean: str) -> None:
    assert clean_text(text) == clean
    assert sanitize_html(f"<p>{text}</p>") == f"<p>{clean}</p>"
    assert html_to_text(f"<b>{text}</b>") == clean


@pytest.mark.parametrize("body", [JSON_SURROGATE_AND_NUL, RSS_FORBIDDEN_REFS, ATOM_FORBIDDEN_REFS])
def test_odd_characters_are_cleaned_and_every_item_stored(source: Source, body: bytes) -> None:
    feed = parse_feed(body, url=source.url)
    new = store_feed(source, feed, NOW)
    assert len(new) == len(feed.entries) >= 2
    for entry in Entry.objects.all():
        text = stored_text(entry)
        assert "\x00" not in text and not re.search("[\ud800-\udfff]", text), text
    titles = set(Entry.objects.values_list("title", flat=True))
    assert "Plain" in titles
    assert titles & {"Lone surrogate", "Surrogate ref"}


def test_json_fields_are_cleaned_one_by_one(source: Source) -> None:
    store_feed(source, parse_feed(JSON_SURROGATE_AND_NUL, url=source.url), NOW)
    lone, nul, paired = (Entry.objects.get(guid=guid) for guid in ("1", "2", "3"))
    assert (lone.title, lone.author, lone.categories) == ("Lone surrogate", "Ann", ["tag"])
    assert lone.url == "https://news.example/one" and lone.content == "<p>x y</p>"
    assert (nul.title, nul.content, nul.author) == ("NUL here", "ab", "Bob")
    assert nul.categories == ["nul"]
    assert paired.title == "Paired 😀 emoji"
    assert source.title == "" or "\ud800" not in source.title


def test_rss_with_forbidden_references_and_a_bad_date(source: Source) -> None:
    new = record(source, RSS_FORBIDDEN_REFS)
    assert len(new) == 3 and source.last_error.startswith("Read in part")
    first = Entry.objects.get(guid="1")
    assert first.title == "Surrogate ref" and first.categories == ["cat"]
    assert "abc" in first.summary
    assert Entry.objects.get(guid="2").published_at is None
    assert source.title == "T"


def test_utf16_feed_with_forbidden_references(source: Source) -> None:
    body = RSS_FORBIDDEN_REFS.decode().replace('encoding="utf-8"', 'encoding="utf-16"')
    assert len(record(source, body.encode("utf-16"))) == 3
    assert Entry.objects.get(guid="1").title == "Surrogate ref"


def test_deep_json_is_a_parse_error_not_a_recursion_error(source: Source) -> None:
    with pytest.raises(FeedParseError, match="nested too deeply"):
        parse_feed(deep_json())
    record(source, deep_json())
    assert source.error_count == 1 and "nested too deeply" in source.last_error


def test_deep_xml_stops_at_libxml2_depth_limit() -> None:
    # huge_tree stays off: libxml2 refuses nesting beyond 256 levels; what came before is
    # read (recover mode) and the flaw noted, with no recursion anywhere.
    feed = parse_feed(deep_xml())
    assert [e.title for e in feed.entries] == ["First"]
    assert "depth" in feed.bozo.lower()


def test_an_item_that_cannot_be_read_is_skipped_and_counted() -> None:
    def parse_one(n: int) -> ParsedEntry:
        if n == 2:
            raise ValueError("no such thing")
        return ParsedEntry(id=str(n))

    collector = ItemCollector()
    collector.read([1, 2, 3, 2], parse_one)
    feed = collector.finish(ParsedFeed())
    assert [e.id for e in feed.entries] == ["1", "3"]
    assert feed.skipped == 2
    assert feed.skip_reason == "item 2 could not be read (ValueError: no such thing)"


@pytest.fixture
def refuse_boom(db):
    """A trigger that makes the database itself refuse an entry titled "boom"."""
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
                "IF NEW.title = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_boom BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
            )
        else:
            for event in ("INSERT", "UPDATE"):
                cursor.execute(
                    f"CREATE TRIGGER refuse_boom_{event} BEFORE {event} ON {table} "
                    "WHEN NEW.title = 'boom' BEGIN SELECT RAISE(ABORT, 'boom refused'); END"
                )


def test_a_row_the_database_refuses_costs_that_row_only(source: Source, refuse_boom) -> None:
    items = [(str(i), f"Item {i}", f"https://news.example/{i}") for i in range(5)]
    items[2] = ("2", "boom", "https://news.example/2")
    new = record(source, rss(items))
    assert len(new) == 4 and Entry.objects.count() == 4
    assert source.entry_count == 4 and source.skipped_items == 1
    assert source.skip_reason.startswith("the database refused the item “boom”")
    assert "boom refused" in source.skip_reason
    # An update refused the same way keeps the other updates.
    items = [(g, t + " (new)", u) for g, t, u in items]
    items[3] = ("3", "boom", "https://news.example/3")
    record(source, rss(items))
    assert Entry.objects.get(guid="1").title == "Item 1 (new)"
    assert Entry.objects.get(guid="3").title == "Item 3"
    # A clean read clears the note.
    record(source, rss(items[:2]))
    assert (source.skipped_items, source.skip_reason) == (0, "")


def dated_rss(count: int, undated: set[int]) -> bytes:
    """Items 0..count-1, item i dated i hours after a base time (so later is newer)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    stamp = "%a, %d %b %Y %H:%M:%S GMT"
    dates = {i: (base + timedelta(hours=i)).strftime(stamp) for i in range(count)}
    body = "".join(
        f"<item><guid>{i}</guid><title>Item {i}</title>"
        + ("" if i in undated else f"<pubDate>{dates[i]}</pubDate>")
        + "</item>"
        for i in range(count)
    )
    return f'<rss version="2.0"><channel><title>T</title>{body}</channel></rss>'.encode()


def test_parsers_keep_the_newest_items_in_feed_order() -> None:
    feed = parse_feed(dated_rss(10, undated={7}), max_items=4)
    assert [e.id for e in feed.entries] == ["5", "6", "8", "9"]
    assert feed.dropped == 6
    undated = parse_feed(dated_rss(10, undated=set(range(10))), max_items=3)
    assert [e.id for e in undated.entries] == ["0", "1", "2"]  # feed order without dates
    one = parse_feed(dated_rss(3, undated={0, 2}), max_items=2)
    assert [e.id for e in one.entries] == ["0", "1"]  # the dated one, then the first undated


@pytest.mark.parametrize(
    "make",
    [
        lambda n: dated_rss(n, undated={1}),
        lambda n: json.dumps({
            "version": "https://jsonfeed.org/version/1.1",
            "items": [{"id": str(i), "date_published": f"2026-01-01T{i:02d}:00:00Z"}
                      for i in range(n) if i != 1] + [{"id": "1"}],
        }).encode(),
        lambda n: (
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            + "".join(f"<entry><id>{i}</id><updated>2026-01-01T{i:02d}:00:00Z</updated></entry>"
                      for i in range(n))
            + "</feed>"
        ).encode(),
    ],
    ids=["rss", "json", "atom"],
)  # fmt: skip
def test_every_format_is_capped(make) -> None:
    feed = parse_feed(make(12), max_items=5)
    assert sorted(int(e.id) for e in feed.entries) == [7, 8, 9, 10, 11]
    assert feed.dropped == 7


def test_the_cap_applies_per_read_and_is_noted_on_the_source(source: Source, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, FETCH_MAX_ITEMS=3)
    assert len(record(source, dated_rss(10, undated=set()))) == 3
    assert sorted(Entry.objects.values_list("guid", flat=True)) == ["7", "8", "9"]
    assert source.dropped_items == 7
    # A feed built without the parser (a fediverse account's posts) is capped as well.
    feed = ParsedFeed(entries=[ParsedEntry(id=f"p{i}", title=f"Post {i}") for i in range(5)])
    assert [e.guid for e in store_feed(source, feed, NOW)] == ["p0", "p1", "p2"]


def test_a_body_over_the_byte_limit_is_refused(source: Source, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, FETCH_MAX_BYTES=1000)
    with pytest.raises(FeedParseError, match="larger than 1000 bytes"):
        parse_feed(dated_rss(30, undated=set()), max_bytes=1000)
    record(source, dated_rss(30, undated=set()))
    assert "larger than 1000 bytes" in source.last_error and not Entry.objects.exists()


def documented_ceiling() -> int:
    """The worker memory ceiling stated in docs/operations.md, in MB."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    found = re.search(r"stays under (\d+) MB", text)
    assert found, "docs/operations.md states no memory ceiling"
    return int(found.group(1))


@pytest.mark.parametrize("kind", ["json-minimal", "rss-minimal"])
def test_a_huge_feed_stays_under_the_documented_memory_ceiling(kind: str) -> None:
    """A child process reads and stores a 100,000-item feed the way a worker does."""
    done = subprocess.run(
        [sys.executable, "-m", "florilege.sources.tests.memory_child", kind, "100000"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["stored"] == 500 and report["dropped"] == 99_500
    assert report["peak_mb"] < documented_ceiling(), report


@pytest.mark.parametrize(
    ("ref", "text"),
    [
        (b"&#xD800;", "ab"),
        (b"&#0;", "ab"),
        (b"&#x110000;", "ab"),
        (b"&#" + b"9" * 6000 + b";", "ab"),  # more digits than int() reads
        (b"&#" + b"0" * 6000 + b"66;", "aBb"),
        (b"&#X42;", "aBb"),  # HTML's spelling
        (b"&#233;", "aéb"),
    ],
)
def test_character_references_a_strict_parser_refuses(ref: bytes, text: str) -> None:
    body = b'<rss version="2.0"><channel><item><title>a' + ref + b"b</title></item>"
    feed = parse_feed(body + b"<item><title>ok &amp; &bad</title></item></channel></rss>")
    assert [e.title for e in feed.entries] == [text, "ok & &bad"]
