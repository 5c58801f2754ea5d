"""Readers' engagement: follow by email, comments, reactions, embeds. Thin views over
``publishing.services``.

The readers' forms carry no CSRF token: they are anonymous (nothing is done in a
signed-in user's name), so a forged request can do nothing a direct one could not, and
pages with these forms stay cacheable. A browser's cross-site POST is still refused by
its Origin header; honeypots and rate limits handle robots.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from florilege.analytics import throttle
from florilege.curation.models import Scoop
from florilege.jobs import outbox
from florilege.lib.csp import frameable_anywhere
from florilege.lib.params import bounded_int, local_path
from florilege.media.templatetags.pictures import picture_url
from florilege.publishing import cache
from florilege.publishing.feeds import absolute
from florilege.publishing.forms_engage import CommentForm, FollowForm
from florilege.publishing.models import Comment
from florilege.publishing.services import comments, follow, reactions
from florilege.publishing.views import topic_look
from florilege.topics.models import Topic

EMBED_DEFAULT = 5
EMBED_MAX = 20


def _topic(slug: str) -> Topic:
    return get_object_or_404(Topic.objects.select_related("owner"), slug=slug, is_public=True)


def _scoop(slug: str, pk: int) -> Scoop:
    return get_object_or_404(
        Scoop.objects.visible().select_related("topic", "curator", "picture"),
        pk=pk,
        topic__slug=slug,
    )


def cross_site(request: HttpRequest) -> bool:
    """A browser's post from another site's page (its Origin header says so)."""
    origin = request.META.get("HTTP_ORIGIN")
    return bool(origin) and origin != f"{request.scheme}://{request.get_host()}"


def _notice(request: HttpRequest, title: str, text: str, status: int = 200) -> HttpResponse:
    context = {"title": title, "text": text}
    return render(request, "publishing/engage/notice.html", context, status=status)


def _refusedcross_site(request: HttpRequest) -> HttpResponse:
    return _notice(
        request,
        _("Not sent"),
        _("This form can only be sent from this site's own pages."),
        status=403,
    )


def _within_limit(request: HttpRequest, action: str, now: datetime) -> str | None:
    """The reader's key for a "useful" or a report, or None past the hourly limit."""
    reader = throttle.reader_key(request, now)
    limit = settings.CONFIG.READER_REACTIONS_PER_HOUR
    return reader if throttle.allow(action, reader, limit, now) else None


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "429.html", status=429)


# Follow by email ---------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def follow_topic(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the topic's follow page (email, fediverse, feeds), the same for every reader,
    so it is cached like the topic page. POST: a follow by email."""
    topic = _topic(slug)
    if request.method != "POST":
        context = {"topic": topic, "form": FollowForm(), **topic_look(topic)}
        page = render(request, "publishing/engage/follow.html", context)
        return cache.mark(page, cache.topic_scope(topic))
    if cross_site(request):
        return _refusedcross_site(request)
    form = FollowForm(request.POST)
    if form.is_valid() and not form.is_bot:
        now = timezone.now()
        outcome = follow.subscribe(
            topic,
            form.cleaned_data["email"],
            form.cleaned_data["frequency"],
            throttle.reader_key(request, now),
            now,
        )
        # The email itself is sent by a worker: a mail server that is down or refuses is
        # the operator's to see (in the outbox, and the job kept as failed), never an
        # error for the reader.
        if outcome.reason == "rate_limited":
            form.add_error(None, _("Too many requests from your address; try again in an hour."))
            return render(request, "publishing/engage/follow.html",
                          {"topic": topic, "form": form}, status=429)  # fmt: skip
    if form.is_valid():  # also a bot: told the same, nothing stored
        messages.success(request, _follow_answer())
        return redirect(topic.get_absolute_url())
    return render(request, "publishing/engage/follow.html", {"topic": topic, "form": form},
                  status=400)  # fmt: skip


def _follow_answer() -> str:
    if not outbox.mail_configured():
        # The request is kept, and its email waits in the outbox: said plainly rather than
        # sending the reader to look for an email that cannot come yet.
        return _(
            "Your request is recorded, but this site cannot send email yet. The confirmation "
            "email will reach you once the site's administrator has set up mail; open its "
            "link then to start receiving this topic."
        )
    return _(
        "Almost done: open the link in the email we sent to confirm that you follow this topic."
    )


def follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: a link scanner opening the link confirms nothing."""
    now = timezone.now()
    subscriber = follow.pending_from_token(token, now)
    if subscriber is None:
        return _notice(
            request,
            _("Link not valid"),
            _(
                "This confirmation link is not valid or has expired. Subscribe again from the "
                "topic's page to get a new one."
            ),
            status=400,
        )
    if request.method == "POST":
        follow.confirm(token, now)
        messages.success(request, _("Confirmed: you follow this topic by email."))
        return redirect(subscriber.topic.get_absolute_url())
    return render(request, "publishing/engage/confirm.html", {"subscriber": subscriber})


@csrf_exempt  # RFC 8058: mail clients POST the one-click body with no token of ours
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    subscriber = follow.subscriber_for_unsubscribe(token)
    if subscriber is None:
        return _notice(
            request,
            _("Link not valid"),
            _("This unsubscribe link is not valid. Use the link at the bottom of the email."),
            status=400,
        )
    if request.method == "POST":
        follow.unsubscribe(token, timezone.now())
        return _notice(
            request,
            _("Unsubscribed"),
            _("You will receive no more emails about %(topic)s.")
            % {"topic": subscriber.topic.title},
        )
    return render(request, "publishing/engage/unsubscribe.html", {"subscriber": subscriber})


# Comments, reports, reactions -----------------------------------------------------------------


@csrf_exempt
@require_POST
def comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _scoop(slug, pk)
    if cross_site(request):
        return _refusedcross_site(request)
    form = CommentForm(request.POST)
    if form.is_valid() and form.is_bot:
        messages.success(request, _("Thank you: your comment will appear once approved."))
        return redirect(item.get_absolute_url() + "#comments")
    if form.is_valid():
        now = timezone.now()
        posted = comments.post_comment(
            item,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            body=form.cleaned_data["body"],
            visitor=throttle.reader_key(request, now),
            now=now,
        )
        if posted.comment is None:
            form.add_error(None, _("Too many comments from your address; try again in an hour."))
        else:
            if posted.comment.status == Comment.Status.APPROVED:
                messages.success(request, _("Thank you: your comment is published."))
            else:
                messages.success(request, _("Thank you: your comment will appear once approved."))
            return redirect(item.get_absolute_url() + "#comments")
    # Its own small page (the scoop's title, the comments, the form with what was written),
    # so the permalink's template stays the permalink view's business.
    context = {"topic": item.topic, "scoop": item, "comment_form": form}
    return render(request, "publishing/engage/comment_form.html", context, status=400)


@csrf_exempt
@require_POST
def report_comment(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    target = get_object_or_404(
        comments.shown_on_topic(slug).select_related("scoop__topic"), pk=comment_id
    )
    item = target.scoop
    if cross_site(request):
        return _refusedcross_site(request)
    now = timezone.now()
    reader = _within_limit(request, "report", now)
    if reader is None:
        return _too_many(request)
    comments.report(target, reader, now)
    messages.success(request, _("Thank you: a curator will look at this comment."))
    return redirect(item.get_absolute_url() + "#comments")


@csrf_exempt
@require_POST
def useful(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = _scoop(slug, pk)
    if cross_site(request):
        return _refusedcross_site(request)
    now = timezone.now()
    reader = _within_limit(request, "useful", now)
    if reader is None:
        return _too_many(request)
    reactions.mark_useful(item, reader, now)
    # A path on this site only, and redirected to as a path: ``redirect()`` would take a
    # word for the name of a view and fail to find it.
    default = item.get_absolute_url() + f"#scoop-{item.pk}"
    return HttpResponseRedirect(local_path(request.POST.get("next"), default))


# Embeds ------------------------------------------------------------------------------------


def _embed_count(request: HttpRequest) -> int:
    return bounded_int(request.GET.get("n", ""), EMBED_DEFAULT, 1, EMBED_MAX)


def _latest(topic: Topic, n: int) -> list[Scoop]:
    scoops = (
        Scoop.objects.visible().filter(topic=topic).select_related("topic", "curator", "picture")
    )
    return list(scoops.order_by("-published_at", "-id")[:n])


@require_safe
@frameable_anywhere
def embed_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A minimal page meant for an iframe on another site (the only page that may be framed)."""
    topic = _topic(slug)
    language = embed_language(topic.languages, translation.get_language() or "")
    context = {
        "topic": topic,
        "scoops": _latest(topic, _embed_count(request)),
        "language": language,
    }
    # Shown inside another site's page about the topic: its few words are in the topic's
    # language, as its scoops are, and the page says which (lang) for screen readers.
    with translation.override(language):
        response = render(request, "publishing/engage/embed.html", context)
    response["Cache-Control"] = "public, max-age=300"
    # The same for every anonymous reader: cached (and so compressed) like the topic page.
    return cache.mark(response, cache.topic_scope(topic))


def embed_language(topic_languages: list[str], current: str) -> str:
    """The embed's language: the topic's when it has one the interface speaks, otherwise
    the reader's (a topic in several languages, or in one we have no words for)."""
    offered = {code for code, _name in settings.LANGUAGES}
    if len(topic_languages) == 1 and topic_languages[0] in offered:
        return topic_languages[0]
    return current if current in offered else settings.LANGUAGE_CODE


@require_safe
def embed_script(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic(slug)
    frame = absolute(reverse("publishing:embed", args=[topic.slug]))
    body = render(request, "publishing/engage/embed.js", {"frame_url": json.dumps(frame)})
    response = HttpResponse(body.content, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def embed_json(request: HttpRequest, slug: str) -> HttpResponse:
    """Read-only: the latest scoops of a public topic, for any site to show (CORS *)."""
    topic = _topic(slug)
    items = [
        {
            "title": s.title,
            "url": s.url,
            "insight_html": s.insight_html,
            "image": picture_url(s, "card") or None,
            "permalink": absolute(s.get_absolute_url()),
            "published": s.published_at.isoformat() if s.published_at else None,
            "source": s.source_name or s.domain,
        }
        for s in _latest(topic, _embed_count(request))
    ]
    payload = {
        "topic": {"title": topic.title, "url": absolute(topic.get_absolute_url())},
        "items": items,
    }
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return cache.mark(response, cache.topic_scope(topic))
