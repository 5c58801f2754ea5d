"""No public page sends a reader's browser to another site for a picture: every address
in ``<img src>``, ``srcset``, ``<picture><source>``, and CSS ``url()`` (style attributes,
``<style>`` blocks) is this instance's own, whatever the scoops' pictures came from and
whether or not they are made yet. The feeds' HTML content is checked the same way."""

from __future__ import annotations

import importlib
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.lib.markdown import render_markdown
from florilege.media import services
from florilege.media.models import Picture
from florilege.media.templatetags.pictures import placeholder_class
from florilege.media.tests.helpers import illustrate, ready_picture
from florilege.publishing.cache import clear_all
from florilege.publishing.models import Comment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)", re.IGNORECASE)


def image_addresses(html: str) -> list[str]:
    """Every address the page asks the browser to load a picture (or style) from."""
    doc = lxml.html.document_fromstring(html)
    found: list[str] = []
    for element in doc.iter("img", "source", "image", "input", "video"):
        found += [element.get(a) for a in ("src", "poster", "href") if element.get(a)]
        for attr in ("srcset", "imagesrcset"):
            found += [part.strip().split(" ")[0] for part in (element.get(attr) or "").split(",")
                      if part.strip()]  # fmt: skip
    for element in doc.iter("link"):
        if {"icon", "preload", "apple-touch-icon"} & set((element.get("rel") or "").split()):
            found.append(element.get("href") or "")
    for element in doc.iter():
        found += CSS_URL.findall(element.get("style") or "") if isinstance(element.tag, str) else []
    for style in doc.iter("style"):
        found += CSS_URL.findall(style.text or "")
    return found


def foreign(addresses: list[str]) -> list[str]:
    ours = urlsplit(settings.BASE_URL).netloc
    return [a for a in addresses if urlsplit(a).netloc not in ("", ours)
            and not a.startswith("data:")]  # fmt: skip


def add(topic, curator, n: int, image_url: str) -> Scoop:
    insight = f"Why {n} matters: ![inline](https://tracker.example/pixel-{n}.gif) #fediverse"
    return Scoop.objects.create(
        topic=topic, curator=curator, url=f"https://news.example/{n}",
        canonical_url=f"https://news.example/{n}", title=f"Story {n}", excerpt="Excerpt",
        image_url=image_url, source_name="news.example", insight=insight,
        insight_html=render_markdown(insight), tags=["fediverse"],
        published_at=NOW - timedelta(hours=n),
    )  # fmt: skip


@pytest.fixture
def world(topic, curator):
    clear_all()
    topic.header_image_url = "https://banners.example/b.jpg"
    topic.header_picture = ready_picture(topic.header_image_url, NOW)
    topic.save()
    ready = add(topic, curator, 1, "https://pics.example/ready.jpg")
    illustrate(ready, NOW)
    pending = add(topic, curator, 2, "https://pics.example/pending.jpg")
    Scoop.objects.filter(pk=pending.pk).update(picture=services.request(pending.image_url, NOW))
    failed = add(topic, curator, 3, "https://pics.example/failed.svg")
    picture = services.request(failed.image_url, NOW)
    assert picture is not None
    Picture.objects.filter(pk=picture.pk).update(status="failed", error_code="svg")
    Scoop.objects.filter(pk=failed.pk).update(picture=picture)
    add(topic, curator, 4, "https://pics.example/never-queued.png")  # from before the pipeline
    return ready


def test_no_public_page_loads_a_picture_from_another_host(client, topic, curator, world):
    pages = [
        reverse("publishing:home"),
        reverse("publishing:topic", args=[topic.slug]),
        world.get_absolute_url(),
        reverse("publishing:tag", args=[topic.slug, "fediverse"]),
        reverse("publishing:curator", args=[curator.get_username()]),
        reverse("publishing:topic_search", args=[topic.slug]) + "?q=story",
        reverse("publishing:search") + "?q=story",
        reverse("publishing:embed", args=[topic.slug]),
        reverse("publishing:topic", args=[topic.slug]) + "?layout=grid",
        reverse("publishing:follow", args=[topic.slug]),
        "/t/no-such-topic/",
    ]
    seen_ours = 0
    for path in pages:
        response = client.get(path)
        assert response.status_code == (404 if "no-such" in path else 200), path
        html = response.content.decode()
        addresses = image_addresses(html)
        assert foreign(addresses) == [], path
        assert "pics.example" not in html and "banners.example" not in html, path
        seen_ours += sum("/media/images/" in a for a in addresses)
        # The browser would refuse any other host anyway: the policy says so.
        policy = response["Content-Security-Policy"]
        assert "img-src 'self' data:" in policy, path
    assert seen_ours >= 6  # the test sees pictures: it would see a foreign one


def test_every_picture_says_its_size_and_has_its_colour_while_it_loads(client, topic, world):
    # No layout shift: the browser knows each picture's box before it arrives, and fills it
    # with the picture's average colour (a class of the page's stylesheet).
    pages = [
        reverse("publishing:topic", args=[topic.slug]),
        reverse("publishing:topic", args=[topic.slug]) + "?layout=grid",
        world.get_absolute_url(),
        reverse("publishing:embed", args=[topic.slug]),
    ]
    seen = 0
    for path in pages:
        doc = lxml.html.document_fromstring(client.get(path).content.decode())
        for img in doc.iter("img"):
            if not (img.get("src") or "").startswith("/media/"):
                continue
            seen += 1
            assert img.get("width", "").isdigit() and img.get("height", "").isdigit(), path
            assert any(c.startswith("pc-") for c in img.get("class", "").split()), path
    banner = lxml.html.document_fromstring(
        client.get(reverse("publishing:topic", args=[topic.slug])).content.decode()
    ).find_class("banner")
    assert banner and "pc-" in banner[0].get("class", "")
    assert seen >= 5


def test_every_placeholder_shade_is_in_the_stylesheets() -> None:
    steps = range(0, 256, 17)
    shades = {
        placeholder_class(f"#{r:02x}{g:02x}{b:02x}") for r in steps for g in steps for b in steps
    }
    assert len(shades) == 64
    for sheet in ("site.css", "embed.css"):
        found = finders.find(f"florilege/{sheet}")
        assert found is not None
        with open(found, encoding="utf-8") as handle:
            css = handle.read()
        assert [s for s in sorted(shades) if f".{s}{{background:" not in css] == [], sheet


def test_the_feeds_html_has_no_picture_from_another_host(client, topic, world):
    document = json.loads(client.get(f"/t/{topic.slug}/feed.json").content)
    for item in document["items"]:
        assert foreign(image_addresses(f"<div>{item['content_html']}</div>")) == []
        assert "pics.example" not in json.dumps(item)
    for kind in ("atom", "rss"):
        body = client.get(f"/t/{topic.slug}/feed.{kind}").content.decode()
        assert "pics.example" not in body and "banners.example" not in body, kind


def test_the_check_finds_a_foreign_picture() -> None:
    # The scan itself can fail: each place a picture hides is found.
    html = """<html><head><style>.a{background:url('https://x.example/1.png')}</style>
      <link rel="icon" href="https://x.example/2.ico"></head><body>
      <img src="https://x.example/3.png"><picture><source srcset="https://x.example/4.webp 1x,
      /media/ok.webp 2x"></picture><div style="background-image:url(https://x.example/5.png)">
      </div><img src="/media/ok.jpg" srcset="//x.example/6.png 2x"></body></html>"""
    assert sorted(urlsplit(a).path for a in foreign(image_addresses(html))) == [
        "/1.png", "/2.ico", "/3.png", "/4.webp", "/5.png", "/6.png",
    ]  # fmt: skip


def _migration(app: str, name: str):
    return importlib.import_module(f"florilege.{app}.migrations.{name}")


def test_old_insights_and_replies_show_their_pictures_as_links(client, topic, curator):
    # As the renderer made them before Markdown images were turned off, and as replies from
    # the fediverse were kept: an <img> of another host in the stored HTML.
    insight = (
        "Look at ![the chart](https://charts.example/c.png) and [the post](https://p.example/)"
    )
    old_html = (
        '<p>Look at <img src="https://charts.example/c.png" alt="the chart"> and <a '
        'href="https://p.example/" rel="noopener noreferrer nofollow ugc">the post</a></p>'
    )
    scoop = Scoop.objects.create(
        topic=topic, curator=curator, url="https://news.example/old",
        canonical_url="https://news.example/old", title="Old story", source_name="news.example",
        insight=insight, insight_html=old_html, published_at=NOW,
    )  # fmt: skip
    reply = '<p>Same <img src="https://masto.example/e.png" alt="emoji"></p>'
    Comment.objects.create(
        scoop=scoop, author_name="Remote", body="x", status="approved", body_html=reply
    )
    clear_all()
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert "https://charts.example/c.png" in foreign(image_addresses(page))  # the check sees it

    _migration("curation", "0015_insight_pictures_become_links").pictures_become_links(apps, None)
    _migration("publishing", "0008_comment_pictures_become_links").pictures_become_links(apps, None)
    scoop.refresh_from_db()
    assert scoop.insight_html == render_markdown(insight)  # exactly what a new one gets
    for path in (scoop.get_absolute_url(), reverse("publishing:topic", args=[topic.slug]),
                 f"/t/{topic.slug}/feed.json"):  # fmt: skip
        body = client.get(path).content.decode()
        if path.endswith(".json"):
            body = "".join(i["content_html"] for i in json.loads(body)["items"])
        assert foreign(image_addresses(f"<div>{body}</div>")) == [], path
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert 'href="https://charts.example/c.png"' in page and "the chart</a>" in page
    assert 'href="https://masto.example/e.png"' in page and "emoji</a>" in page
