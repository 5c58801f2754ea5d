"""The screenshot tour: every curator page, in Debian's Chromium, at 360x800 and 1280x900,
in English and French, light and dark, saved under ``test-artifacts/tour/`` to look at
after a change to the interface.

The pages are not listed here: every route of the resolver under ``/curate/`` (and the
curator's pages outside it) is asked for with values that exist; those that answer a page
are walked, those that only take a POST or send a file are left to the other tests. A new
page is therefore in the tour the day it is added. Each page fails the tour when it
scrolls sideways at 360 px, when its navigation marks no current page (``aria-current``),
or, in English, when axe-core finds a critical or serious accessibility violation (in both
colour schemes and at both widths). On the queue, the first card starts above the fold of
a 360x800 phone; on a scoop's public page, the share fields fit that phone.

The same browser then walks every public page logged out (home, the topic in each layout,
a permalink, a tag, a curator, search, the follow page, the embed, the error pages) in the
same eight combinations: none may scroll sideways at 360 px, each has one ``h1``, and axe
finds no critical or serious violation in either language; on the topic page the first
scoop starts above the fold of the phone.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from florilege.accounts.models import Invitation
from florilege.curation.models import AutomationRule, DeskItem, ReaderSuggestion, Scoop
from florilege.publishing.models import Comment
from florilege.suggestions.models import Suggestion
from florilege.testing import artifacts_dir
from florilege.topics.models import Membership, Topic
from florilege.topics.permissions import Role
from florilege.webhooks.events import enqueue, sample_event
from florilege.webhooks.models import Delivery, Webhook
from florilege.webhooks.signing import new_secret

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SIZES = {"360": {"width": 360, "height": 800}, "1280": {"width": 1280, "height": 900}}
LANGUAGES = {"en": "en-GB", "fr": "fr-FR"}
SCHEMES = ("light", "dark")
# Curator pages outside /curate/ (the bookmarklet's target, the account's own pages).
OUTSIDE_CURATE = {
    "notifications", "two_factor", "api_tokens", "flow:share", "readers:app_passwords",
}  # fmt: skip
QUERIES = {"flow:share": "?url=https%3A%2F%2Fnews.example%2Fan-article"}
# What must be found (a guard on the enumeration itself, not the list of what is walked).
AT_LEAST = {
    "curation:dashboard", "curation:queue", "curation:scoops", "curation:scoop_edit",
    "curation:sources", "curation:opml_import", "curation:rules", "curation:schedule",
    "curation:review", "curation:audit", "curation:topic_edit", "accounts:members",
    "publishing:readers", "federation:manage", "notifications", "webhooks:manage",
    "curation:scoopit_import", "curation:desk",
    "curation:desk_item", "curation:desk_all", "curation:desk_preferences",
    "curation:audience",
}  # fmt: skip


@dataclass(frozen=True)
class Route:
    view_name: str
    path: str  # the pattern, for messages
    params: tuple[str, ...]

    @property
    def is_curator_page(self) -> bool:
        return self.path.startswith("curate/") or self.view_name in OUTSIDE_CURATE

    @property
    def in_topic(self) -> bool:
        return "slug" in self.params


def _routes(resolver: URLResolver, namespace: str = "", prefix: str = "") -> Iterator[Route]:
    for p in resolver.url_patterns:
        text = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _routes(p, inner, text)
        elif isinstance(p, URLPattern) and p.name:
            pattern = p.pattern
            params = (
                tuple(pattern.converters)
                if isinstance(pattern, RoutePattern)
                else tuple(pattern.regex.groupindex)
            )
            yield Route(namespace + p.name, text, params)


@dataclass
class World:
    owner: Any  # the topic's owner (a user)
    values: dict[str, str]
    permalink: str  # a published scoop's public page, where its curator shares it


def _world() -> World:
    """The demo (load_demo) plus one of each thing a curator page lists."""
    call_command("load_demo", stdout=io.StringIO())
    topic = Topic.objects.get()
    owner = topic.owner
    now = timezone.now()
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.create_user("camille", password="a-long-test-password")
    Membership.objects.create(topic=topic, user=editor, role=Role.EDITOR)
    Invitation.objects.create(
        topic=topic, role=Role.CONTRIBUTOR, email="new@example.org", invited_by=owner,
        expires_at=now + timedelta(days=7),
    )  # fmt: skip
    rule = AutomationRule.objects.create(
        topic=topic, name="Mastodon news", keywords=["mastodon"], action="tag"
    )
    ReaderSuggestion.objects.create(
        topic=topic, url="https://news.example/reader-tip", canonical_url="news.example/reader-tip",
        note="Worth a look", visitor="v",
    )  # fmt: skip
    published = Scoop.objects.filter(topic=topic, status="published").first()
    assert published is not None
    comment = Comment.objects.create(
        scoop=published, author_name="Reader", body="Nice find.", body_html="<p>Nice find.</p>",
    )  # fmt: skip
    Scoop.objects.create(
        topic=topic, curator=editor, url="https://news.example/proposal",
        canonical_url="https://news.example/proposal", title="A proposal to review",
        insight="Why it matters.", insight_html="<p>Why it matters.</p>", status="awaiting",
    )  # fmt: skip
    Scoop.objects.create(
        topic=topic, curator=owner, url="https://news.example/later",
        canonical_url="https://news.example/later", title="A scoop for tomorrow",
        insight="Later.", insight_html="<p>Later.</p>", status="scheduled",
        published_at=now + timedelta(days=1),
    )  # fmt: skip
    suggestion = Suggestion.objects.filter(topic=topic, status="pending").order_by("pk").first()
    assert suggestion is not None
    hook = Webhook.objects.create(
        topic=topic, url="https://hooks.example/florilege", events=["scoop.published"],
        secret=new_secret(),
    )  # fmt: skip
    delivery = enqueue(hook, sample_event(topic, now), now)
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=1, last_status=200, last_response="ok", status="sent"
    )
    item = DeskItem.objects.filter(topic=topic).order_by("pk").first()
    assert item is not None  # the demo's desk (load_demo)
    values = {
        "slug": topic.slug,
        "pk": str(published.pk),
        "scoop_id": str(published.pk),
        "suggestion_id": str(suggestion.pk),
        "entry_id": str(suggestion.entry_id),
        "source_id": str(topic.sources.values_list("pk", flat=True)[0]),
        "rule_id": str(rule.pk),
        "comment_id": str(comment.pk),
        "user_id": str(editor.pk),
        "action": "publish",
        "webhook_id": str(hook.pk),
        "table": "daily",
        "item_id": str(item.pk),
    }
    return World(owner, values, published.get_absolute_url())


def _classify(routes: list[Route], world: World) -> tuple[dict[str, str], list[str]]:
    """The routes that answer a page (view name -> address), and the problems met."""
    client = Client()
    client.force_login(world.owner)
    pages, problems = {}, []
    for route in routes:
        missing = [p for p in route.params if p not in world.values]
        if missing:
            problems.append(f"{route.path}: no value for {missing} in the tour's world")
            continue
        url = reverse(route.view_name, kwargs={p: world.values[p] for p in route.params})
        url += QUERIES.get(route.view_name, "")
        response = client.get(url)
        kind = response.get("Content-Type", "")
        if response.status_code == 405 or response.status_code in (301, 302, 303):
            continue  # an action (POST only, or a GET that redirects back)
        if response.status_code == 200 and (
            not kind.startswith("text/html")
            or "attachment" in response.get("Content-Disposition", "")
        ):
            continue  # a file to download (OPML export)
        if response.status_code != 200:
            problems.append(f"{url} ({route.view_name}) answered {response.status_code}")
            continue
        pages[route.view_name] = url
    return pages, problems


OVERFLOW = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return [];
  return [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
}"""


def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_tour_of_every_curator_page(chromium, live_server, settings) -> None:
    settings.BASE_URL = live_server.url  # the demo's images are served by the instance
    started = time.monotonic()
    world = _world()
    routes = [r for r in _routes(get_resolver()) if r.is_curator_page]
    pages, problems = _classify(routes, world)
    assert not problems, problems
    assert set(pages) >= AT_LEAST, f"not walked: {sorted(AT_LEAST - set(pages))}"
    in_topic = {r.view_name for r in routes if r.in_topic}

    login = Client()
    login.force_login(world.owner)
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": login.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    tour = Tour(live_server.url, pages, in_topic, artifacts_dir() / "tour", world.permalink)
    tour.out.mkdir(exist_ok=True)
    for language, locale in LANGUAGES.items():
        for scheme in SCHEMES:
            for width, size in SIZES.items():
                context = chromium.new_context(viewport=size, locale=locale, color_scheme=scheme)
                context.add_cookies([cookie])
                try:
                    tour.walk(context.new_page(), f"{width}.{language}.{scheme}")
                finally:
                    context.close()
    took = time.monotonic() - started
    print(f"tour: {len(pages)} pages ({', '.join(sorted(pages))}), {tour.shots} PNGs, {took:.0f} s")

    # The readers' side, logged out, in the same browser.
    public = PublicTour(live_server.url, _public_pages(world), tour.out)
    for language, locale in LANGUAGES.items():
        for scheme in SCHEMES:
            for width, size in SIZES.items():
                # No service worker: requests it handled would bypass page.route.
                context = chromium.new_context(
                    viewport=size, locale=locale, color_scheme=scheme, service_workers="block"
                )
                try:
                    public.walk(context.new_page(), f"{width}.{language}.{scheme}")
                finally:
                    context.close()
    took = time.monotonic() - started - took
    print(f"public tour: {len(public.pages)} pages, {public.shots} PNGs, {took:.0f} s")
    assert not tour.failures + public.failures, "\n".join(tour.failures + public.failures)


@dataclass
class Tour:
    base: str
    pages: dict[str, str]
    in_topic: set[str]
    out: Path
    permalink: str
    failures: list[str] = field(default_factory=list)
    shots: int = 0

    def walk(self, page, combination: str) -> None:
        """Every page in one combination (``360.fr.dark``): checked, then photographed."""
        width, language, _ = combination.split(".")
        axe = _axe() if language == "en" else None
        for name, url in sorted(self.pages.items()):
            where = f"{name} [{combination}]"
            page.goto(self.base + url)
            assert page.evaluate("document.documentElement.lang") == language, where
            found = _check(page, name, name in self.in_topic, width)
            found += _serious(axe, page) if axe is not None else []
            file = f"{name.replace(':', '-')}.{combination}.png"
            page.screenshot(path=str(self.out / file), full_page=True)
            self.shots += 1
            if name == "curation:queue" and width == "360":
                found += _open_menu(page, self.out, file)
            self.failures += [f"{where}: {f}" for f in found]
        if width == "360":
            self.failures += [f"permalink [{combination}]: {f}" for f in self._share(page)]

    def _share(self, page) -> list[str]:
        """On a phone, the share fields of a scoop's public page fit and can be used."""
        page.goto(self.base + self.permalink)
        found = [f"scrolls sideways ({wide})" for wide in [page.evaluate(OVERFLOW)] if wide]
        for field_id in ("mastodon-instance", "copy-link"):
            box = page.locator(f"#{field_id}").bounding_box()
            if box is None or box["width"] < 200 or box["x"] + box["width"] > 360:
                found.append(f"#{field_id} is not usable at 360 px: {box}")
        return found


def _check(page, name: str, in_topic: bool, size: str) -> list[str]:
    found = []
    if size == "360":
        wide = page.evaluate(OVERFLOW)
        if wide:
            found.append(f"scrolls sideways at 360 px (wider: {wide})")
    marker = "nav.topic-nav [aria-current=page]" if in_topic else "header nav [aria-current]"
    if page.locator(marker).count() == 0:
        found.append(f"no current-page marker ({marker})")
    if in_topic and size == "1280" and not page.locator(".nav-groups a[aria-current]").is_visible():
        found.append("the current group is not shown")
    if in_topic and size == "360" and not page.locator(".nav-menu summary").is_visible():
        found.append("no menu on the phone")
    if name == "curation:queue" and size == "360":
        top = page.evaluate(
            "document.querySelector('article.suggestion').getBoundingClientRect().top"
        )
        if top >= 800:
            found.append(f"the first card starts at {top:.0f} px, below the fold")
    return found


def _open_menu(page, out, file: str) -> list[str]:
    """The phone's menu opens (no script needed: a disclosure) onto every group."""
    page.click(".nav-menu summary")
    page.screenshot(path=str(out / f"menu-open.{file}"))
    if not page.locator(".nav-menu a[aria-current=page]").is_visible():
        return ["the opened menu does not show the current page"]
    return []


def _serious(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in ("critical", "serious")
    ]


# Error pages no reader's GET can bring about here (403, 429, 500): rendered by the views
# Django and the site use, then served at an address of the instance (``page.route``) so
# they load the site's stylesheet like any page.
ERRORS = ("403", "429", "500")


def _public_pages(world: World) -> dict[str, str]:
    """The readers' pages (name -> address), with values from the tour's world."""
    from florilege.publishing.templatetags.tag_links import tag_key

    slug = world.values["slug"]
    scoop = Scoop.objects.get(pk=world.values["pk"])
    assert scoop.tags, "the demo's scoops carry tags"
    topic_url = reverse("publishing:topic", args=[slug])
    pages = {
        "home": reverse("publishing:home"),
        "topic-list": topic_url + "?layout=list",
        "topic-grid": topic_url + "?layout=grid",
        "permalink": world.permalink,
        "tag": reverse("publishing:tag", args=[slug, tag_key(scoop.tags[0])]),
        "curator": reverse("publishing:curator", args=[scoop.curator.get_username()]),
        "search": reverse("publishing:search") + "?q=moderation",
        "topic-search": reverse("publishing:topic_search", args=[slug]) + "?q=fediverse",
        "follow": reverse("publishing:follow", args=[slug]),
        "embed": reverse("publishing:embed", args=[slug]),
        "error-404": "/t/no-such-topic/",
    }
    pages.update({f"error-{code}": f"/tour-error-{code}/" for code in ERRORS})
    return pages


def _error_page(code: str, language: str) -> str:
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import render
    from django.test import RequestFactory
    from django.utils import translation
    from django.views.defaults import permission_denied

    from florilege.lib.errors import server_error

    request = RequestFactory().get(f"/tour-error-{code}/")
    response: HttpResponse
    with translation.override(language):
        if code == "403":
            response = permission_denied(request, PermissionDenied())
        elif code == "429":
            response = render(request, "429.html", status=429)
        else:
            response = server_error(request)
    assert str(response.status_code) == code
    return response.content.decode()


def _serve(status: int, html: str):
    # One parameter: Playwright passes (route, request) to a handler that takes two.
    def handler(route) -> None:
        route.fulfill(status=status, body=html, content_type="text/html; charset=utf-8")

    return handler


@dataclass
class PublicTour:
    base: str
    pages: dict[str, str]
    out: Path
    failures: list[str] = field(default_factory=list)
    shots: int = 0

    def walk(self, page, combination: str) -> None:
        width, language, _ = combination.split(".")
        axe = _axe()
        for code in ERRORS:
            page.route(f"**/tour-error-{code}/", _serve(int(code), _error_page(code, language)))
        # Every request the browser makes (pictures, styles, scripts, fonts, the manifest),
        # not only what the HTML names: a stylesheet's url() or a script's fetch counts too.
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        for name, url in self.pages.items():
            where = f"public {name} [{combination}]"
            requested.clear()
            response = page.goto(self.base + url)
            status = response.status if response is not None else 0
            expected = int(name.removeprefix("error-")) if name.startswith("error-") else 200
            found = [] if status == expected else [f"answered {status}, not {expected}"]
            if page.evaluate("document.documentElement.lang") != language:
                found.append("not in the visitor's language")
            if width == "360" and (wide := page.evaluate(OVERFLOW)):
                found.append(f"scrolls sideways at 360 px (wider: {wide})")
            if page.locator("h1").count() != 1:
                found.append(f"{page.locator('h1').count()} h1 headings")
            if name == "topic-list" and width == "360":
                top = page.evaluate(
                    "document.querySelector('article.scoop').getBoundingClientRect().top"
                )
                if top >= 800:
                    found.append(f"the first scoop starts at {top:.0f} px, below the fold")
            found += _serious(axe, page)
            page.screenshot(path=str(self.out / f"public-{name}.{combination}.png"), full_page=True)
            self.shots += 1
            # The full-page screenshot has scrolled every lazy picture into view.
            page.wait_for_load_state("networkidle")
            found += [
                f"the browser asked another host for {u}" for u in foreign(requested, self.base)
            ]
            self.failures += [f"{where}: {f}" for f in found]


def foreign(urls: list[str], base: str) -> list[str]:
    """The addresses of ``urls`` on another host than ``base`` (``data:`` and ``blob:``
    addresses are the page's own)."""
    own = urlsplit(base).netloc
    return sorted(
        {
            u
            for u in urls
            if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own
        }
    )


def test_only_another_host_s_addresses_are_foreign() -> None:
    base = "http://127.0.0.1:8123"
    urls = [
        base + "/static/site.css",
        "data:image/png;base64,AAAA",
        "blob:http://127.0.0.1:8123/0f1e",
        "http://127.0.0.1:9999/x.png",  # another port is another origin's server
        "https://cdn.example/a.webp",
        "https://cdn.example/a.webp",
    ]
    assert foreign(urls, base) == ["http://127.0.0.1:9999/x.png", "https://cdn.example/a.webp"]
