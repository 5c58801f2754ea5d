"""The WSGI front that answers cached pages before Django's handler (florilege.wsgi)."""

import io
import sys
from dataclasses import replace

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from florilege.curation.models import Scoop
from florilege.publishing import cache
from florilege.publishing.cache import FastPath, clear_all

pytestmark = pytest.mark.django_db
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


class Recorder:
    """Wraps Django's handler to see which requests reached it."""

    def __init__(self) -> None:
        self.django = get_wsgi_application()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


@pytest.fixture
def app():
    # Django's handler closes database connections when a request ends; inside a test's
    # transaction that would close the test's own (the test client disconnects it too).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    clear_all()
    yield FastPath(Recorder())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def environ_of(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "wsgi.input": io.BytesIO(b""),
    }


def get(app, path="/t/social-networks/", **extra):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": FIREFOX,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "SERVER_PROTOCOL": "HTTP/1.1",
        **extra,
    }
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body.decode()


def test_second_visit_is_answered_in_front_of_django(app, topic, settings) -> None:
    # Views held in the process (analytics buffering): the front counts one without Django.
    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=50, ANALYTICS_BUFFER_SECONDS=0
    )
    status, headers, body = get(app)
    assert status.startswith("200") and app.app.calls == 1
    status, headers, again = get(app)
    assert status.startswith("200") and app.app.calls == 1  # Django not reached
    assert headers["X-Page-Cache"] == "hit" and again == body
    assert headers["X-Frame-Options"] == "DENY"  # the security headers came along


def test_what_the_fast_path_leaves_to_django(app, topic, curator, settings) -> None:
    # Views held in the process, so the front could answer every case below itself.
    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=50, ANALYTICS_BUFFER_SECONDS=0
    )
    get(app)
    calls = app.app.calls
    assert get(app)[1]["X-Page-Cache"] == "hit" and app.app.calls == calls  # the front's
    cases = [
        {"HTTP_COOKIE": "sessionid=abc"},  # signed in (or may be)
        {"HTTP_COOKIE": "messages=abc"},  # a message waits to be shown
        {"HTTP_IF_NONE_MATCH": '"x"'},  # conditional: Django answers 304 or 200
        {"HTTP_HOST": "evil.example"},  # not an allowed host: Django refuses it
        {"REQUEST_METHOD": "POST"},
        {"HTTP_ACCEPT": "application/activity+json"},  # a fediverse server: federation's
        {"PATH_INFO": settings.STATIC_URL + "site.css"},  # a static file
    ]
    for extra in cases * 2:  # the second time from what the process remembered
        before = app.app.calls
        get(app, **extra)
        assert app.app.calls == before + 1, extra
    # Another language: never the English copy (the first time Django makes the French).
    before = app.app.calls
    body = get(app, HTTP_ACCEPT_LANGUAGE="fr")[2]
    assert app.app.calls == before + 1 and '<html lang="fr">' in body


def test_a_view_to_write_now_goes_through_django(app, topic) -> None:
    # One view a write (the tests' setting): each new view is written by Django's side.
    get(app)
    before = app.app.calls
    get(app, REMOTE_ADDR="198.51.100.4")
    assert app.app.calls == before + 1


def test_a_change_is_seen_at_once_in_this_process(app, topic, curator) -> None:
    get(app)
    get(app)
    Scoop.objects.create(
        topic=topic,
        curator=curator,
        url="https://n.example/x",
        canonical_url="https://n.example/x",
        title="Just published",
        insight="i",
        insight_html="<p>i</p>",
    )
    assert "Just published" in get(app)[2]


def test_negotiation_is_kept_only_for_short_headers(app, topic, settings) -> None:
    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=50, ANALYTICS_BUFFER_SECONDS=0
    )
    get(app)
    get(app)
    kept = len(app._seen)
    assert kept >= 1  # a browser's headers: worked out once, then remembered
    long_language = "en-GB;q=0.9, " + ", ".join(f"x-{i:04d};q=0.1" for i in range(60))
    status, _headers, _ = get(app, HTTP_ACCEPT_LANGUAGE=long_language)
    assert status.startswith("200")
    assert len(app._seen) == kept  # a long set of headers is never kept


def test_addresses_are_keyed_as_django_keys_them(app, topic, settings) -> None:
    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=50, ANALYTICS_BUFFER_SECONDS=0
    )
    for query in ("", "layout=grid"):
        get(app, QUERY_STRING=query)
        calls = app.app.calls
        status, headers, _ = get(app, QUERY_STRING=query)
        assert status.startswith("200") and app.app.calls == calls, query
        assert headers["X-Page-Cache"] == "hit"
    assert len(app._keys) == 2  # each address worked out once
    long_query = "q=" + "x" * 600
    get(app, QUERY_STRING=long_query)
    get(app, QUERY_STRING=long_query)
    assert len(app._keys) == 2  # a long address is never kept
    # A server hands the path over as its UTF-8 bytes read as latin-1; Django's side keys
    # the page by its escaped full path: both give the same key, remembered or not.
    raw = "/t/réseaux/".encode().decode("latin-1")
    expected = cache._key("/t/r%C3%A9seaux/?a=%C3%A9", "fr")
    assert app._key(raw, "a=é", "fr") == expected
    assert app._key(raw, "a=é", "fr") == expected
    # Whatever the server hands over (bytes that are not UTF-8 included), the key is the
    # one Django's side gives the same request.
    for path, query in [("/t/\xff/", ""), (raw, "a=%C3%A9&b=c d"), ("/", "page=2")]:
        request = WSGIRequest({**environ_of(path), "QUERY_STRING": query})
        assert app._key(path, query, "en") == cache._cache_key(request, "en"), path


def test_a_visitors_own_cookies_are_not_remembered(app, topic, settings) -> None:
    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=50, ANALYTICS_BUFFER_SECONDS=0
    )
    get(app)
    calls = app.app.calls
    # A CSRF token is each visitor's own: the page is the same, and the process does not
    # remember one request shape per visitor.
    for token in ("a1", "b2", "c3"):
        status, headers, _ = get(app, HTTP_COOKIE=f"csrftoken={token}")
        assert status.startswith("200") and headers["X-Page-Cache"] == "hit"
    assert app.app.calls == calls and len(app._seen) == 1
    # The language cookie does choose the page: the French copy, never the English one.
    cookie = f"{settings.LANGUAGE_COOKIE_NAME}=fr"
    get(app, HTTP_COOKIE=cookie)
    status, headers, body = get(app, HTTP_COOKIE=cookie)
    assert headers["X-Page-Cache"] == "hit" and '<html lang="fr">' in body
