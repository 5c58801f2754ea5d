"""Cached pages and feeds go out gzipped to clients that take it, compressed once when
stored; nothing carrying a secret (a CSRF token) is ever compressed (BREACH)."""

from __future__ import annotations

import gzip
import random

import pytest
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from florilege.lib.compression import accepts_gzip, gzipped
from florilege.publishing import cache
from florilege.publishing.cache import PageCacheMiddleware, clear_all
from florilege.publishing.tests.test_fast_path import app, get  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


@pytest.fixture
def scooped(topic, curator):
    from florilege.curation.models import Scoop

    for n in range(3):
        Scoop.objects.create(
            topic=topic,
            curator=curator,
            url=f"https://n.example/{n}",
            canonical_url=f"https://n.example/{n}",
            title=f"Scoop number {n} about moderation",
            insight="Why it matters. " * 20,
            insight_html="<p>" + "Why it matters. " * 20 + "</p>",
        )
    return topic


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


@pytest.mark.parametrize(
    "path",
    ["/t/social-networks/", "/t/social-networks/feed.rss", "/t/social-networks/feed.atom",
     "/t/social-networks/feed.json", "/t/social-networks/feed.xml", "/"],
)  # fmt: skip
def test_anonymous_pages_and_feeds_are_gzipped_when_asked(client, scooped, path) -> None:
    plain = client.get(path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain
    assert "accept-encoding" in vary(plain)
    for expected in ("hit", "hit"):  # stored by the plain request; every later one is a hit
        packed = client.get(path, **GZIP)
        assert packed["X-Page-Cache"] == expected
        assert packed["Content-Encoding"] == "gzip" and "accept-encoding" in vary(packed)
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
        assert gzip.decompress(packed.content) == plain.content
        assert packed["ETag"] == "W/" + plain["ETag"]
    assert "Content-Encoding" not in client.get(path)


def test_the_first_visit_is_compressed_too(client, scooped) -> None:
    first = client.get("/t/social-networks/", **GZIP)
    assert first["X-Page-Cache"] == "miss" and first["Content-Encoding"] == "gzip"
    plain = client.get("/t/social-networks/")
    assert gzip.decompress(first.content) == plain.content


def test_a_client_refusing_gzip_gets_plain_bytes(client, scooped) -> None:
    client.get("/t/social-networks/")
    for refusal in ("gzip;q=0", "identity", "br", "gzip;q=0, *"):
        response = client.get("/t/social-networks/", HTTP_ACCEPT_ENCODING=refusal)
        assert "Content-Encoding" not in response, refusal


def test_a_conditional_request_with_the_weak_tag_gets_304(client, scooped) -> None:
    packed = client.get("/t/social-networks/feed.rss", **GZIP)
    again = client.get("/t/social-networks/feed.rss", HTTP_IF_NONE_MATCH=packed["ETag"], **GZIP)
    assert again.status_code == 304


def test_a_signed_in_page_with_a_csrf_token_is_never_compressed(client_in, scooped) -> None:
    response = client_in.get("/t/social-networks/", **GZIP)
    assert b"csrfmiddlewaretoken" in response.content
    assert "Content-Encoding" not in response


def test_a_page_that_used_a_csrf_token_is_neither_stored_nor_compressed(topic) -> None:
    def view(request):
        body = ("<form>" + get_token(request) + "</form>") * 40
        return cache.mark(HttpResponse(body), cache.topic_scope(topic))

    middleware = PageCacheMiddleware(view)
    request = RequestFactory().get("/t/social-networks/with-a-form/", HTTP_ACCEPT_ENCODING="gzip")
    request.META["CSRF_COOKIE"] = "x" * 32  # the visitor already has a CSRF cookie
    response = middleware(request)
    assert "Content-Encoding" not in response and "X-Page-Cache" not in response
    assert b"<form>" in response.content


def test_the_fast_path_serves_the_compressed_copy(app, scooped) -> None:  # noqa: F811
    _, _, plain = get(app)
    calls = app.app.calls
    answer: dict = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/t/social-networks/", "QUERY_STRING": "",
        "HTTP_HOST": "127.0.0.1", "REMOTE_ADDR": "203.0.113.9", **GZIP,
    }  # fmt: skip
    body = b"".join(app(environ, start_response))
    assert app.app.calls == calls  # Django not reached
    headers = answer["headers"]
    assert headers["Content-Encoding"] == "gzip" and headers["X-Page-Cache"] == "hit"
    assert "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(body).decode() == plain


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("br, zstd", False),
        ("gzip;q=0", False),
        ("gzip;q=0.0, *;q=1", False),
        ("gzip;q=nonsense", False),
        ("*;q=0", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header, expected) -> None:
    assert accepts_gzip(header) is expected


def test_gzip_is_deterministic_and_skips_what_it_cannot_shrink() -> None:
    body = b"<p>the same page</p>" * 50
    assert gzipped(body) == gzipped(body) and gzip.decompress(gzipped(body) or b"") == body
    assert gzipped(b"tiny") is None
    noise = random.Random(1).randbytes(1024)
    assert gzipped(noise) is None  # incompressible: not worth a header


@pytest.mark.parametrize("path", ["/embed/social-networks/", "/api/embed/social-networks.json"])
def test_embeds_are_cached_and_compressed_with_their_headers(client, scooped, path) -> None:
    plain = client.get(path)
    packed = client.get(path, **GZIP)
    assert packed["X-Page-Cache"] == "hit" and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    for header in ("Content-Security-Policy", "Access-Control-Allow-Origin", "X-Frame-Options"):
        assert packed.get(header) == plain.get(header), header
