"""Feeds carry each scoop's picture (our large JPEG thumbnail, once made), read back by
feedparser (what many readers build on) and checked against the shapes of Media RSS,
RSS 2.0 enclosures, Atom enclosure links and JSON Feed 1.1; and /feed.xml answers the RSS
feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from lxml import etree

from florilege.curation.models import Scoop
from florilege.lib import media
from florilege.lib.markdown import render_markdown
from florilege.media import services
from florilege.media.models import Picture
from florilege.media.tests.helpers import illustrate, picture_bytes
from florilege.publishing.cache import clear_all
from florilege.publishing.feeds import MEDIA_RSS, image_type_of

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ATOM = "http://www.w3.org/2005/Atom"


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


def add(topic, curator, title: str, hours: int, **image) -> Scoop:
    return Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=f"https://news.example/{title}",
        canonical_url=f"https://news.example/{title}",
        title=title,
        insight="A note.",
        insight_html=render_markdown("A note."),
        published_at=NOW - timedelta(hours=hours),
        **image,
    )


@pytest.fixture
def scoops(settings, tmp_path, topic, curator) -> dict[str, Scoop]:
    settings.MEDIA_ROOT = tmp_path
    made = {
        "ours": add(topic, curator, "ours", 1, image_url="https://pics.example/a/b.PNG?w=1"),
        "waiting": add(topic, curator, "waiting", 2, image_url="https://pics.example/w.jpg"),
        "none": add(topic, curator, "none", 4),
    }
    illustrate(made["ours"], NOW, data=picture_bytes((1600, 840)))
    Scoop.objects.filter(pk=made["waiting"].pk).update(
        picture=services.request("https://pics.example/w.jpg", NOW)
    )
    return made


def large(scoop: Scoop) -> tuple[str, int]:
    """Our large JPEG of the scoop's picture: its address and its size on disk."""
    picture = Picture.objects.get(scoops=scoop)
    name = picture.renditions["large"]["jpeg"]
    return media.url_of(name), len(media.storage().open(name).read())


def by_title(entries) -> dict:
    return {entry.title: entry for entry in entries}


def test_rss_has_media_and_enclosures_that_feedparser_reads(client, topic, scoops) -> None:
    response = client.get(f"/t/{topic.slug}/feed.rss")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo
    entries = by_title(parsed.entries)
    ours = entries["ours"]
    url, size = large(scoops["ours"])
    assert url.startswith("http://127.0.0.1:8000/media/images/") and url.endswith("-1200x630.jpg")
    assert ours.media_thumbnail == [{"url": url, "width": "1200", "height": "630"}]
    assert ours.media_content[0]["url"] == url and ours.media_content[0]["medium"] == "image"
    assert ours.media_content[0]["type"] == "image/jpeg"
    assert size > 0 and ours.media_content[0]["filesize"] == str(size)
    assert [(e.href, e.type, e.length) for e in ours.enclosures] == [(url, "image/jpeg", str(size))]
    # A picture not made yet: no picture at all, never the address it comes from.
    for title in ("waiting", "none"):
        assert "media_thumbnail" not in entries[title] and not entries[title].enclosures
    assert b"pics.example" not in response.content


def test_rss_elements_are_in_the_media_rss_namespace(client, topic, scoops) -> None:
    root = etree.fromstring(client.get(f"/t/{topic.slug}/feed.rss").content)
    items = {item.findtext("title"): item for item in root.iter("item")}
    thumbnail = items["ours"].find(f"{{{MEDIA_RSS}}}thumbnail")
    assert thumbnail is not None and thumbnail.get("url") == large(scoops["ours"])[0]
    enclosure = items["ours"].find("enclosure")
    assert enclosure is not None and int(enclosure.get("length")) > 0
    assert items["none"].find(f"{{{MEDIA_RSS}}}thumbnail") is None


def test_atom_has_enclosure_links_and_thumbnails(client, topic, scoops) -> None:
    content = client.get(f"/t/{topic.slug}/feed.atom").content
    parsed = feedparser.parse(content)
    assert not parsed.bozo
    entries = by_title(parsed.entries)
    url, size = large(scoops["ours"])
    assert entries["ours"].media_thumbnail[0]["url"] == url
    assert [(e.href, e.type) for e in entries["ours"].enclosures] == [(url, "image/jpeg")]
    root = etree.fromstring(content)
    links = {
        entry.findtext(f"{{{ATOM}}}title"): entry.findall(f"{{{ATOM}}}link[@rel='enclosure']")
        for entry in root.iter(f"{{{ATOM}}}entry")
    }
    assert int(links["ours"][0].get("length")) == size
    assert links["waiting"] == [] and links["none"] == []


def test_json_feed_items_carry_their_image(client, topic, scoops) -> None:
    document = json.loads(client.get(f"/t/{topic.slug}/feed.json").content)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    images = {item["title"]: item.get("image") for item in document["items"]}
    assert images == {"ours": large(scoops["ours"])[0], "waiting": None, "none": None}
    for item in document["items"]:  # JSON Feed 1.1: an item needs an id and some content
        assert isinstance(item["id"], str) and item["content_html"]
        assert item.get("image", "https://").startswith(("https://", "http://"))


def test_feed_xml_answers_the_rss_feed(client, topic, scoops) -> None:
    rss = client.get(f"/t/{topic.slug}/feed.rss")
    xml = client.get(f"/t/{topic.slug}/feed.xml")
    assert xml.status_code == 200
    assert xml["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert xml.content == rss.content
    assert client.get(f"/t/{topic.slug}/feed.yaml").status_code == 404


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/x.jpeg", "image/jpeg"),
        ("https://a.example/x.webp?v=2", "image/webp"),
        ("https://a.example/x.gif#top", "image/gif"),
        ("https://a.example/x.svg", None),
        ("https://a.example/x.html", None),
        ("https://a.example/", None),
    ],
)
def test_picture_type_is_read_from_the_address(url, expected) -> None:
    assert image_type_of(url) == expected
