"""Public pages: no login, server-rendered, usable with JavaScript off."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.db import OperationalError
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from florilege.analytics.services import (
    daily_salt,
    is_probably_bot,
    known_salt,
    record_view,
    view_counts,
    visitor_hash,
)
from florilege.curation.models import Scoop
from florilege.publishing import cache, queries
from florilege.publishing.feeds import absolute
from florilege.publishing.presentation import accent_pair, json_ld, share_links
from florilege.topics.models import Topic

log = logging.getLogger("florilege.publishing")
TOPIC_PAGE = 12


# Visitors this process has already counted today (hashes under the day's salt, never an
# address): their later pages skip the database write the counter would refuse anyway.
_counted: set[tuple[int, str]] = set()
_counted_day: list[date] = []
COUNTED_MAX = 100_000


def forget_counted() -> None:
    _counted.clear()


def _visitor_address(meta) -> str:
    address = meta.get("REMOTE_ADDR", "")
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.CONFIG.TRUST_X_FORWARDED_FOR:
        # Only the last hop was added by our own proxy; earlier ones are the client's word.
        address = forwarded.rsplit(",", 1)[-1].strip()
    return address


def already_counted(meta, topic_id: int, now: datetime) -> bool:
    """True when this view needs no counting: a robot, or a visitor this process counted
    today. Never touches the database (False when it would have to)."""
    user_agent = meta.get("HTTP_USER_AGENT", "")
    if is_probably_bot(user_agent):
        return True
    salt = known_salt(now.date())
    if salt is None or _counted_day != [now.date()]:
        return False
    return (topic_id, visitor_hash(_visitor_address(meta), user_agent, salt)) in _counted


def count_view_of(request: HttpRequest, topic_id: int) -> None:
    """Count a view of a page served from the cache (no Topic loaded unless needed)."""
    if not already_counted(request.META, topic_id, timezone.now()):
        count_view(request, Topic(pk=topic_id))


def count_view(request: HttpRequest, topic: Topic) -> None:
    address = _visitor_address(request.META)
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    if is_probably_bot(user_agent):
        return
    now = timezone.now()
    try:
        if _counted_day != [now.date()] or len(_counted) > COUNTED_MAX:
            _counted.clear()
            _counted_day[:] = [now.date()]
        seen = (topic.pk, visitor_hash(address, user_agent, daily_salt(now.date())))
        if seen in _counted:
            return
        record_view(topic, address, user_agent, now)
        _counted.add(seen)
    except OperationalError:
        # A busy embedded database (the worker writing) must not fail a reader's page:
        # one view uncounted is the better loss.
        log.warning("event=view_not_counted topic=%s", topic.pk, exc_info=True)


def _public_scoops(now) -> Q:
    # The same rule as Scoop.objects.visible(), seen from the topic: drafts, proposals,
    # scheduled and unpublished scoops are not counted.
    return Q(scoops__status="published", scoops__published_at__lte=now)


def topic_look(topic: Topic) -> dict:
    """The topic's own colour (adjusted to stay readable) and banner, for base.html."""
    return {"accent": accent_pair(topic.accent_color), "header_image": topic.header_image_url}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    scope = cache.site_scope()
    now = timezone.now()
    topics = (
        Topic.objects.filter(is_public=True)
        .annotate(
            scoop_count=Count("scoops", filter=_public_scoops(now)),
            last_scoop=Max("scoops__published_at", filter=_public_scoops(now)),
        )
        .select_related("owner")
        .order_by("-last_scoop", "title")
    )
    context = {"topics": topics, "canonical": absolute("/")}
    return cache.mark(render(request, "publishing/home.html", context), scope)


def _collection_ld(topic: Topic, canonical: str, scoops) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "name": topic.title,
        "description": topic.description,
        "url": canonical,
        "hasPart": [
            {
                "@type": "NewsArticle",
                "headline": s.title,
                "url": absolute(s.get_absolute_url()),
                "datePublished": s.published_at.isoformat(),
            }
            for s in scoops
        ],
    }


@require_safe
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    topic = queries.public_topic(slug)
    scope = cache.topic_scope(topic)
    page = Paginator(queries.topic_scoops(topic), TOPIC_PAGE).get_page(request.GET.get("page"))
    count_view(request, topic)
    canonical = absolute(topic.get_absolute_url())
    if page.number > 1:
        canonical += f"?page={page.number}"
    context = {
        "topic": topic,
        "page": page,
        "views": view_counts(topic, timezone.now()),
        "canonical": canonical,
        "share": share_links(canonical, topic.title),
        "share_text": f"{topic.title} {canonical}",
        "json_ld": json_ld(_collection_ld(topic, canonical, page.object_list)),
        **topic_look(topic),
    }
    response = render(request, "publishing/topic.html", context)
    return cache.mark(response, scope, count_view=topic.pk)


def _article_ld(item: Scoop, canonical: str) -> dict:
    curator = item.curator
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": item.title,
        "url": canonical,
        "mainEntityOfPage": canonical,
        "datePublished": item.published_at.isoformat(),
        "dateModified": item.updated_at.isoformat(),
        "description": item.excerpt or item.title,
        "isBasedOn": item.url,
        "author": {
            "@type": "Person",
            "name": curator.get_full_name() or curator.get_username(),
            "url": absolute(f"/u/{curator.get_username()}/"),
        },
        "isPartOf": {
            "@type": "CollectionPage",
            "name": item.topic.title,
            "url": absolute(item.topic.get_absolute_url()),
        },
    }
    if item.image_url:
        data["image"] = [item.image_url]
    if item.language:
        data["inLanguage"] = item.language
    return data


@require_safe
def scoop(request: HttpRequest, slug: str, pk: int, scoop_slug: str = "") -> HttpResponse:
    topic = queries.public_topic(slug)
    scope = cache.topic_scope(topic)
    item = get_object_or_404(
        queries.cards(Scoop.objects.visible().select_related("curator", "topic")),
        pk=pk,
        topic=topic,
    )
    if scoop_slug != item.slug:
        return redirect(item.get_absolute_url(), permanent=True)
    canonical = absolute(item.get_absolute_url())
    context = {
        "topic": topic,
        "scoop": item,
        "canonical": canonical,
        "share": share_links(canonical, item.title),
        "share_text": f"{item.title} {canonical}",
        "json_ld": json_ld(_article_ld(item, canonical)),
        **topic_look(topic),
    }
    return cache.mark(render(request, "publishing/scoop.html", context), scope)
