"""Importing a Scoop.it topic from a saved topic page and from its RSS feed.

The fixtures (``fixtures/scoopit_topic.html`` and ``.rss``) say in a comment where their
shape comes from."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.curation.scoopit import parse
from florilege.curation.services.scoopit import import_topic
from florilege.testing import Reply

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PAGE = (FIXTURES / "scoopit_topic.html").read_bytes()
RSS = (FIXTURES / "scoopit_topic.rss").read_bytes()


def test_page_is_read_with_title_views_and_each_scoop() -> None:
    topic = parse(PAGE)
    assert (topic.kind, topic.title, topic.views) == ("page", "Social media trends", "12.3K")
    first, second, third = topic.scoops  # the promotional block without a link is skipped
    assert first.url == "https://news.example/2019/fediverse-grows"
    assert first.source == "news.example" and first.scooped_by == "Marie Dupont"
    assert first.insight == (
        "A milestone: growth no longer depends on one server.\n\n"
        "Worth reading for the moderation figures."
    )
    assert first.image_url == "https://img.scoop.it/aBcD1234efGh=/fediverse.jpg"
    assert first.published_at == datetime(2019, 3, 4, 16, 12, tzinfo=UTC)
    assert second.insight == "" and second.published_at == datetime(2018, 1, 15, tzinfo=UTC)
    assert second.excerpt == "How small servers share block lists & what it costs them."
    assert third.scooped_by == "Jean Martin" and third.insight == "Une émission à écouter."


def test_page_import_keeps_dates_insights_links_and_does_not_duplicate(topic, curator) -> None:
    report = import_topic(topic, curator, PAGE, NOW)
    assert (report.added, report.already, report.skipped) == (3, 0, [])
    assert report.curators == ["Marie Dupont", "Jean Martin"]
    scoop = Scoop.objects.get(url="https://news.example/2019/fediverse-grows")
    assert scoop.status == "published"
    assert scoop.published_at == datetime(2019, 3, 4, 16, 12, tzinfo=UTC)
    assert scoop.insight.startswith("A milestone") and "<p>A milestone" in scoop.insight_html
    assert scoop.image_url == "https://img.scoop.it/aBcD1234efGh=/fediverse.jpg"
    assert scoop.source_name == "news.example"
    again = import_topic(topic, curator, PAGE, NOW)
    assert (again.added, again.already) == (0, 3)
    # The feed carries one of the same scoops (by its article's address) and one new.
    from_feed = import_topic(topic, curator, RSS, NOW)
    assert (from_feed.added, from_feed.already) == (1, 1)
    assert Scoop.objects.filter(topic=topic).count() == 4


def test_rss_import_finds_the_article_behind_the_scoopit_link(topic, curator) -> None:
    report = import_topic(topic, curator, RSS, NOW)
    assert report.kind == "rss" and report.added == 2
    urls = set(Scoop.objects.values_list("url", flat=True))
    assert urls == {
        "https://news.example/2019/fediverse-grows",
        "https://presse.example.fr/nouveau",
    }
    scoop = Scoop.objects.get(url="https://news.example/2019/fediverse-grows")
    assert scoop.insight == "A milestone: growth no longer depends on one server."
    assert scoop.published_at == datetime(2019, 3, 4, 16, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "neither"),
        (b'{"scoops": []}', "neither"),
        (b"<html><body><div class='post'><h2 class='post-title'>no link", "No scoop"),
        (b"<html><body><p>Just a page</p></body></html>", "No scoop"),
        (b"<html>" + b"x" * (5 * 1024 * 1024), "larger"),
        (b"<?xml version='1.0'?><rss><channel><item><title>x", "No scoop"),
    ],
)
def test_hostile_input_gets_a_clear_error(topic, curator, data, message) -> None:
    with pytest.raises(ValidationError) as error:
        import_topic(topic, curator, data, NOW)
    assert message in " ".join(error.value.messages)
    assert not Scoop.objects.exists()


def test_page_upload_and_feed_address(client_in, topic, loopback) -> None:
    url = reverse("curation:scoopit_import", args=[topic.slug])
    assert client_in.get(url).status_code == 200
    upload = SimpleUploadedFile("topic.html", PAGE, content_type="text/html")
    response = client_in.post(url, {"file": upload})
    assert response.status_code == 200 and "12.3K" in response.content.decode()
    assert Scoop.objects.count() == 3
    loopback.routes["/rss"] = Reply(200, RSS, {"Content-Type": "application/rss+xml"})
    response = client_in.post(url, {"feed_url": loopback.url("/rss")})
    assert response.status_code == 200 and Scoop.objects.count() == 4
    broken = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n\x00\x00", content_type="image/png")
    assert client_in.post(url, {"file": broken}).status_code == 400
    assert client_in.post(url, {}).status_code == 400
    assert client_in.post(url, {"feed_url": loopback.url("/missing")}).status_code == 400


def test_imported_pictures_go_through_the_media_pipeline(
    topic, curator, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    """An imported scoop's picture is a Picture row for the ``pictures`` stage, which
    fetches it through the guarded client and makes our thumbnails (the page never links
    to Scoop.it's image server)."""
    from florilege.jobs.registry import StageContext, get
    from florilege.lib.http import FetchPolicy, GuardedClient
    from florilege.media.models import Picture
    from florilege.media.tests.helpers import picture_bytes
    from florilege.media.tests.test_pipeline import public_resolver

    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        assert import_topic(topic, curator, PAGE, NOW).added == 3
    scoop = Scoop.objects.select_related("picture").get(
        url="https://news.example/2019/fediverse-grows"
    )
    assert scoop.picture is not None and scoop.picture.status == Picture.Status.PENDING
    assert scoop.picture.source_url == "https://img.scoop.it/aBcD1234efGh=/fediverse.jpg"
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        body = picture_bytes((1000, 600), kind="JPEG")
        return httpx.Response(200, headers={"Content-Type": "image/jpeg"},
                              stream=httpx.ByteStream(body))  # fmt: skip

    ctx = StageContext(now=NOW)
    ctx.client_factory = lambda: GuardedClient(
        FetchPolicy(), resolver=public_resolver({}), transport=httpx.MockTransport(handle)
    )
    assert get("pictures").run(ctx) == 1
    assert asked == ["https://img.scoop.it/aBcD1234efGh=/fediverse.jpg"]
    picture = Picture.objects.get(scoops=scoop)
    assert picture.status == Picture.Status.READY, picture.error
    assert (picture.width, picture.height) == (1000, 600)
    assert (tmp_path / "media" / picture.renditions["card"]["jpeg"]).exists()
