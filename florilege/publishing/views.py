"""Public pages: no login, server-rendered, usable with JavaScript off."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.db import OperationalError
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import condition, require_safe

from florilege.analytics.services import record_view, view_counts
from florilege.curation.models import Scoop, Topic
from florilege.curation.services.rescoop import with_credits
from florilege.publishing.feeds import FEED_ITEMS, absolute, build_feed
from florilege.publishing.services.reactions import with_engagement

log = logging.getLogger("florilege.publishing")
TOPIC_PAGE = 12
FEED_TYPES = {"atom": "application/atom+xml; charset=utf-8",
              "rss": "application/rss+xml; charset=utf-8"}  # fmt: skip


def _public_topic(slug: str) -> Topic:
    return get_object_or_404(Topic.objects.select_related("owner"), slug=slug, is_public=True)


def _count_view(request: HttpRequest, topic: Topic) -> None:
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.CONFIG.TRUST_X_FORWARDED_FOR:
        # Only the last hop was added by our own proxy; earlier ones are the client's word.
        address = forwarded.rsplit(",", 1)[-1].strip()
    try:
        record_view(topic, address, request.META.get("HTTP_USER_AGENT", ""), timezone.now())
    except OperationalError:
        # A busy embedded database (the worker writing) must not fail a reader's page:
        # one view uncounted is the better loss.
        log.warning("event=view_not_counted topic=%s", topic.pk, exc_info=True)


def _public_scoops() -> Q:
    # The same rule as Scoop.objects.visible(), seen from the topic: drafts, proposals,
    # scheduled and unpublished scoops are not counted.
    return Q(scoops__status="published", scoops__published_at__lte=timezone.now())


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    topics = (
        Topic.objects.filter(is_public=True)
        .annotate(
            scoop_count=Count("scoops", filter=_public_scoops()),
            last_scoop=Max("scoops__published_at", filter=_public_scoops()),
        )
        .select_related("owner")
        .order_by("-last_scoop", "title")
    )
    return render(request, "publishing/home.html", {"topics": topics})


@require_safe
def topic(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _public_topic(slug)
    scoops = with_credits(
        Scoop.objects.visible()
        .filter(topic=topic)
        .select_related("curator", "topic")
        .order_by("-published_at", "-id")
    )
    scoops = with_engagement(scoops)  # "useful" and comment counts, in the same query
    page = Paginator(scoops, TOPIC_PAGE).get_page(request.GET.get("page"))
    _count_view(request, topic)
    context = {
        "topic": topic,
        "page": page,
        "views": view_counts(topic, timezone.now()),
        "canonical": absolute(topic.get_absolute_url()),
    }
    return render(request, "publishing/topic.html", context)


@require_safe
def scoop(request: HttpRequest, slug: str, pk: int, scoop_slug: str = "") -> HttpResponse:
    topic = _public_topic(slug)
    item = get_object_or_404(
        with_credits(with_engagement(Scoop.objects.visible().select_related("curator", "topic"))),
        pk=pk,
        topic=topic,
    )
    if scoop_slug != item.slug:
        return redirect(item.get_absolute_url(), permanent=True)
    context = {"topic": topic, "scoop": item, "canonical": absolute(item.get_absolute_url())}
    return render(request, "publishing/scoop.html", context)


def _feed_last_modified(request: HttpRequest, slug: str, kind: str) -> datetime | None:
    latest = (
        Scoop.objects.visible()
        .filter(topic__slug=slug)
        .aggregate(changed=Max("updated_at"), published=Max("published_at"))
    )
    stamps = [s for s in (latest["changed"], latest["published"]) if s is not None]
    return max(stamps) if stamps else None


def _feed_etag(request: HttpRequest, slug: str, kind: str) -> str | None:
    stats = (
        Scoop.objects.visible()
        .filter(topic__slug=slug)
        .aggregate(n=Count("id"), changed=Max("updated_at"), top=Max("id"))
    )
    changed = stats["changed"].isoformat() if stats["changed"] else ""
    return f"{kind}-{stats['n']}-{stats['top']}-{changed}"


@require_safe
@condition(etag_func=_feed_etag, last_modified_func=_feed_last_modified)
def feed(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """Atom or RSS; answers 304 to a reader that already has the current version."""
    if kind not in FEED_TYPES:
        raise Http404("Unknown feed format.")
    topic = _public_topic(slug)
    scoops = Scoop.objects.visible().filter(topic=topic).select_related("curator", "topic")
    scoops = scoops.order_by("-published_at", "-id")[:FEED_ITEMS]
    generated = build_feed(topic, scoops, kind)
    response = HttpResponse(content_type=FEED_TYPES[kind])
    response["Cache-Control"] = "public, max-age=300"
    generated.write(response, "utf-8")
    return response
