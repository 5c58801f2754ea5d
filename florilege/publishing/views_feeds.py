"""Feeds out (Atom, RSS, JSON Feed) per topic, tag and curator, with conditional GET."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from florilege.analytics.counting import Target, count_view
from florilege.curation.models import Scoop
from florilege.publishing import cache, queries
from florilege.publishing.feeds import (
    CONTENT_TYPES,
    FEED_ALIASES,
    FEED_ITEMS,
    FeedSubject,
    build_feed,
    curator_subject,
    tag_subject,
    topic_subject,
)

FEED_MAX_AGE = 300


def _respond(
    request: HttpRequest,
    subject: FeedSubject,
    scoops: QuerySet[Scoop],
    kind: str,
    scope,
    counted: Target | None = None,
) -> HttpResponse:
    # One aggregate gives both validators; a reader that has this version gets a 304
    # without the feed being built.
    stats = scoops.order_by().aggregate(
        n=Count("id"), top=Max("id"), changed=Max("updated_at"), published=Max("published_at")
    )
    stamps = [s for s in (stats["changed"], stats["published"]) if s is not None]
    last_modified = max(stamps).timestamp() if stamps else None
    changed = stats["changed"].isoformat() if stats["changed"] else ""
    etag = f'"{kind}-{stats["n"]}-{stats["top"]}-{changed}"'
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    body = build_feed(subject, scoops[:FEED_ITEMS], kind)
    response = HttpResponse(body, content_type=CONTENT_TYPES[kind])
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    return cache.mark(response, scope, counted)


def _kind(kind: str) -> str:
    kind = FEED_ALIASES.get(kind, kind)
    if kind not in CONTENT_TYPES:
        raise Http404("Unknown feed format.")
    return kind


@require_safe
def topic_feed(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    kind = _kind(kind)
    topic = queries.public_topic(slug)
    scope = cache.topic_scope(topic)
    # Feed readers say how many they fetch for: the topic's followers by feed.
    counted = count_view(request, topic, feed=True)
    return _respond(
        request, topic_subject(topic), queries.topic_scoops(topic), kind, scope, counted
    )


@require_safe
def tag_feed(request: HttpRequest, slug: str, tag: str, kind: str) -> HttpResponse:
    kind = _kind(kind)
    topic = queries.public_topic(slug)
    scope = cache.topic_scope(topic)
    scoops = queries.with_tag(queries.topic_scoops(topic), tag[: queries.MAX_TAG])
    spelling = queries.tag_spelling(scoops, tag[: queries.MAX_TAG])
    return _respond(request, tag_subject(topic, spelling), scoops, kind, scope)


@require_safe
def curator_feed(request: HttpRequest, username: str, kind: str) -> HttpResponse:
    kind = _kind(kind)
    scope = cache.site_scope()
    user = queries.public_curator(username)
    return _respond(request, curator_subject(user), queries.curator_scoops(user), kind, scope)
