"""Focused tests for the feed parser (florilege.sources.parsing): no DB, no network."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from florilege.sources.parsing import Enclosure, FeedParseError, parse_feed
from florilege.sources.parsing.dates import parse_date
from florilege.testing import shared_data, skip_or_fail_without

FEEDS_DIR = shared_data("feeds")  # read in place


def utc(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"
     xmlns:media="http://search.yahoo.com/mrss/"
     xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel>
  <title>Example &amp; Co</title>
  <link>/home</link>
  <description>All the news</description>
  <language>fr-FR</language>
  <lastBuildDate>Mon, 07 Jul 2014 10:00:00 +0200</lastBuildDate>
  <itunes:author>Jane Host</itunes:author>
  <image><url>/logo.png</url><title>logo</title></image>
  <atom:link rel="self" href="https://example.org/feed.xml"/>
  <atom:link rel="hub" href="https://hub.example.net/"/>
  <item>
    <title>First post</title>
    <link>https://example.org/1</link>
    <guid isPermaLink="false">urn:post:1</guid>
    <pubDate>Sun, 06 Jul 2014 12:56:00 GMT</pubDate>
    <author>jane@example.org (Jane Doe)</author>
    <description>Short &lt;b&gt;summary&lt;/b&gt;</description>
    <content:encoded><![CDATA[<p>Full <a href="/more">content</a></p>]]></content:encoded>
    <category>News</category>
    <dc:subject>Politics</dc:subject>
    <media:thumbnail url="https://example.org/thumb.jpg"/>
    <enclosure url="https://example.org/ep1.mp3" length="1234" type="audio/mpeg"/>
  </item>
  <item>
    <title>Second</title>
    <guid>https://example.org/2</guid>
    <dc:creator>Bob</dc:creator>
    <dc:date>2014-07-05T08:00:00+02:00</dc:date>
    <media:content url="https://example.org/pic.png" medium="image"/>
  </item>
</channel>
</rss>"""


def test_rss20_channel_fields() -> None:
    feed = parse_feed(RSS20, url="https://example.org/feed")
    assert feed.format == "rss2.0"
    assert feed.title == "Example & Co"
    assert feed.link == "https://example.org/home"
    assert feed.description == "All the news"
    assert feed.language == "fr-FR"
    assert feed.updated == utc(2014, 7, 7, 8, 0)
    assert feed.author == "Jane Host"
    assert feed.image == "https://example.org/logo.png"
    assert feed.self_url == "https://example.org/feed.xml"
    assert feed.hubs == ["https://hub.example.net/"]
    assert feed.bozo == ""
    assert len(feed.entries) == 2


def test_rss20_item_fields() -> None:
    first, second = parse_feed(RSS20, url="https://example.org/feed").entries
    assert first.id == "urn:post:1"
    assert first.title == "First post"
    assert first.link == "https://example.org/1"
    assert first.published == utc(2014, 7, 6, 12, 56)
    assert first.author == "Jane Doe"
    assert first.summary == "Short <b>summary</b>"
    # content:encoded becomes content, relative URLs resolved against the feed URL.
    assert first.content == '<p>Full <a href="https://example.org/more">content</a></p>'
    assert first.categories == ["News", "Politics"]
    assert first.image == "https://example.org/thumb.jpg"
    assert first.enclosures == [Enclosure("https://example.org/ep1.mp3", "audio/mpeg", 1234)]
    assert first.language == "fr-FR"
    # A permalink guid doubles as the link; dc:creator and dc:date fill author and date.
    assert second.link == "https://example.org/2"
    assert second.author == "Bob"
    assert second.published == utc(2014, 7, 5, 6, 0)
    assert second.image == "https://example.org/pic.png"


def test_rss10_rdf() -> None:
    data = b"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <channel rdf:about="http://example.org/index.rdf">
        <title>RDF feed</title><link>http://example.org/</link>
        <description>desc</description><dc:language>en</dc:language>
      </channel>
      <item rdf:about="http://example.org/entry/1">
        <title>Entry 1</title><link>http://example.org/entry/1</link>
        <dc:date>2004-01-01T19:48:21Z</dc:date><dc:creator>Ann</dc:creator>
      </item>
    </rdf:RDF>"""
    feed = parse_feed(data)
    assert feed.format == "rss1.0"
    assert (feed.title, feed.link, feed.language) == ("RDF feed", "http://example.org/", "en")
    (entry,) = feed.entries
    # rdf:about is a resource URI, not a guid: storage derives the stable id from the link.
    assert (entry.id, entry.link) == ("", "http://example.org/entry/1")
    assert entry.title == "Entry 1"
    assert entry.published == utc(2004, 1, 1, 19, 48, 21)
    assert entry.author == "Ann"


def test_rss091() -> None:
    data = b"""<?xml version="1.0"?>
    <!DOCTYPE rss SYSTEM "http://my.netscape.com/publish/formats/rss-0.91.dtd">
    <rss version="0.91"><channel><title>Old</title><link>http://example.org/</link>
    <language>en-us</language>
    <item><title>Hello</title><link>http://example.org/hello</link>
    <description>World</description></item></channel></rss>"""
    feed = parse_feed(data)
    assert feed.format == "rss0.91"
    assert feed.bozo == ""
    (entry,) = feed.entries
    assert (entry.title, entry.link, entry.summary, entry.id) == (
        "Hello",
        "http://example.org/hello",
        "World",
        "",
    )


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.org/blog/" xml:lang="en">
  <title type="html">A &lt;em&gt;blog&lt;/em&gt;</title>
  <subtitle>Sub</subtitle>
  <link href="./"/>
  <link rel="self" href="feed.atom"/>
  <link rel="hub" href="https://pubsubhubbub.appspot.com/"/>
  <updated>2003-12-13T18:30:02Z</updated>
  <author><name>Mark</name><email>mark@example.org</email></author>
  <logo>logo.png</logo>
  <entry xml:base="posts/">
    <id>tag:example.org,2003:3.2397</id>
    <title>Atom draft</title>
    <link rel="alternate" type="text/html" href="2003/12/13/atom03"/>
    <link rel="enclosure" type="audio/mpeg" length="1337" href="/audio.mp3"/>
    <published>2003-12-13T08:29:29-04:00</published>
    <updated>2005-07-31T12:29:29.250Z</updated>
    <summary type="text">Plain &lt;summary&gt;</summary>
    <content type="xhtml" xml:lang="fr"><div xmlns="http://www.w3.org/1999/xhtml"
      ><p>See <a href="img/x.png">this</a></p></div></content>
    <category term="tech"/>
  </entry>
  <entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">B <b>bold</b></div></title>
    <author><email>only@example.org</email></author>
    <content type="html">&lt;p&gt;HTML&lt;/p&gt;</content>
  </entry>
</feed>"""


def test_atom10_feed_with_xml_base() -> None:
    feed = parse_feed(ATOM, url="https://mirror.example.com/feed")
    assert feed.format == "atom1.0"
    assert feed.title == "A <em>blog</em>"
    assert feed.description == "Sub"
    assert feed.link == "http://example.org/blog/"
    assert feed.self_url == "http://example.org/blog/feed.atom"
    assert feed.hubs == ["https://pubsubhubbub.appspot.com/"]
    assert feed.updated == utc(2003, 12, 13, 18, 30, 2)
    assert feed.author == "Mark"
    assert feed.image == "http://example.org/blog/logo.png"
    assert feed.language == "en"


def test_atom10_entries() -> None:
    first, second = parse_feed(ATOM).entries
    assert first.id == "tag:example.org,2003:3.2397"
    assert first.link == "http://example.org/blog/posts/2003/12/13/atom03"
    assert first.enclosures == [Enclosure("http://example.org/audio.mp3", "audio/mpeg", 1337)]
    assert first.published == utc(2003, 12, 13, 12, 29, 29)
    assert first.updated == utc(2005, 7, 31, 12, 29, 29, 250000)
    assert first.summary == "Plain <summary>"
    # xhtml: inner markup of the div, relative URLs resolved against the entry's xml:base.
    assert first.content == '<p>See <a href="http://example.org/blog/posts/img/x.png">this</a></p>'
    assert first.categories == ["tech"]
    assert first.author == "Mark"  # inherited from the feed
    assert second.title == "B <b>bold</b>"
    assert second.author == "only@example.org"
    assert second.content == "<p>HTML</p>"
    assert second.id == ""  # no id: storage derives a stable one


def test_atom03() -> None:
    data = b"""<feed version="0.3" xmlns="http://purl.org/atom/ns#">
      <title mode="escaped" type="text/html">T &amp;amp; U</title>
      <tagline>Tag</tagline><modified>2004-01-01T00:00:00Z</modified>
      <entry><title mode="base64">RW50cnkgVGl0bGU=</title><issued>2003-12-31T20:00:00-04:00</issued>
      <link rel="alternate" href="http://example.org/e"/><id>e1</id></entry></feed>"""
    feed = parse_feed(data)
    assert feed.format == "atom0.3"
    assert feed.title == "T &amp; U"
    assert feed.description == "Tag"
    assert feed.updated == utc(2004, 1, 1)
    (entry,) = feed.entries
    assert entry.title == "Entry Title"
    assert entry.published == utc(2004, 1, 1)
    assert entry.link == "http://example.org/e"


JSON11 = b"""{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "JSON feed", "home_page_url": "https://example.org/",
  "feed_url": "https://example.org/feed.json", "description": "d", "language": "de",
  "icon": "/icon.png", "authors": [{"name": "Ann"}],
  "hubs": [{"type": "WebSub", "url": "https://hub.example.org/"}],
  "items": [
    {"id": 42, "url": "/p/42", "title": "Hi", "content_html": "<p><img src='a.png'></p>",
     "summary": "s", "image": "https://example.org/i.png",
     "date_published": "2019-10-12T07:20:50.52Z", "date_modified": "2019-10-13T07:20:50+02:00",
     "tags": ["a", "b"],
     "attachments": [{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg",
                      "size_in_bytes": 100}]},
    {"id": "2", "content_text": "plain", "authors": [{"name": "Zed"}]}
  ]
}"""


def test_json_feed_11() -> None:
    feed = parse_feed(JSON11, url="https://example.org/feed.json")
    assert feed.format == "json1.1"
    assert (feed.title, feed.link, feed.description) == ("JSON feed", "https://example.org/", "d")
    assert feed.language == "de"
    assert feed.author == "Ann"
    assert feed.image == "https://example.org/icon.png"
    assert feed.self_url == "https://example.org/feed.json"
    assert feed.hubs == ["https://hub.example.org/"]
    first, second = feed.entries
    assert first.id == "42"
    assert first.link == "https://example.org/p/42"
    assert first.content == "<p><img src='https://example.org/a.png'></p>"
    assert first.published == utc(2019, 10, 12, 7, 20, 50, 520000)
    assert first.updated == utc(2019, 10, 13, 5, 20, 50)
    assert first.categories == ["a", "b"]
    assert first.enclosures == [Enclosure("https://example.org/a.mp3", "audio/mpeg", 100)]
    assert first.language == "de"
    assert second.content == "plain"
    assert second.author == "Zed"


def test_json_feed_10_author_object() -> None:
    data = b"""{"version": "https://jsonfeed.org/version/1", "title": "Old JSON",
      "author": {"name": "Solo"},
      "items": [{"id": "1", "url": "https://example.org/1", "author": {"name": "Item Author"},
                 "content_html": "<b>x</b>"}]}"""
    feed = parse_feed(data)
    assert feed.format == "json1.0"
    assert feed.author == "Solo"
    assert feed.entries[0].author == "Item Author"


def test_json_sniffed_despite_content_type() -> None:
    feed = parse_feed(
        b'  \n{"version": "https://jsonfeed.org/version/1.1", "items": []}', "", "text/xml"
    )
    assert feed.format == "json1.1"


def test_json_array_is_rejected() -> None:
    with pytest.raises(FeedParseError, match="object"):
        parse_feed(b'[{"version": "https://jsonfeed.org/version/1.1"}]')


def test_html_page_is_rejected() -> None:
    page = b"<!DOCTYPE html><html><head><title>Hi</title></head><body><p>x<br></body></html>"
    with pytest.raises(FeedParseError, match="HTML"):
        parse_feed(page, content_type="application/rss+xml")


@pytest.mark.parametrize("data", [b"", b"   ", b"not xml at all", b"<?xml version='1.0'?>"])
def test_garbage_is_rejected(data: bytes) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(data)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>still here</title><description>&lol9;&lol9;</description></item></channel></rss>"""


def test_billion_laughs_is_not_expanded() -> None:
    start = time.perf_counter()
    feed = parse_feed(BILLION_LAUGHS)
    assert time.perf_counter() - start < 2
    assert "lollol" not in feed.title
    assert len(feed.entries[0].summary) < 100
    assert feed.entries[0].title == "still here"


def test_external_entity_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">'
        '<!ENTITY pw SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>a&xxe;b</title>'
        "<item><title>&pw;</title><description>&xxe;</description></item></channel></rss>"
    ).encode()
    feed = parse_feed(data)
    flat = repr(feed)
    assert "TOP-SECRET" not in flat
    assert "root:" not in flat
    assert len(feed.entries) == 1


def test_truncated_xml_sets_bozo_and_keeps_entries() -> None:
    data = RSS20[: RSS20.index(b"<dc:creator>Bob")]
    feed = parse_feed(data)
    assert feed.bozo
    assert feed.title == "Example & Co"
    assert [e.title for e in feed.entries] == ["First post", "Second"]


def test_html_entities_and_bare_ampersands_are_repaired() -> None:
    data = b"""<rss version="2.0"><channel><title>Fish & Chips&nbsp;&copy; 2024</title>
    <item><title>Caf&eacute;</title><link>http://example.org/?a=1&b=2</link></item>
    </channel></rss>"""
    feed = parse_feed(data)
    assert feed.bozo
    assert feed.title == "Fish & Chips\xa0\xa9 2024"
    assert feed.entries[0].title == "Caf\xe9"
    assert feed.entries[0].link == "http://example.org/?a=1&b=2"


def test_bad_bytes_fall_back_to_cp1252() -> None:
    data = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        "<title>Fête € Noël</title><item><title>Été</title></item></channel></rss>"
    ).encode("cp1252")
    feed = parse_feed(data)
    assert feed.bozo
    assert feed.title == "Fête € Noël"
    assert feed.entries[0].title == "Été"


def test_charset_from_content_type_is_used_when_undeclared() -> None:
    data = '<rss version="2.0"><channel><title>Fête</title></channel></rss>'.encode("latin-1")
    feed = parse_feed(data, content_type="application/rss+xml; charset=ISO-8859-1")
    assert feed.title == "Fête"


@pytest.mark.parametrize("encoding", ["shift_jis", "iso-8859-1", "utf-16"])
def test_declared_encodings(encoding: str) -> None:
    title = "日本語のフィード" if encoding != "iso-8859-1" else "Fête à Noël"
    data = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<rss version="2.0"><channel><title>{title}</title>'
        "<item><title>x</title></item></channel></rss>"
    ).encode(encoding)
    feed = parse_feed(data)
    assert feed.title == title
    assert feed.bozo == ""


def test_utf8_bom_and_leading_whitespace() -> None:
    data = b'\xef\xbb\xbf  \n<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>'
    data += b"</channel></rss>"
    assert parse_feed(data).title == "B"


def test_control_characters_are_dropped() -> None:
    data = b'<rss version="2.0"><channel><item><title>ab\x0ccd</title></item></channel></rss>'
    feed = parse_feed(data)
    assert feed.entries[0].title == "abcd"
    assert feed.bozo


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun, 06 Jul 2014 12:56:00 GMT", utc(2014, 7, 6, 12, 56)),
        ("Sun, 06 Jul 2014 12:56:00 +0200", utc(2014, 7, 6, 10, 56)),
        ("Sun, 06 Jul 2014 12:56 EST", utc(2014, 7, 6, 17, 56)),
        ("6 Jul 14 12:56:00 PDT", utc(2014, 7, 6, 19, 56)),
        ("Sun, 6 Jul 2014 12:56:00 UT", utc(2014, 7, 6, 12, 56)),
        ("Sun, 06 Jul 2014 12:56:00 Z", utc(2014, 7, 6, 12, 56)),
        ("Sun, 06 Jul 2014 12:56:00", utc(2014, 7, 6, 12, 56)),
        ("Sunday, 06-Jul-2014 12:56:00 GMT", utc(2014, 7, 6, 12, 56)),
        ("06 July 2014", utc(2014, 7, 6)),
        ("Sun, 06 Jul 2014 24:00:00 GMT", utc(2014, 7, 7)),
        ("Sun Jul 06 2014 12:56:00 GMT+0100 (CET)", utc(2014, 7, 6, 11, 56)),
        ("Jul 6, 2014 12:56 PM", utc(2014, 7, 6, 12, 56)),
        ("Jul 6, 2014 1:56 pm EDT", utc(2014, 7, 6, 17, 56)),
        ("Jul 6, 2014 12:10 AM", utc(2014, 7, 6, 0, 10)),
        ("Sun Jul  6 12:56:00 2014", utc(2014, 7, 6, 12, 56)),
        ("2014-07-06T12:56:00Z", utc(2014, 7, 6, 12, 56)),
        ("2014-07-06T12:56:00+02:00", utc(2014, 7, 6, 10, 56)),
        ("2014-07-06T12:56:00.123456-0500", utc(2014, 7, 6, 17, 56, 0, 123456)),
        ("2014-07-06T12:56:00.52Z", utc(2014, 7, 6, 12, 56, 0, 520000)),
        ("2014-07-06T12:56:00", utc(2014, 7, 6, 12, 56)),
        ("2014-07-06 12:56", utc(2014, 7, 6, 12, 56)),
        ("2014-07-06", utc(2014, 7, 6)),
        ("20140706T125600Z", utc(2014, 7, 6, 12, 56)),
        ("2014-07", utc(2014, 7, 1)),
        ("", None),
        ("   ", None),
        ("not a date", None),
        ("2014-13-45T99:99:99Z", None),
        ("32 Foo 2014", None),
        (None, None),
    ],
)
def test_dates(text: str | None, expected: datetime | None) -> None:
    result = parse_date(text)
    assert result == expected
    if result is not None:
        assert result.tzinfo is UTC


def test_unreadable_entry_date_is_none_not_an_error() -> None:
    data = b"""<rss version="2.0"><channel><item><title>t</title>
    <pubDate>someday soon</pubDate></item></channel></rss>"""
    assert parse_feed(data).entries[0].published is None


def test_media_group_and_itunes_image() -> None:
    data = b"""<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
      xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
      <itunes:image href="https://example.org/show.jpg"/>
      <item><title>a</title><itunes:image href="https://example.org/ep.jpg"/>
        <media:group><media:content url="https://example.org/v.mp4" type="video/mp4"/>
        <media:thumbnail url="https://example.org/v.jpg"/></media:group></item>
      <item><title>b</title><itunes:image href="https://example.org/ep.jpg"/></item>
    </channel></rss>"""
    feed = parse_feed(data)
    assert feed.image == "https://example.org/show.jpg"
    first, second = feed.entries
    assert first.image == "https://example.org/v.jpg"
    assert first.enclosures == [Enclosure("https://example.org/v.mp4", "video/mp4", None)]
    assert second.image == "https://example.org/ep.jpg"


def test_robustness_sweep_over_all_corpora() -> None:
    """Every corpus file goes through the parser; only FeedParseError may escape."""
    skip_or_fail_without(FEEDS_DIR, "feed corpora")
    start = time.perf_counter()
    count = parsed = 0
    crashes: list[str] = []
    for path in sorted(FEEDS_DIR.rglob("*")):
        if not path.is_file():
            continue
        count += 1
        try:
            parse_feed(path.read_bytes(), url="https://example.org/feed")
            parsed += 1
        except FeedParseError:
            pass
        except Exception as exc:  # the point is to catch anything else
            crashes.append(f"{path.relative_to(FEEDS_DIR)}: {exc!r}")
    elapsed = time.perf_counter() - start
    print(f"sweep: {count} files, {parsed} parsed as feeds, {elapsed:.2f}s")
    assert not crashes, "\n".join(crashes[:50])
    assert count > 1000
    assert elapsed < 30
