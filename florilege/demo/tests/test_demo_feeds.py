"""The demo publications: their data, the three feed formats and the views that serve them.

No database: these views never touch it, so the tests run without the ``db`` mark.
"""

from __future__ import annotations

import calendar
import io
import json
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.test import Client
from django.utils.http import http_date
from lxml import etree
from lxml import html as lxml_html
from PIL import Image, ImageColor

from florilege.demo import feeds
from florilege.demo.content import (
    DEMO_FEEDS,
    DEMO_SCOOPS,
    DEMO_TOPIC,
    DUPLICATE_STORIES,
    FEEDS_BY_SLUG,
)
from florilege.demo.images import HEIGHT, WIDTH, colour_for, render_png, wrap_title

pytestmark = pytest.mark.urls("florilege.demo.tests.urls")

BASE = "http://demo.test:8000"
NOW = datetime(2025, 3, 14, 15, 30, 12, tzinfo=UTC)


@pytest.fixture
def base_url(settings) -> str:
    # A trailing slash, as people often write it: URLs must not get a double slash.
    settings.BASE_URL = BASE + "/"
    return BASE


def _by_format(fmt: str) -> list[str]:
    return [f.slug for f in DEMO_FEEDS if f.format == fmt]


def _struct_to_datetime(value) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)


# --- Data ---------------------------------------------------------------------------------


def test_catalogue_has_six_feeds_in_three_formats_and_two_languages():
    assert len(DEMO_FEEDS) >= 6
    for fmt in ("rss", "atom", "json"):
        assert len(_by_format(fmt)) >= 2, fmt
    languages = [f.language for f in DEMO_FEEDS]
    assert languages.count("fr") >= 3
    assert languages.count("en") >= 3
    assert len({f.slug for f in DEMO_FEEDS}) == len(DEMO_FEEDS)
    assert len({f.title for f in DEMO_FEEDS}) == len(DEMO_FEEDS)


@pytest.mark.parametrize("feed", DEMO_FEEDS, ids=lambda f: f.slug)
def test_every_feed_has_enough_well_formed_items(feed):
    assert len(feed.items) >= 22
    assert len({i.slug for i in feed.items}) == len(feed.items)
    for item in feed.items:
        assert item.slug == item.slug.lower() and " " not in item.slug
        assert item.title and item.author
        assert 2 <= len(item.tags) <= 3
        assert 60 <= len(item.summary) <= 600
        assert 0 <= item.days_ago <= 30 and 0 <= item.hours_ago < 24
    # Spread over the month, not bunched on one day.
    assert len({i.days_ago for i in feed.items}) >= 15


def test_demo_scoops_point_at_existing_items():
    assert len(DEMO_SCOOPS) == 6
    assert {s.language for s in DEMO_SCOOPS} == {"fr", "en"}
    for scoop in DEMO_SCOOPS:
        assert FEEDS_BY_SLUG[scoop.feed_slug].item(scoop.item_slug) is not None, scoop
        assert 1 <= len(scoop.tags) <= 3
        assert scoop.insight.strip()
    assert len({(s.feed_slug, s.item_slug) for s in DEMO_SCOOPS}) == len(DEMO_SCOOPS)


def test_duplicate_stories_exist_in_two_different_feeds():
    assert len(DUPLICATE_STORIES) >= 3
    for (feed_a, item_a), (feed_b, item_b) in DUPLICATE_STORIES:
        assert feed_a != feed_b
        a = FEEDS_BY_SLUG[feed_a].item(item_a)
        b = FEEDS_BY_SLUG[feed_b].item(item_b)
        assert a is not None and b is not None
        assert a.title != b.title
        # Close in time, as two outlets covering the same news would be.
        assert abs(a.days_ago - b.days_ago) <= 1


def test_demo_topic():
    assert DEMO_TOPIC.slug == "social-networks"
    assert set(DEMO_TOPIC.languages) == {"fr", "en"}
    assert {"mastodon", "fediverse", "fédivers", "bluesky", "modération"} <= set(
        DEMO_TOPIC.keywords
    )


def test_feed_urls_and_filenames():
    urls = feeds.feed_urls(BASE + "/")
    assert [slug for slug, _ in urls] == [f.slug for f in DEMO_FEEDS]
    for slug, url in urls:
        feed = FEEDS_BY_SLUG[slug]
        assert url == f"{BASE}/demo/feeds/{feeds.feed_filename(feed)}"
        assert url.endswith(feeds.EXTENSIONS[feed.format])
    assert feeds.article_url(BASE, "fil-numerique", "x") == f"{BASE}/demo/articles/fil-numerique/x/"
    assert feeds.image_url(BASE, "fil-numerique", "x") == f"{BASE}/demo/images/fil-numerique/x.png"


# --- Rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize("feed", DEMO_FEEDS, ids=lambda f: f.slug)
def test_each_feed_renders_well_formed(feed):
    body, content_type = feeds.render_feed(feed.slug, BASE, NOW)
    assert content_type == feeds.CONTENT_TYPES[feed.format]
    assert content_type.endswith("; charset=utf-8")
    if feed.format == "json":
        document = json.loads(body)
        assert len(document["items"]) == len(feed.items) >= 22
    else:
        root = etree.fromstring(body)
        entries = (
            root.findall("channel/item")
            if feed.format == "rss"
            else root.findall(f"{{{feeds.NS_ATOM}}}entry")
        )
        assert len(entries) == len(feed.items) >= 22


def test_unknown_feed_raises():
    with pytest.raises(feeds.UnknownFeed):
        feeds.render_feed("nope", BASE, NOW)


@pytest.mark.parametrize("slug", _by_format("rss"))
def test_rss_is_read_back_by_feedparser(slug):
    feed = FEEDS_BY_SLUG[slug]
    body, _ = feeds.render_feed(slug, BASE, NOW)
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == feed.title
    assert parsed.feed.link == f"{BASE}/demo/sites/{slug}/"
    assert parsed.feed.language == feed.language
    assert len(parsed.entries) == len(feed.items)
    for entry in parsed.entries:
        item_slug = entry.link.rstrip("/").rsplit("/", 1)[1]
        item = feed.item(item_slug)
        assert item is not None
        assert entry.link == feeds.article_url(BASE, slug, item.slug)
        assert entry.id == entry.link
        assert entry.title == item.title
        assert entry.author == item.author
        assert [t.term for t in entry.tags] == list(item.tags)
        assert _struct_to_datetime(entry.published_parsed) == feeds.item_date(item, NOW)
        assert entry.enclosures[0].href == feeds.image_url(BASE, slug, item.slug)
        assert entry.enclosures[0].type == "image/png"
        assert int(entry.enclosures[0].length) == len(feeds.item_image(feed, item))
        assert entry.media_content[0]["url"] == feeds.image_url(BASE, slug, item.slug)
        # HTML in <description> survives escaping.
        assert "<em>" not in item.summary or "<em>" in entry.summary
        if feed.full_text:
            assert entry.content[0].value.count("<p>") == 3


@pytest.mark.parametrize("slug", _by_format("atom"))
def test_atom_is_read_back_by_feedparser(slug):
    feed = FEEDS_BY_SLUG[slug]
    body, _ = feeds.render_feed(slug, BASE, NOW)
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == feed.title
    assert parsed.feed.id == f"tag:florilege.demo,2025:{slug}"
    assert parsed.feed.link == f"{BASE}/demo/sites/{slug}/"
    assert _struct_to_datetime(parsed.feed.updated_parsed) == feeds.anchor(NOW)
    assert len(parsed.entries) == len(feed.items)
    for entry in parsed.entries:
        item_slug = entry.id.rsplit("/", 1)[1]
        item = feed.item(item_slug)
        assert item is not None
        assert entry.id.startswith("tag:florilege.demo,2025:")
        assert entry.link == feeds.article_url(BASE, slug, item.slug)
        assert entry.title == item.title
        assert entry.author == item.author
        assert [t.term for t in entry.tags] == list(item.tags)
        assert _struct_to_datetime(entry.published_parsed) == feeds.item_date(item, NOW)
        assert entry.summary_detail.type == "text/html"
        assert entry.summary_detail.language == feed.language
        enclosure = next(link for link in entry.links if link.rel == "enclosure")
        assert enclosure.href == feeds.image_url(BASE, slug, item.slug)
        assert ("content" in entry) is feed.full_text


@pytest.mark.parametrize("slug", _by_format("json"))
def test_json_feed_fields(slug):
    feed = FEEDS_BY_SLUG[slug]
    body, _ = feeds.render_feed(slug, BASE, NOW)
    document = json.loads(body)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == feeds.feed_url(BASE, slug)
    assert document["home_page_url"] == f"{BASE}/demo/sites/{slug}/"
    assert document["language"] == feed.language
    for entry in document["items"]:
        item = feed.item(entry["url"].rstrip("/").rsplit("/", 1)[1])
        assert item is not None
        assert entry["id"] == f"tag:florilege.demo,2025:{slug}/{item.slug}"
        assert entry["title"] == item.title
        assert entry["content_html"].startswith("<p>")
        assert "<" not in entry["summary"]
        assert entry["image"] == feeds.image_url(BASE, slug, item.slug)
        assert datetime.fromisoformat(entry["date_published"]) == feeds.item_date(item, NOW)
        assert entry["authors"] == [{"name": item.author}]
        assert entry["tags"] == list(item.tags)
        assert entry["language"] == feed.language


def test_dates_are_stable_within_a_day_and_never_in_the_future():
    for feed in DEMO_FEEDS:
        morning, _ = feeds.render_feed(feed.slug, BASE, NOW.replace(hour=0, minute=1))
        evening, _ = feeds.render_feed(feed.slug, BASE, NOW.replace(hour=23, minute=59))
        tomorrow, _ = feeds.render_feed(feed.slug, BASE, NOW + timedelta(days=1))
        assert morning == evening
        assert tomorrow != morning
        assert all(feeds.item_date(i, NOW) <= NOW for i in feed.items)
        oldest = max(NOW - feeds.item_date(i, NOW) for i in feed.items)
        assert timedelta(days=20) < oldest <= timedelta(days=31)


def test_naive_now_is_taken_as_utc():
    assert feeds.anchor(NOW.replace(tzinfo=None)) == feeds.anchor(NOW)


def test_article_paragraphs_escape_their_data():
    feed = FEEDS_BY_SLUG["fil-numerique"]
    paragraphs = feeds.article_paragraphs(feed, feed.items[0])
    assert len(paragraphs) == 3
    assert all(p.startswith("<p>") and p.endswith("</p>") for p in paragraphs)
    # Parses as HTML without stray markup.
    fragment = lxml_html.fragment_fromstring("".join(paragraphs), create_parent="div")
    assert len(fragment.findall("p")) == 3


# --- Images -------------------------------------------------------------------------------


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_images_are_png_cards():
    title = '<script>alert("x")</script> & "Q&A" <b> Réseaux « fédérés »'
    image = _png(render_png(title, seed="x/y", caption="A & B <c>"))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (1200, 630)
    background, band = colour_for("x/y")
    rgb = image.convert("RGB")
    assert rgb.getpixel((5, 300)) == ImageColor.getrgb(background)
    assert rgb.getpixel((WIDTH - 5, HEIGHT - 5)) == ImageColor.getrgb(band)
    # The title is drawn: white pixels (to within the palette's rounding) in the text column.
    _, brightest = rgb.crop((80, 100, 1120, 500)).convert("L").getextrema()
    assert isinstance(brightest, int) and brightest >= 250


def test_images_wrap_long_titles_into_three_lines_at_most():
    long_title = " ".join(["réseaux sociaux"] * 20)
    lines = wrap_title(long_title)
    assert len(lines) == 3
    assert lines[-1].endswith("…")
    assert wrap_title("Court") == ["Court"]


def test_images_are_deterministic():
    # Compared with a fresh rendering, not only the cached one.
    assert render_png("T", seed="a") == render_png.__wrapped__("T", seed="a")
    assert render_png("T", seed="a") != render_png("T", seed="b")
    assert render_png("T", seed="a") != render_png("U", seed="a")


# --- Views --------------------------------------------------------------------------------


@pytest.mark.parametrize("feed", DEMO_FEEDS, ids=lambda f: f.slug)
def test_feed_view_serves_the_feed(feed, base_url):
    response = Client().get(f"/demo/feeds/{feeds.feed_filename(feed)}")
    assert response.status_code == 200
    assert response["Content-Type"] == feeds.CONTENT_TYPES[feed.format]
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    # The instance's BASE_URL is used for every link, without a double slash.
    assert f"{BASE}/demo/articles/{feed.slug}/".encode() in response.content
    assert f"{BASE}//demo".encode() not in response.content


def test_feed_view_etag_round_trip_gives_304(base_url):
    client = Client()
    url = "/demo/feeds/" + feeds.feed_filename(FEEDS_BY_SLUG["fil-numerique"])
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    stale = client.get(url, HTTP_IF_NONE_MATCH='"something-else"')
    assert stale.status_code == 200


def test_feed_view_last_modified_round_trip_gives_304(base_url):
    client = Client()
    url = "/demo/feeds/" + feeds.feed_filename(FEEDS_BY_SLUG["open-social-weekly"])
    first = client.get(url)
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    older = http_date(calendar.timegm((2000, 1, 1, 0, 0, 0)))
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200


def test_feed_view_head_and_post(base_url):
    client = Client()
    url = "/demo/feeds/" + feeds.feed_filename(FEEDS_BY_SLUG["creator-ledger"])
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/demo/feeds/unknown.rss.xml",
        "/demo/feeds/fil-numerique.json",
        "/demo/articles/fil-numerique/unknown/",
        "/demo/articles/unknown/pacte-de-nantes-moderation/",
        "/demo/sites/unknown/",
        "/demo/images/fil-numerique/unknown.png",
        "/demo/images/open-social-weekly/three-protocols-compared.svg",
    ],
)
def test_unknown_things_are_404(path, base_url):
    assert Client().get(path).status_code == 404


def _meta(doc, prop: str) -> str:
    found = doc.xpath(f'//meta[@property="{prop}" or @name="{prop}"]/@content')
    assert found, f"no <meta> {prop}"
    return found[0]


def test_article_page_has_metadata_and_body(base_url):
    feed = FEEDS_BY_SLUG["fil-numerique"]
    item = feed.item("pacte-de-nantes-moderation")
    assert item is not None
    response = Client().get(f"/demo/articles/{feed.slug}/{item.slug}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    doc = lxml_html.fromstring(response.content)
    assert doc.get("lang") == "fr"
    assert doc.findtext(".//title").startswith(item.title)
    assert _meta(doc, "description").startswith("Réunis pendant deux jours")
    assert _meta(doc, "og:title") == item.title
    assert _meta(doc, "og:type") == "article"
    assert _meta(doc, "og:site_name") == feed.title
    assert _meta(doc, "og:description") == _meta(doc, "description")
    assert _meta(doc, "og:image") == f"{BASE}/demo/images/{feed.slug}/{item.slug}.png"
    assert _meta(doc, "og:image:type") == "image/png"
    assert _meta(doc, "og:url") == f"{BASE}/demo/articles/{feed.slug}/{item.slug}/"
    published = datetime.fromisoformat(_meta(doc, "article:published_time"))
    assert published.tzinfo is not None
    assert doc.xpath('//link[@rel="canonical"]/@href') == [_meta(doc, "og:url")]
    assert doc.xpath('//link[@rel="alternate"]/@href') == [feeds.feed_url(BASE, feed.slug)]
    ld = json.loads(doc.xpath('//script[@type="application/ld+json"]/text()')[0])
    assert ld["headline"] == item.title and ld["author"][0]["name"] == item.author
    paragraphs = doc.xpath("//article/p[not(@class)]")
    assert len(paragraphs) == 3
    assert "Mastodon, Misskey et Pixelfed" in paragraphs[0].text_content()


def test_english_article_page_is_english(base_url):
    response = Client().get("/demo/articles/timeline-review/chronological-is-not-neutral/")
    doc = lxml_html.fromstring(response.content)
    assert doc.get("lang") == "en"
    assert _meta(doc, "og:locale") == "en_GB"
    # Inline markup from the summary is rendered, not escaped.
    assert doc.xpath("//article//em")


def test_site_page_advertises_its_feed(base_url):
    for feed in DEMO_FEEDS:
        response = Client().get(f"/demo/sites/{feed.slug}/")
        assert response.status_code == 200
        doc = lxml_html.fromstring(response.content)
        alternates = doc.xpath('//head/link[@rel="alternate"]')
        assert len(alternates) == 1
        assert alternates[0].get("type") == feeds.CONTENT_TYPES[feed.format].split(";")[0]
        assert alternates[0].get("href") == feeds.feed_url(BASE, feed.slug)
        links = set(doc.xpath("//main//a/@href"))
        assert {feeds.article_url(BASE, feed.slug, i.slug) for i in feed.items} <= links


def test_image_view(base_url):
    response = Client().get("/demo/images/open-social-weekly/three-protocols-compared.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "max-age=31536000" in response["Cache-Control"]
    feed = FEEDS_BY_SLUG["open-social-weekly"]
    item = feed.item("three-protocols-compared")
    assert item is not None
    assert response.content == feeds.item_image(feed, item)
    assert _png(response.content).size == (WIDTH, HEIGHT)
    again = Client().get(
        "/demo/images/open-social-weekly/three-protocols-compared.png",
        HTTP_IF_NONE_MATCH=response["ETag"],
    )
    assert again.status_code == 304


def test_index_lists_every_feed(base_url):
    response = Client().get("/demo/")
    assert response.status_code == 200
    for _, url in feeds.feed_urls(BASE):
        assert url.encode() in response.content


@pytest.mark.parametrize("feed", DEMO_FEEDS, ids=lambda f: f.slug)
def test_feeds_reference_no_svg(feed):
    # Fediverse servers refuse SVG attachments: a demo scoop's picture must be raster.
    body, _ = feeds.render_feed(feed.slug, BASE, NOW)
    assert b"svg" not in body.lower()
    assert body.count(b".png") >= len(feed.items)
