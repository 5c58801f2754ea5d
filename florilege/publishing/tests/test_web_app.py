"""The installable app: the manifests (their members, their icons), the service worker's
script and the offline page it keeps."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from florilege.publishing import web_app
from florilege.publishing.app_icons import ACCENT, draw_icon

pytestmark = pytest.mark.django_db
REQUIRED = ("name", "short_name", "start_url", "scope", "display", "icons", "theme_color")


def _manifest(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    return json.loads(response.content)


def _static_file(url: str) -> str:
    name = url.removeprefix("/static/")
    found = finders.find(name)
    assert found, url
    return str(found)


def test_site_manifest_members_and_icons(client) -> None:
    data = _manifest(client, reverse("publishing:manifest"))
    assert all(member in data for member in REQUIRED)
    assert data["display"] == "standalone"
    assert data["start_url"] == data["scope"] == "/"
    assert data["theme_color"] == "#9b2c55" and data["background_color"] == "#fdfcf9"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in data["icons"]:
        with Image.open(_static_file(icon["src"])) as image:
            assert image.format == "PNG" and icon["type"] == "image/png"
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_share_target_points_at_the_scoop_flow(client) -> None:
    target = _manifest(client, reverse("publishing:manifest"))["share_target"]
    assert target["action"] == reverse("flow:share") and target["method"] == "GET"
    assert target["params"] == {"title": "title", "text": "text", "url": "url"}


def test_every_page_links_the_manifest(client, topic) -> None:
    home = client.get(reverse("publishing:home")).content.decode()
    assert f'<link rel="manifest" href="{reverse("publishing:manifest")}">' in home
    assert 'data-worker="/sw.js"' in home


def test_public_topic_has_its_own_manifest(client, topic) -> None:
    topic.is_public = True
    topic.accent_color = "#225588"
    topic.save()
    page = client.get(topic.get_absolute_url()).content.decode()
    own = reverse("publishing:topic_manifest", args=[topic.slug])
    assert f'<link rel="manifest" href="{own}">' in page
    data = _manifest(client, own)
    assert data["name"] == "Social networks" and data["short_name"] == "Social"
    assert data["start_url"] == data["scope"] == topic.get_absolute_url()
    assert data["theme_color"] == "#225588" and "share_target" not in data


def test_private_topic_has_no_manifest(client, topic) -> None:
    topic.is_public = False
    topic.save()
    response = client.get(reverse("publishing:topic_manifest", args=[topic.slug]))
    assert response.status_code == 404


def test_short_name_cuts_at_a_word() -> None:
    assert web_app.short_name("Veille") == "Veille"
    assert web_app.short_name("Réseaux  sociaux et modération") == "Réseaux"
    assert web_app.short_name("Anticonstitutionnellement") == "Anticonstitu"


def test_maskable_icon_fills_the_square_and_the_other_does_not() -> None:
    maskable, plain = draw_icon(192, maskable=True), draw_icon(192)
    assert _pixel(maskable, 0, 0)[3] == 255 and _pixel(plain, 0, 0)[3] == 0
    # The flower's white centre, and the accent around it inside the safe zone.
    assert _pixel(maskable, 96, 96) == (255, 255, 255, 255)
    assert _pixel(maskable, 40, 40) == ACCENT
    assert "#{:02x}{:02x}{:02x}".format(*ACCENT[:3]) == web_app.THEME


def _pixel(image: Image.Image, x: int, y: int) -> tuple[int, ...]:
    value = image.getpixel((x, y))
    assert isinstance(value, tuple)
    return value


def test_committed_icons_match_the_drawing() -> None:
    # The static files are the output of draw_app_icons: redrawing gives the same pixels.
    with Image.open(_static_file("/static/florilege/icons/icon-maskable-192.png")) as stored:
        fresh = io.BytesIO()
        draw_icon(192, maskable=True).save(fresh, "PNG")
        assert stored.convert("RGBA").tobytes() == Image.open(fresh).tobytes()


def test_service_worker_covers_the_site_and_keeps_only_the_offline_page(client) -> None:
    response = client.get(reverse("publishing:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert f'const OFFLINE = "{reverse("publishing:offline")}";' in script
    assert '"/static/florilege/site.css"' in script
    assert 'credentials: "omit"' in script
    # Only two kinds of answer are ever put in the cache: the install step's list.
    assert script.count("cache.addAll") == 1 and "cache.put" not in script


def test_offline_page_holds_nothing_of_a_session(client_in) -> None:
    response = client_in.get(reverse("publishing:offline"))
    body = response.content.decode()
    assert response.status_code == 200 and "You are offline" in body
    assert "csrfmiddlewaretoken" not in body and "curator" not in body
    assert "Cookie" not in response.get("Vary", "")
