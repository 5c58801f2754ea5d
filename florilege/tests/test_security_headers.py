"""Security headers and cookies on every page kind, for readers, curators and the admin.

Every route of the site is walked (new routes are picked up, and one whose parameter is
unknown here fails the walk), as an anonymous reader and as the topic's owner; each answer,
whatever its status, must carry the policy, and an HTML page must need nothing the policy
forbids (inline script, event handler or style attribute, a <style> block not hashed).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from florilege.demo.feeds import FEEDS_BY_SLUG, feed_filename, sorted_items
from florilege.lib.csp import style_hash
from florilege.publishing import cache
from florilege.publishing.tests.helpers import make_scoop

EMBED_ROUTES = {"publishing:embed"}
SKIPPED_NAMESPACES = {"admin"}  # walked separately below, as a superuser

_FEED = next(iter(FEEDS_BY_SLUG.values()))
# Candidate values for each URL parameter; the first that reverses is used.
PARAMETERS: dict[str, tuple[str, ...]] = {
    "slug": ("social-networks",),
    "scoop_slug": ("story-1",),
    "kind": ("atom", "topics"),
    "name": ("social-networks",),
    "tag": ("fediverse",),
    "username": ("curator",),
    "version": ("2.0",),
    "token": ("not-a-token",),
    "uidb64": ("MQ",),
    "filename": (feed_filename(_FEED),),
    "feed_slug": (_FEED.slug,),
    "item_slug": (sorted_items(_FEED)[0].slug,),
    "action": ("unpublish",),
    "collection": ("featured",),
    "word": ("fediverse",),
    "table": ("daily",),
    "media_path": ("images/00/00000000000000000000000000000000-1x1.png",),
    "stream": ("user/-/state/com.google/reading-list",),
    "note": ("000000000000000000000000",),
}
INT_PARAMETERS = {
    "pk", "scoop_id", "suggestion_id", "source_id", "rule_id", "comment_id", "invitation_id",
    "user_id", "entry_id", "webhook_id", "feed_id", "category_id", "topic_id", "item_id",
}  # fmt: skip


def _routes(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, list[str]]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            if inner in SKIPPED_NAMESPACES:
                continue
            yield from _routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, list(entry.pattern.regex.groupindex)


def _paths(scoop_id: int) -> list[tuple[str, str]]:
    found = []
    for name, params in _routes(get_resolver()):
        choices = [
            (str(scoop_id),) if p in INT_PARAMETERS else PARAMETERS.get(p, ()) for p in params
        ]
        unknown = [p for p, c in zip(params, choices, strict=True) if not c]
        assert not unknown, f"{name}: add a test value for the URL parameter(s) {unknown}"
        for values in itertools.product(*choices):
            try:
                found.append((name, reverse(name, kwargs=dict(zip(params, values, strict=True)))))
                break
            except NoReverseMatch:
                continue
        else:
            raise AssertionError(f"{name}: no test value reverses")
    return found


# Data blocks (JSON-LD, the API docs page's settings) are not run, so the policy allows them.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>", re.I
)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.I | re.S)


def directives(policy: str) -> dict[str, str]:
    parts = (p.strip().split(None, 1) for p in policy.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def check_headers(name: str, response, *, https: bool = False) -> None:
    where = f"{name} ({response.status_code})"
    assert response.status_code < 500, f"{where}: a server error"
    assert response["X-Content-Type-Options"] == "nosniff", where
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", where
    if https:
        assert response["Strict-Transport-Security"] == "max-age=31536000", where
    else:
        assert "Strict-Transport-Security" not in response, where
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'", where
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'", where
    assert "'unsafe-inline'" not in policy["style-src"], where
    if name in EMBED_ROUTES:
        assert policy["frame-ancestors"] == "*" and "X-Frame-Options" not in response, where
    else:
        assert policy["frame-ancestors"] == "'none'", where
        assert response["X-Frame-Options"] == "DENY", where
    if response["Content-Type"].startswith("text/html"):
        check_page_obeys(where, response.content.decode(), policy)


def check_page_obeys(where: str, html: str, policy: dict[str, str]) -> None:
    assert not INLINE_SCRIPT.search(html), f"{where}: inline script"
    assert not HANDLER_ATTRIBUTE.search(html), f"{where}: inline event handler"
    assert not STYLE_ATTRIBUTE.search(html), f"{where}: style attribute"
    allowed = policy["style-src"].split()
    for css in STYLE_BLOCK.findall(html):
        assert style_hash(css) in allowed, f"{where}: a <style> block not allowed by hash"


@pytest.fixture
def site(topic, curator):
    cache.clear_all()
    topic.accent_color = "#2a6f97"  # an inline <style> block on its pages
    topic.save()
    now = timezone.now()
    scoop = make_scoop(topic, curator, 1, now - timedelta(hours=1), tags=["fediverse"])
    return scoop


@pytest.mark.django_db
def test_every_route_answers_with_the_security_headers(client, curator, site) -> None:
    paths = _paths(site.pk)
    assert len(paths) > 60  # the walk really covers the site
    ok = 0
    for signed_in in (False, True):
        if signed_in:
            client.force_login(curator)
        for name, path in paths:
            response = client.get(path)
            check_headers(name, response)
            ok += response.status_code == 200
    assert ok > 50  # most pages answered with themselves, not an error page


@pytest.mark.django_db
def test_admin_pages_carry_the_headers(client, django_user_model, site) -> None:
    admin = django_user_model.objects.create_superuser("root", password="a-long-test-password")
    client.force_login(admin)
    for path in (
        reverse("admin:index"),
        reverse("admin:curation_scoop_changelist"),
        reverse("admin:curation_scoop_change", args=[site.pk]),
        reverse("admin:topics_topic_change", args=[site.topic_id]),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        check_headers(path, response)


@pytest.mark.django_db
def test_a_cached_page_keeps_headers_that_match_its_content(client, site, settings) -> None:
    settings.CONFIG = _with(settings.CONFIG, PAGE_CACHE_SECONDS=300)
    url = site.topic.get_absolute_url()
    first, second = client.get(url), client.get(url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert first["Content-Security-Policy"] == second["Content-Security-Policy"]
    assert first["X-Request-ID"] != second["X-Request-ID"]
    check_headers("publishing:topic", second)
    assert "sha256-" in second["Content-Security-Policy"]  # the accent colour's block


@pytest.mark.django_db
def test_https_base_url_adds_hsts_and_secure_cookies(client, curator, site, settings) -> None:
    settings.BASE_URL = "https://florilege.example"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.get(site.topic.get_absolute_url())
    check_headers("publishing:topic", response, https=True)
    assert "upgrade-insecure-requests" in response["Content-Security-Policy"]
    check_cookies(client, curator, secure=True)


@pytest.mark.django_db
def test_cookies_are_httponly_and_samesite_lax(client, curator) -> None:
    check_cookies(client, curator, secure=False)


def check_cookies(client, curator, *, secure: bool) -> None:
    login_page = client.get(reverse("login"))
    csrf = login_page.cookies["csrftoken"]
    language = client.post(reverse("publishing:set_language"), {"language": "fr", "next": "/"})
    logged_in = client.post(
        reverse("login"), {"username": "curator", "password": "a-long-test-password"}
    )
    assert logged_in.status_code == 302, "the login form changed: adapt this test"
    for cookie in (
        csrf,
        language.cookies["django_language"],
        logged_in.cookies["sessionid"],
    ):
        assert cookie["httponly"] is True, cookie.key
        assert cookie["samesite"] == "Lax", cookie.key
        assert bool(cookie["secure"]) is secure, cookie.key


def _with(config, **changes):
    return dataclasses.replace(config, **changes)
