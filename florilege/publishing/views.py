"""Public pages: no login, server-rendered, usable with JavaScript off."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from florilege.analytics.counting import count_view
from florilege.analytics.services import view_counts
from florilege.curation.models import Scoop
from florilege.lib import media
from florilege.media.templatetags.pictures import picture_url, placeholder_class
from florilege.publishing import cache, queries
from florilege.publishing.feeds import absolute
from florilege.publishing.presentation import (
    LAYOUTS,
    accent_pair,
    json_ld,
    layout_query,
    reader_layout,
    share_links,
)
from florilege.topics.models import Topic

TOPIC_PAGE = 12


def _public_scoops(now) -> Q:
    # The same rule as Scoop.objects.visible(), seen from the topic: drafts, proposals,
    # scheduled and unpublished scoops are not counted.
    return Q(scoops__status="published", scoops__published_at__lte=now)


def topic_look(topic: Topic) -> dict:
    """The topic's own colour (adjusted to stay readable) and banner, for base.html. The
    banner is our copy of it, once made (never the address the curator gave)."""
    picture = topic.header_picture
    banner = picture.rendition("large") if picture else None
    return {
        "accent": accent_pair(topic.accent_color),
        "header_image": media.page_url(banner["jpeg"]) if banner else "",
        # Its average colour fills the banner's box until it arrives.
        "header_shade": placeholder_class(picture.color) if banner and picture else "",
        # og:image must be absolute.
        "header_image_url": media.url_of(banner["jpeg"]) if banner else "",
    }


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
    page = Paginator(queries.topic_page_scoops(topic), TOPIC_PAGE).get_page(request.GET.get("page"))
    counted = count_view(request, topic)
    # The page cache keys on the whole address, query included, so each layout (and page)
    # is cached apart; the topic's own layout needs no parameter.
    layout = reader_layout(topic.layout, request.GET.get("layout"))
    keep = layout_query(topic.layout, layout)
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
        "layout": layout,
        "layouts": [(name, _layout_link(topic, name)) for name in LAYOUTS],
        "keep_query": keep,
        **topic_look(topic),
    }
    response = render(request, "publishing/topic.html", context)
    return cache.mark(response, scope, count_view=counted)


def _layout_link(topic: Topic, layout: str) -> str:
    query = layout_query(topic.layout, layout)
    return topic.get_absolute_url() + (f"?{query}" if query else "")


def _article_ld(item: Scoop, canonical: str) -> dict[str, object]:
    curator = item.curator
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": item.title,
        "url": canonical,
        "mainEntityOfPage": canonical,
        "datePublished": item.published_at.isoformat() if item.published_at else None,
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
    picture = picture_url(item, "large")
    if picture:
        data["image"] = [picture]
    if item.language:
        data["inLanguage"] = item.language
    return data


@require_safe
def scoop(request: HttpRequest, slug: str, pk: int, scoop_slug: str = "") -> HttpResponse:
    topic = queries.public_topic(slug)
    scope = cache.topic_scope(topic)
    item = get_object_or_404(
        queries.cards(Scoop.objects.visible().select_related("curator", "topic", "picture")),
        pk=pk,
        topic=topic,
    )
    if scoop_slug != item.slug:
        return redirect(item.get_absolute_url(), permanent=True)
    counted = count_view(request, topic, scoop_id=item.pk)
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
    return cache.mark(render(request, "publishing/scoop.html", context), scope, counted)
