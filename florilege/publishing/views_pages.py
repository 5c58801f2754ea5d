"""More public pages: tags, curators, search, sharing, sitemap and robots.txt."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from florilege.analytics.counting import count_view
from florilege.curation.models import Scoop
from florilege.publishing import cache, queries, search
from florilege.publishing.feeds import absolute, curator_subject, tag_subject
from florilege.publishing.presentation import mastodon_instance, mastodon_share_url
from florilege.publishing.views import TOPIC_PAGE, topic_look
from florilege.publishing.views_engage import cross_site
from florilege.topics.models import Topic

SITEMAP_LIMIT = 50_000
MASTODON_TEXT = 500  # what the share page is given to prefill; Mastodon's own limit


@require_safe
def tag(request: HttpRequest, slug: str, tag: str) -> HttpResponse:
    topic = queries.public_topic(slug)
    scope = cache.topic_scope(topic)
    tag = tag[: queries.MAX_TAG]
    scoops = queries.with_tag(queries.topic_scoops(topic), tag)
    tag = queries.tag_spelling(scoops, tag)
    page = Paginator(scoops, TOPIC_PAGE).get_page(request.GET.get("page"))
    subject = tag_subject(topic, tag)
    counted = count_view(request, topic, tag=tag)
    context = {
        "topic": topic,
        "tag": tag,
        "page": page,
        "canonical": absolute(subject.page_path),
        "feed_path": subject.feed_path,
        **topic_look(topic),
    }
    return cache.mark(render(request, "publishing/tag.html", context), scope, counted)


@require_safe
def curator(request: HttpRequest, username: str) -> HttpResponse:
    scope = cache.site_scope()
    user = queries.public_curator(username)
    page = Paginator(queries.curator_scoops(user), TOPIC_PAGE).get_page(request.GET.get("page"))
    subject = curator_subject(user)
    context = {
        "curator": user,
        "topics": queries.curator_topics(user),
        "page": page,
        "canonical": absolute(subject.page_path),
        "feed_path": subject.feed_path,
    }
    return cache.mark(render(request, "publishing/curator.html", context), scope)


def _search_page(request: HttpRequest, topic: Topic | None) -> HttpResponse:
    raw = request.GET.get("q", "")
    query = search.parse_query(raw)
    found = search.search_all(raw, topic=topic, page=request.GET.get("page"))
    context = {
        "topic": topic,
        # What we searched for, not the raw text: a 10,000-character query is shown cut.
        "q": raw[: search.MAX_QUERY],
        "query": query,
        "results": found.hits,
        "page": found.page,
        "total": found.total,
        "capped": found.capped,
        # The pager's links keep the search; "page" is the pager's own.
        "keep_query": urlencode({"q": raw[: search.MAX_QUERY]}, errors="replace"),
        "topics": found.topics,
        "curators": found.curators,
        "truncated": len(raw) > search.MAX_QUERY,
        "robots_noindex": True,
    }
    if topic is not None:
        context.update(topic_look(topic))
    return render(request, "publishing/search.html", context)


@require_safe
def site_search(request: HttpRequest) -> HttpResponse:
    return _search_page(request, None)


@require_safe
def topic_search(request: HttpRequest, slug: str) -> HttpResponse:
    return _search_page(request, queries.public_topic(slug))


@csrf_exempt  # posted from cached public pages, which carry no token; see below
@require_http_methods(["GET", "HEAD", "POST"])
def share_mastodon(request: HttpRequest) -> HttpResponse:
    """The no-script Mastodon share: the reader names their instance, we send them to its
    own share page. Only a bare host name is accepted (no path, port, address or userinfo).

    Only the share form of our own pages, posted by the reader who typed the host, is
    redirected straight away. A link (GET) or a post from another site could make our
    address lead to any host, so it gets a page that names the host and lets the reader
    follow the link, or not: this address is no open redirect."""
    data = request.POST if request.method == "POST" else request.GET
    instance = mastodon_instance(data.get("instance", ""))
    text = data.get("text", "")[:MASTODON_TEXT]
    if instance is None:
        context = {
            "message": _("Enter the address of your Mastodon server, such as mastodon.social."),
            "text": text,
        }
        return render(request, "publishing/share_error.html", context, status=400)
    destination = mastodon_share_url(instance, text)
    if request.method == "POST" and not cross_site(request):
        return HttpResponseRedirect(destination)
    context = {"instance": instance, "destination": destination, "text": text}
    return render(request, "publishing/share_leave.html", context)


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    scope = cache.site_scope()
    topics = Topic.objects.filter(is_public=True).order_by("pk")
    scoops = (
        Scoop.objects.visible()
        .select_related("topic")
        .only("pk", "title", "updated_at", "topic__slug")
        .order_by("-published_at")[:SITEMAP_LIMIT]
    )
    urls: list[tuple[str, datetime | None]] = [(absolute("/"), None)]
    urls += [(absolute(t.get_absolute_url()), t.changed_at) for t in topics]
    urls += [(absolute(s.get_absolute_url()), s.updated_at) for s in scoops]
    context = {"urls": urls}
    response = render(request, "publishing/sitemap.xml", context, content_type="application/xml")
    return cache.mark(response, scope)


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /curate/",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /share/",
        f"Sitemap: {absolute('/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
