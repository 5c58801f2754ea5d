"""The REST API, ``/api/v1/``: every endpoint calls the service the web page calls, so the
same permission checks and rules apply. Token scopes narrow what a token may do on top of
its user's role: ``read`` for GETs, ``curate`` for changes, ``admin`` for the team."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.openapi.docs import Swagger, _csrf_needed

from florilege.accounts.services import team
from florilege.analytics.models import DailyCount
from florilege.analytics.report import PERIODS
from florilege.api import schemas as s
from florilege.api.auth import ADMIN, CURATE, READ
from florilege.api.cursors import page
from florilege.api.problems import MEDIA_TYPE, Problem, response
from florilege.curation.models import Scoop
from florilege.curation.services import audience, opml, publication, scooping
from florilege.curation.services import sources as source_service
from florilege.media import services as pictures
from florilege.publishing.models import Comment
from florilege.publishing.services import comments
from florilege.suggestions.models import Suggestion
from florilege.suggestions.stories import as_cards, attach_story_sources, story_queue
from florilege.topics.models import Membership, Role, Topic, TopicSource
from florilege.topics.permissions import Action, is_site_admin, require, role_of

PROBLEM_STATUSES = (400, 401, 403, 404, 405, 422, 429)


class FlorilegeApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Ninja's document, with the problem answers every operation may give."""
        schema = super().get_openapi_schema(*args, **kwargs)
        problem = {"$ref": "#/components/schemas/Problem"}
        schema["components"]["schemas"]["Problem"] = s.Problem.model_json_schema()
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                answers = operation.setdefault("responses", {})
                for status in PROBLEM_STATUSES:
                    answers.setdefault(
                        status,
                        {"description": "A problem", "content": {MEDIA_TYPE: {"schema": problem}}},
                    )
                if method == "get":
                    answers.setdefault(304, {"description": "Not modified (If-None-Match)"})
        return schema


class LocalSwagger(Swagger):
    """The docs page with ninja's script from our static files. Ninja decides that by
    finding "ninja" in INSTALLED_APPS, where its assets are listed under another name
    (``apps.NinjaAssetsConfig``); otherwise it would load the script from a CDN, which the
    pages' Content-Security-Policy does not allow."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


api = FlorilegeApi(
    title="Florilège API",
    version="1",
    description="Topics, the suggestion queue, scoops, sources, team, comments. See docs/api.md.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=LocalSwagger(),
)
Limit = Query(50, ge=1, le=100)


# Errors: all of them as problem documents.
@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    extra = dict(exc.extra)
    retry = extra.pop("retry_after", None)
    headers = {"Retry-After": str(retry)} if retry else {}
    return response(exc.status, exc.detail, headers, **extra)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = "A valid token is needed: Authorization: Bearer <token> (unknown, revoked or expired)."
    return response(401, detail, {"WWW-Authenticate": 'Bearer realm="api"'})


@api.exception_handler(SchemaError)
def _invalid(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    return response(422, "The request does not match the schema.", errors=errors)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return response(exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return response(404, "Not found.")


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return response(403, str(exc) or "Not allowed.")


@api.exception_handler(ValidationError)
def _refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return response(400, " ".join(exc.messages))


def _topic(request: HttpRequest, slug: str, action: str) -> Topic:
    topic = get_object_or_404(Topic, slug=slug)
    require(request.user, topic, action)
    return topic


def _user(request: HttpRequest):
    return request.auth.user  # type: ignore[attr-defined]  # set by TokenAuth


# Topics.
@api.get("/topics", response=s.TopicList, auth=READ, tags=["topics"])
def topic_list(request: HttpRequest, cursor: str | None = None, limit: int = Limit):
    """The topics you are a member of (every topic for a site administrator)."""
    user = _user(request)
    rows = Topic.objects.annotate(
        member_role=Subquery(
            Membership.objects.filter(topic=OuterRef("pk"), user=user).values("role")[:1]
        )
    )
    if not is_site_admin(user):
        rows = rows.filter(Q(owner=user) | Q(memberships__user=user)).distinct()
    found, after = page(rows, "topics", ("id",), cursor, limit)
    items = [
        _topic_out(t, Role.OWNER if t.owner_id == user.pk else getattr(t, "member_role", None))
        for t in found
    ]
    return {"items": items, "next_cursor": after}


def _topic_out(topic: Topic, role: str | None) -> dict[str, Any]:
    return {
        "slug": topic.slug,
        "title": topic.title,
        "description": topic.description,
        "languages": list(topic.languages),
        "is_public": topic.is_public,
        "role": role,
    }


@api.get("/topics/{slug}", response=s.TopicOut, auth=READ, tags=["topics"])
def topic_get(request: HttpRequest, slug: str):
    topic = _topic(request, slug, Action.VIEW_QUEUE)
    return _topic_out(topic, role_of(_user(request), topic))


# The suggestion queue and decisions.
@api.get("/topics/{slug}/suggestions", response=s.SuggestionList, auth=READ, tags=["queue"])
def suggestion_list(request: HttpRequest, slug: str, cursor: str | None = None, limit: int = Limit):
    """Pending suggestions, best first, one per story (the queue of the web page)."""
    topic = _topic(request, slug, Action.VIEW_QUEUE)
    cards = as_cards(story_queue(topic))
    found, after = page(cards, "suggestions", ("-score", "-id"), cursor, limit)
    attach_story_sources(found)
    return {"items": [_suggestion_out(x) for x in found], "next_cursor": after}


def _source_ref(source) -> dict[str, Any]:
    return {"id": source.pk, "title": source.display_name, "url": source.url}


def _suggestion_out(suggestion: Suggestion) -> dict[str, Any]:
    entry = suggestion.entry
    return {
        "id": suggestion.pk,
        "score": suggestion.score,
        "reasons": suggestion.reasons if isinstance(suggestion.reasons, dict) else {},
        "created_at": suggestion.created_at,
        "entry": {
            "id": entry.pk,
            "url": entry.url,
            "title": entry.title,
            "summary": entry.summary,
            "author": entry.author,
            "language": entry.language,
            "image_url": entry.image_url,
            "published_at": entry.published_at,
            "source": _source_ref(entry.source),
        },
        "also_in": [
            {"entry_id": other.pk, "url": other.url, "source": _source_ref(other.source)}
            for other in getattr(suggestion, "story_others", [])
        ],
    }


def _pending(topic: Topic, suggestion_id: int) -> Suggestion:
    return get_object_or_404(
        Suggestion.objects.select_related("entry", "entry__source", "topic"),
        pk=suggestion_id,
        topic=topic,
    )


@api.post(
    "/topics/{slug}/suggestions/{int:suggestion_id}/scoop",
    response={201: s.ScoopOut},
    auth=CURATE,
    tags=["queue"],
)
def suggestion_scoop(request: HttpRequest, slug: str, suggestion_id: int, body: s.ScoopIn):
    """Scoop a suggestion with your insight and tags; publish now, at a time, in the slot
    queue, propose it for approval, or keep it as a draft."""
    topic = _topic(request, slug, Action.SCOOP_PROPOSE)
    suggestion = _pending(topic, suggestion_id)
    user, now = _user(request), timezone.now()
    draft = scooping.draft_from_suggestion(suggestion)
    draft.insight = body.insight
    draft.tags = scooping.clean_tags(list(body.tags) + draft.tags)
    if body.title:
        draft.title = body.title
    plan = None
    if body.mode:
        if body.mode == publication.AT and (body.at is None or body.at.tzinfo is None):
            raise Problem(400, "Mode 'at' needs 'at', a time with its offset.")
        plan = publication.PublishPlan(body.mode, body.at)
    scoop = scooping.scoop_suggestion(suggestion, user, draft, now, plan)
    return Status(201, _scoop_out(scoop))


@api.post(
    "/topics/{slug}/suggestions/{int:suggestion_id}/discard",
    response={204: None},
    auth=CURATE,
    tags=["queue"],
)
def suggestion_discard(request: HttpRequest, slug: str, suggestion_id: int):
    """Take the suggestion (and the rest of its story) off the queue."""
    topic = _topic(request, slug, Action.DISCARD)
    scooping.discard_suggestion(_pending(topic, suggestion_id), _user(request), timezone.now())
    return Status(204, None)


# Scoops.
def _scoop_out(scoop: Scoop) -> dict[str, Any]:
    return {
        "id": scoop.pk,
        "url": scoop.url,
        "title": scoop.title,
        "excerpt": scoop.excerpt,
        "insight": scoop.insight,
        "insight_html": scoop.insight_html,
        "tags": list(scoop.tags) if isinstance(scoop.tags, list) else [],
        "status": scoop.status,
        "source_name": scoop.source_name,
        "language": scoop.language,
        "image_url": pictures.shareable_address(scoop),
        "curator": scoop.curator.username if scoop.curator_id else None,
        "pinned": scoop.pinned_at is not None,
        "published_at": scoop.published_at,
        "created_at": scoop.created_at,
        "updated_at": scoop.updated_at,
    }


@api.get("/topics/{slug}/scoops", response=s.ScoopList, auth=READ, tags=["scoops"])
def scoop_list(
    request: HttpRequest,
    slug: str,
    status: str | None = Query(None, pattern="^[a-z]{1,12}$"),
    cursor: str | None = None,
    limit: int = Limit,
):
    """The topic's scoops, newest first, optionally in one state."""
    topic = _topic(request, slug, Action.VIEW_QUEUE)
    rows = Scoop.objects.filter(topic=topic).select_related("curator", "picture")
    if status:
        rows = rows.filter(status=status)
    found, after = page(rows, "scoops", ("-id",), cursor, limit)
    return {"items": [_scoop_out(x) for x in found], "next_cursor": after}


def _scoop(request: HttpRequest, slug: str, scoop_id: int, action: str) -> Scoop:
    topic = _topic(request, slug, action)
    return get_object_or_404(
        Scoop.objects.select_related("topic", "curator", "picture"), pk=scoop_id, topic=topic
    )


@api.get("/topics/{slug}/scoops/{int:scoop_id}", response=s.ScoopOut, auth=READ, tags=["scoops"])
def scoop_get(request: HttpRequest, slug: str, scoop_id: int):
    return _scoop_out(_scoop(request, slug, scoop_id, Action.VIEW_QUEUE))


@api.patch(
    "/topics/{slug}/scoops/{int:scoop_id}", response=s.ScoopOut, auth=CURATE, tags=["scoops"]
)
def scoop_edit(request: HttpRequest, slug: str, scoop_id: int, body: s.ScoopPatch):
    """Change the title, excerpt, insight or tags (the fields left out keep their value)."""
    scoop = _scoop(request, slug, scoop_id, Action.VIEW_QUEUE)
    changes = publication.ScoopEdit(
        title=scoop.title if body.title is None else body.title,
        excerpt=scoop.excerpt if body.excerpt is None else body.excerpt,
        insight=scoop.insight if body.insight is None else body.insight,
        tags=list(scoop.tags) if body.tags is None else list(body.tags),
    )
    return _scoop_out(publication.edit(scoop, _user(request), changes, timezone.now()))


@api.post(
    "/topics/{slug}/scoops/{int:scoop_id}/unpublish",
    response=s.ScoopOut,
    auth=CURATE,
    tags=["scoops"],
)
def scoop_unpublish(request: HttpRequest, slug: str, scoop_id: int):
    scoop = _scoop(request, slug, scoop_id, Action.VIEW_QUEUE)
    return _scoop_out(publication.unpublish(scoop, _user(request), timezone.now()))


@api.post(
    "/topics/{slug}/scoops/{int:scoop_id}/pin", response=s.ScoopOut, auth=CURATE, tags=["scoops"]
)
def scoop_pin(request: HttpRequest, slug: str, scoop_id: int, body: s.PinIn):
    """Pin a published scoop to the top of the topic page, or unpin it."""
    scoop = _scoop(request, slug, scoop_id, Action.VIEW_QUEUE)
    return _scoop_out(publication.pin(scoop, _user(request), timezone.now(), body.pinned))


@api.delete(
    "/topics/{slug}/scoops/{int:scoop_id}", response={204: None}, auth=CURATE, tags=["scoops"]
)
def scoop_delete(request: HttpRequest, slug: str, scoop_id: int):
    scoop = _scoop(request, slug, scoop_id, Action.VIEW_QUEUE)
    publication.delete(scoop, _user(request), timezone.now())
    return Status(204, None)


# Sources.
def _health(source) -> str:
    if not source.enabled:
        return "disabled"
    if source.last_fetched_at is None:
        return "new"
    return "failing" if source.error_count else "ok"


def _source_out(link: TopicSource) -> dict[str, Any]:
    source = link.source
    return {
        "id": source.pk,
        "url": source.url,
        "site_url": source.site_url,
        "title": source.display_name,
        "health": _health(source),
        "enabled": source.enabled,
        "disabled_reason": source.disabled_reason,
        "last_fetched_at": source.last_fetched_at,
        "last_success_at": source.last_success_at,
        "last_status": source.last_status,
        "last_error": source.last_error,
        "error_count": source.error_count,
        "entry_count": source.entry_count,
        "added_at": link.added_at,
    }


@api.get("/topics/{slug}/sources", response=s.SourceList, auth=READ, tags=["sources"])
def source_list(request: HttpRequest, slug: str, cursor: str | None = None, limit: int = Limit):
    """The feeds the topic follows, with their health."""
    topic = _topic(request, slug, Action.MANAGE_SOURCES)
    rows = TopicSource.objects.filter(topic=topic).select_related("source")
    found, after = page(rows, "sources", ("id",), cursor, limit)
    return {"items": [_source_out(x) for x in found], "next_cursor": after}


@api.post("/topics/{slug}/sources", response={201: s.SourceOut}, auth=CURATE, tags=["sources"])
def source_add(request: HttpRequest, slug: str, body: s.SourceIn):
    """Follow a feed: its address, or a page's (the feed it links to is found)."""
    topic = _topic(request, slug, Action.MANAGE_SOURCES)
    source = source_service.add_source(topic, body.url.strip(), _user(request), timezone.now())
    link = TopicSource.objects.select_related("source").get(topic=topic, source=source)
    return Status(201, _source_out(link))


@api.delete(
    "/topics/{slug}/sources/{int:source_id}", response={204: None}, auth=CURATE, tags=["sources"]
)
def source_remove(request: HttpRequest, slug: str, source_id: int):
    topic = _topic(request, slug, Action.MANAGE_SOURCES)
    if not TopicSource.objects.filter(topic=topic, source_id=source_id).exists():
        raise Problem(404, "This topic does not follow that source.")
    source_service.remove_source(topic, source_id, _user(request))
    return Status(204, None)


OPML_RESPONSE = {
    200: {"description": "OPML", "content": {"text/x-opml": {"schema": {"type": "string"}}}}
}


@api.get(
    "/topics/{slug}/sources/opml",
    auth=READ,
    tags=["sources"],
    openapi_extra={"responses": OPML_RESPONSE},
)
def opml_export(request: HttpRequest, slug: str):
    """The topic's feeds as an OPML file."""
    topic = _topic(request, slug, Action.CURATE)
    data = opml.export_opml(topic, _user(request), timezone.now())
    return HttpResponse(data, content_type="text/x-opml; charset=utf-8")


@api.post("/topics/{slug}/sources/opml", response=s.OpmlReport, auth=CURATE, tags=["sources"])
def opml_import(request: HttpRequest, slug: str, body: s.OpmlIn):
    """Follow every feed of an OPML document."""
    topic = _topic(request, slug, Action.CURATE)
    report = opml.import_opml(topic, body.opml.encode(), _user(request), timezone.now())
    return report.counts


# Team.
@api.get("/topics/{slug}/team", response=list[s.MemberOut], auth=READ, tags=["team"])
def member_list(request: HttpRequest, slug: str):
    """The topic's owner of record and its members, with their roles."""
    topic = _topic(request, slug, Action.VIEW_QUEUE)
    rows = list(team.members(topic, _user(request)))
    owner = [] if any(m.user_id == topic.owner_id for m in rows) else [topic.owner]
    return [{"user_id": u.pk, "username": u.username, "role": Role.OWNER} for u in owner] + [
        {"user_id": m.user_id, "username": m.user.username, "role": m.role} for m in rows
    ]


@api.put("/topics/{slug}/team/{int:user_id}", response=s.MemberOut, auth=ADMIN, tags=["team"])
def member_role(request: HttpRequest, slug: str, user_id: int, body: s.RoleIn):
    topic = _topic(request, slug, Action.MANAGE_MEMBERS)
    membership = team.set_role(topic, _user(request), user_id, body.role, timezone.now())
    return {"user_id": membership.user_id, "username": membership.user.username,
            "role": membership.role}  # fmt: skip


@api.delete("/topics/{slug}/team/{int:user_id}", response={204: None}, auth=ADMIN, tags=["team"])
def member_remove(request: HttpRequest, slug: str, user_id: int):
    topic = _topic(request, slug, Action.MANAGE_MEMBERS)
    team.remove(topic, _user(request), user_id, timezone.now())
    return Status(204, None)


# Reader comments.
@api.get("/topics/{slug}/comments", response=s.CommentList, auth=READ, tags=["comments"])
def comment_list(request: HttpRequest, slug: str, cursor: str | None = None, limit: int = Limit):
    """Comments awaiting a curator: held ones, and approved ones readers reported."""
    topic = _topic(request, slug, Action.MODERATE)
    found, after = page(comments.to_review(_user(request), topic), "comments", ("id",), cursor,
                        limit)  # fmt: skip
    return {"items": [_comment_out(c) for c in found], "next_cursor": after}


def _comment_out(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "scoop_id": comment.scoop_id,
        "author_name": comment.author_name,
        "body": comment.body,
        "status": comment.status,
        "report_count": comment.report_count,
        "created_at": comment.created_at,
    }


@api.post(
    "/topics/{slug}/comments/{int:comment_id}/moderate",
    response=s.CommentOut,
    auth=CURATE,
    tags=["comments"],
)
def comment_moderate(request: HttpRequest, slug: str, comment_id: int, body: s.ModerateIn):
    topic = _topic(request, slug, Action.MODERATE)
    comment = get_object_or_404(
        Comment.objects.select_related("scoop__topic"), pk=comment_id, scoop__topic=topic
    )
    return _comment_out(comments.moderate(_user(request), comment, body.action, timezone.now()))


# Analytics: what the Audience page shows, to whoever sees that page.
Period = Query(30, description="Days counted back from today: one of 7, 30, 90, 365")


def _period(days: int) -> int:
    if days not in PERIODS:
        raise Problem(400, "The period is one of 7, 30, 90 or 365 days.")
    return days


@api.get("/topics/{slug}/analytics/views", response=s.ViewsOut, auth=READ, tags=["analytics"])
def topic_views(request: HttpRequest, slug: str, days: int = Query(30, ge=1, le=366)):
    """Views of the topic's public pages per day (the days with views), newest first."""
    topic = _topic(request, slug, Action.VIEW_QUEUE)
    since = timezone.now().date() - timedelta(days=days - 1)
    rows = list(
        DailyCount.objects.filter(topic=topic, kind="views", key="", day__gte=since)
        .order_by("-day")
        .annotate(views=F("value"))
        .values("day", "views")
    )
    return {"total": sum(r["views"] for r in rows), "days": rows}


@api.get(
    "/topics/{slug}/analytics/audience", response=s.AudienceOut, auth=READ, tags=["analytics"]
)
def topic_audience(request: HttpRequest, slug: str, days: int = Period):
    """The topic's Audience page over the period, as its JSON export gives it."""
    topic = _topic(request, slug, Action.VIEW_QUEUE)
    figures = audience.build(topic, timezone.now(), _period(days))
    return audience.export(figures, topic.slug)


@api.get("/analytics/audience", response=s.AudienceOut, auth=READ, tags=["analytics"])
def site_audience(request: HttpRequest, days: int = Period):
    """The whole site's Audience page (site administrators only)."""
    if not is_site_admin(_user(request)):
        raise Problem(403, "Only site administrators see the whole site's audience.")
    return audience.export(audience.build(None, timezone.now(), _period(days)), "site")
