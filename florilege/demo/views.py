"""Serve the demo publications over HTTP: feeds, article pages, home pages and cover images.

These views exist so the whole demo runs offline: the loader subscribes to feeds on this very
instance, and the fetch pipeline (conditional GET included) talks to them over loopback. None of
them touches the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from florilege.demo import feeds
from florilege.demo.content import DEMO_FEEDS, DemoFeed, DemoItem
from florilege.demo.images import HEIGHT, WIDTH

# Feeds change at most once a day (see feeds.anchor); a short max-age still makes clients
# revalidate often enough to see the 304 path in action.
FEED_CACHE_CONTROL = "public, max-age=300"
PAGE_CACHE_CONTROL = "public, max-age=300"
# An image's bytes depend only on its article's slug and title, which do not change.
IMAGE_CACHE_CONTROL = "public, max-age=31536000, immutable"

FORMAT_LABELS = {"rss": "RSS 2.0", "atom": "Atom 1.0", "json": "JSON Feed 1.1"}
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
LABELS = {
    "fr": {
        "by": "Par",
        "latest": "Derniers articles",
        "subscribe": "S'abonner au flux",
        "notice": "Publication fictive, générée pour la démonstration de Florilège.",
    },
    "en": {
        "by": "By",
        "latest": "Latest articles",
        "subscribe": "Subscribe to the feed",
        "notice": "A fictional publication, generated for the Florilège demo.",
    },
}


def _base_url() -> str:
    return settings.BASE_URL.rstrip("/")


def _feed_or_404(feed_slug: str) -> DemoFeed:
    try:
        return feeds.get_feed(feed_slug)
    except feeds.UnknownFeed:
        raise Http404("Unknown demo publication") from None


def _item_or_404(demo_feed: DemoFeed, item_slug: str) -> DemoItem:
    item = demo_feed.item(item_slug)
    if item is None:
        raise Http404("Unknown demo article")
    return item


def _mime(content_type: str) -> str:
    return content_type.split(";", 1)[0]


def _conditional(
    request: HttpRequest,
    body: bytes,
    content_type: str,
    cache_control: str,
    modified: datetime | None = None,
) -> HttpResponse:
    """A response carrying ``ETag`` (and ``Last-Modified``), or a 304 when the client's copy
    is current. Validators are set before the check so a 304 repeats them, as RFC 9110 asks."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    timestamp = None
    if modified is not None:
        timestamp = int(modified.timestamp())
        response["Last-Modified"] = http_date(timestamp)
    checked = get_conditional_response(
        request, etag=etag, last_modified=timestamp, response=response
    )
    # Given a response, Django returns it or a 304/412 in its place, never None.
    return response if checked is None else checked


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    base = _base_url()
    rows = [
        {
            "feed": demo_feed,
            "format": FORMAT_LABELS[demo_feed.format],
            "feed_url": feeds.feed_url(base, demo_feed.slug),
            "site_url": feeds.site_url(base, demo_feed.slug),
            "count": len(demo_feed.items),
        }
        for demo_feed in DEMO_FEEDS
    ]
    response = render(request, "demo/index.html", {"rows": rows})
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    return response


@require_safe
def feed(request: HttpRequest, filename: str) -> HttpResponse:
    demo_feed = feeds.FEEDS_BY_FILENAME.get(filename)
    if demo_feed is None:
        raise Http404("Unknown demo feed")
    now = timezone.now()
    body, content_type = feeds.render_feed(demo_feed.slug, _base_url(), now)
    return _conditional(
        request, body, content_type, FEED_CACHE_CONTROL, modified=feeds.last_modified(now)
    )


@require_safe
def site(request: HttpRequest, feed_slug: str) -> HttpResponse:
    demo_feed = _feed_or_404(feed_slug)
    base = _base_url()
    now = timezone.now()
    articles = [
        {
            "item": item,
            "url": feeds.article_url(base, demo_feed.slug, item.slug),
            "published": feeds.item_date(item, now),
            "summary": feeds.plain_summary(item),
        }
        for item in feeds.sorted_items(demo_feed)
    ]
    context = {
        "feed": demo_feed,
        "labels": LABELS.get(demo_feed.language, LABELS["en"]),
        "feed_url": feeds.feed_url(base, demo_feed.slug),
        "feed_type": _mime(feeds.CONTENT_TYPES[demo_feed.format]),
        "site_url": feeds.site_url(base, demo_feed.slug),
        "articles": articles,
    }
    response = render(request, "demo/site.html", context)
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    return response


def _json_ld(data: Mapping[str, object]) -> SafeString:
    """JSON for a <script> element: escaping <, > and & keeps "</script>" from closing it."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # escaped just above


@require_safe
def article(request: HttpRequest, feed_slug: str, item_slug: str) -> HttpResponse:
    demo_feed = _feed_or_404(feed_slug)
    item = _item_or_404(demo_feed, item_slug)
    base = _base_url()
    published = feeds.item_date(item, timezone.now())
    url = feeds.article_url(base, demo_feed.slug, item.slug)
    image = feeds.image_url(base, demo_feed.slug, item.slug)
    description = feeds.plain_summary(item)
    published_iso = published.isoformat()
    json_ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": item.title,
        "description": description,
        "image": [image],
        "datePublished": published_iso,
        "dateModified": published_iso,
        "inLanguage": demo_feed.language,
        "author": [{"@type": "Person", "name": item.author}],
        "publisher": {"@type": "Organization", "name": demo_feed.title},
        "keywords": list(item.tags),
        "mainEntityOfPage": url,
    }
    context = {
        "feed": demo_feed,
        "item": item,
        "labels": LABELS.get(demo_feed.language, LABELS["en"]),
        "url": url,
        "image_url": image,
        "site_url": feeds.site_url(base, demo_feed.slug),
        "feed_url": feeds.feed_url(base, demo_feed.slug),
        "feed_type": _mime(feeds.CONTENT_TYPES[demo_feed.format]),
        "description": description,
        "published": published,
        "published_iso": published_iso,
        "og_locale": OG_LOCALES.get(demo_feed.language, "en_GB"),
        # The body is built from our own content with every interpolated value escaped.
        "body": mark_safe(feeds.article_html(demo_feed, item)),
        "json_ld": _json_ld(json_ld),
        "image_type": feeds.IMAGE_TYPE,
        "image_width": WIDTH,
        "image_height": HEIGHT,
    }
    response = render(request, "demo/article.html", context)
    response["Cache-Control"] = PAGE_CACHE_CONTROL
    return response


@require_safe
def image(request: HttpRequest, feed_slug: str, item_slug: str) -> HttpResponse:
    demo_feed = _feed_or_404(feed_slug)
    item = _item_or_404(demo_feed, item_slug)
    return _conditional(
        request, feeds.item_image(demo_feed, item), feeds.IMAGE_TYPE, IMAGE_CACHE_CONTROL
    )
