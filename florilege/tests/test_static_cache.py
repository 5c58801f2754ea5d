"""Static files are collected under names carrying a hash of their bytes, pages link those
names, and they are served with a year-long immutable cache (and precompressed)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import cast

import pytest
from django.core.management import call_command
from django.http import FileResponse
from django.test import Client

from florilege.lib.staticfiles import strip_css_comments
from florilege.publishing.cache import clear_all

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected(settings, tmp_path):
    # The production storage (the test settings use the plain one, so tests need no
    # collectstatic): what `serve` and deployments collect with.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "florilege.lib.staticfiles.StaticStorage"},
    }
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    clear_all()
    yield tmp_path
    clear_all()


def test_production_storage_is_the_hashed_one() -> None:
    from florilege import settings as production

    backend = production.STORAGES["staticfiles"]["BACKEND"]
    assert backend == "florilege.lib.staticfiles.StaticStorage"


def test_pages_link_hashed_names_served_immutable(collected, topic) -> None:
    client = Client()  # a new handler: WhiteNoise reads the collected folder when built
    page = client.get(f"/t/{topic.slug}/").content.decode()
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert links, "the page links no static file"
    for link in links:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|png|svg|ico|webmanifest)$", link), link
    response = client.get(links[0], HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "immutable" in cache_control
    max_age = re.search(r"max-age=(\d+)", cache_control)
    assert max_age is not None and int(max_age[1]) >= 365 * 24 * 3600
    assert response["Content-Encoding"] == "gzip"  # precompressed at collect time
    response.close()


def test_our_stylesheets_are_served_without_their_comments(collected, topic) -> None:
    client = Client()
    page = client.get(f"/t/{topic.slug}/").content.decode()
    href = re.search(r'href="(/static/florilege/site\.[0-9a-f]{12}\.css)"', page)
    assert href is not None
    response = client.get(href[1])
    served = cast(FileResponse, response).getvalue().decode()
    response.close()
    source = (REPO / "florilege/publishing/static/florilege/site.css").read_text()
    assert "/*" in source and "/*" not in served
    assert served == strip_css_comments(source) and served.count("{") == source.count("{")
    gzipped = collected / href[1].removeprefix("/static/")
    assert gzip.decompress(gzipped.with_name(gzipped.name + ".gz").read_bytes()).decode() == served


def test_comments_go_and_strings_stay() -> None:
    css = "a{content:\"/* not one */\"}/* one */\nb{x:1} /* two\n lines */c{y:'*/'}"
    assert strip_css_comments(css) == "a{content:\"/* not one */\"}b{x:1} c{y:'*/'}"
