"""The part of the Miniflux API v1 that reader apps call, shaped as Miniflux's own API
documentation (miniflux.app/docs/api.html) and its Go client's ``client/model.go``
describe them: users, categories, feeds, entries and their ``EntryResultSet``
(``{"total", "entries"}``), errors as ``{"error_message"}``. Each topic is a category and a
feed with the topic's id; an entry's id is its suggestion's."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone

from florilege.readers import queue
from florilege.readers.views.auth import authenticated, json_error
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic

api = authenticated(json_error)
ORDERS = {"id", "status", "published_at", "category_title", "category_id", "changed_at"}
MAX_LIMIT = 1000
STATUSES = {"read", "unread", "removed"}


class BadRequest(Exception):
    pass


def _date(moment: datetime | None) -> str:
    return (moment or timezone.now()).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _category(topic: Topic, user) -> dict:
    return {"id": topic.pk, "title": topic.title, "user_id": user.pk, "hide_globally": False}


def _feed(request: HttpRequest, topic: Topic) -> dict:
    user = request.user
    page = request.build_absolute_uri(reverse("curation:queue", args=[topic.slug]))
    return {
        "id": topic.pk,
        "user_id": user.pk,
        "feed_url": page,
        "site_url": page,
        "title": topic.title,
        "checked_at": _date(None),
        "next_check_at": _date(None),
        "etag_header": "",
        "last_modified_header": "",
        "parsing_error_message": "",
        "parsing_error_count": 0,
        "scraper_rules": "",
        "rewrite_rules": "",
        "crawler": False,
        "blocklist_rules": "",
        "keeplist_rules": "",
        "user_agent": "",
        "username": "",
        "password": "",
        "disabled": False,
        "ignore_http_cache": False,
        "fetch_via_proxy": False,
        "hide_globally": False,
        "category": _category(topic, user),
        "icon": None,
    }


def _status(suggestion: Suggestion, seen: set[int]) -> str:
    if suggestion.status == Suggestion.Status.DISCARDED:
        return "removed"
    if suggestion.status == Suggestion.Status.SCOOPED or suggestion.pk in seen:
        return "read"
    return "unread"


def _entry(request: HttpRequest, suggestion: Suggestion, seen: set[int], feeds: dict) -> dict:
    entry = suggestion.entry
    topic = suggestion.topic
    if topic.pk not in feeds:
        feeds[topic.pk] = _feed(request, topic)
    return {
        "id": suggestion.pk,
        "user_id": request.user.pk,
        "feed_id": topic.pk,
        "status": _status(suggestion, seen),
        "hash": entry.key,
        "title": entry.title,
        "url": entry.url,
        "comments_url": "",
        "published_at": _date(entry.published_at or suggestion.created_at),
        "created_at": _date(suggestion.created_at),
        "changed_at": _date(suggestion.decided_at or suggestion.created_at),
        "content": entry.content or entry.summary,
        "author": entry.author or entry.source.display_name,
        "share_code": "",
        "starred": suggestion.status == Suggestion.Status.SCOOPED,
        "reading_time": max(1, len((entry.content or entry.summary).split()) // 265),
        "enclosures": [],
        "feed": feeds[topic.pk],
        "tags": list(entry.categories[:10]) if isinstance(entry.categories, list) else [],
    }


def _topic(request: HttpRequest, topic_id: int) -> Topic:
    for topic in queue.topics_of(request.user):
        if topic.pk == topic_id:
            return topic
    raise Http404


def _bool(raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise BadRequest("starred")


def _int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        raise BadRequest(name)
    return int(raw)


def _entries(request: HttpRequest, topics: list[Topic]) -> HttpResponse:
    """``GET /v1/entries`` and the category and feed variants: status (repeatable),
    starred, offset, limit, order, direction, category_id, feed_id."""
    params = request.GET
    statuses = set(params.getlist("status"))
    if statuses - STATUSES:
        raise BadRequest("status")
    order = params.get("order") or "score"
    if order != "score" and order not in ORDERS:
        raise BadRequest("order")
    direction = params.get("direction") or "desc"
    if direction not in ("asc", "desc"):
        raise BadRequest("direction")
    limit = min(_int(params.get("limit"), "limit", 100), MAX_LIMIT) or 100
    offset = _int(params.get("offset"), "offset", 0)
    for name in ("category_id", "feed_id"):
        if params.get(name):
            wanted = _int(params.get(name), name, 0)
            topics = [t for t in topics if t.pk == wanted]
    if _bool(params.get("starred")):
        state = queue.STARRED
    elif statuses == {"unread"}:
        state = queue.UNREAD
    elif statuses == {"read"}:
        state = queue.READ
    elif statuses == {"removed"}:
        return JsonResponse({"total": 0, "entries": []})
    else:
        state = queue.ALL
    if order == "score" and direction == "desc":
        # The queue's order, computed once for the pages of a sync.
        every = queue.ordered_ids(request.user, topics, state)
        total, page = len(every), queue.in_order(every[offset : offset + limit])
    else:
        found = queue.items(request.user, topics, state)
        sign = "-" if direction == "desc" else ""
        if order in ("id", "changed_at"):
            found = found.order_by(f"{sign}id")
        elif order == "published_at":
            found = found.order_by(f"{sign}entry__published_at", f"{sign}id")
        elif direction == "asc":  # the queue's order (best first) read backwards
            found = found.order_by("score", "id")
        pks = list(found.values_list("pk", flat=True)[offset : offset + limit])
        total, page = found.count(), queue.in_order(pks)
    seen = queue.seen_ids(request.user, [s.pk for s in page])
    feeds: dict = {}
    entries = [_entry(request, s, seen, feeds) for s in page]
    return JsonResponse({"total": total, "entries": entries})


def handles_bad_input(view):
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return json_error(400, f"Invalid parameter: {exc}")
        except Http404:
            return json_error(404, "Resource not found")

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _only(request: HttpRequest, *methods: str) -> HttpResponse | None:
    return None if request.method in methods else json_error(405, "Method not allowed")


@api
def me(request: HttpRequest) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    user = request.user
    assert user.is_authenticated  # by the decorator; tells the type checker
    return JsonResponse(
        {
            "id": user.pk,
            "username": user.get_username(),
            "is_admin": bool(user.is_superuser),
            "theme": "system_serif",
            "language": "en_US",
            "timezone": "UTC",
            "entry_sorting_direction": "desc",
            "entry_sorting_order": "published_at",
            "entries_per_page": 100,
            "keyboard_shortcuts": True,
            "show_reading_time": True,
            "entry_swipe": True,
            "stylesheet": "",
            "google_id": "",
            "openid_connect_id": "",
            "last_login_at": _date(user.last_login),
        }
    )


@api
def categories(request: HttpRequest) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    counts = request.GET.get("counts") == "true"
    body = []
    for topic in queue.topics_of(request.user):
        row = _category(topic, request.user)
        if counts:
            row["feed_count"] = 1
            row["total_unread"] = queue.items(request.user, [topic], queue.UNREAD).count()
        body.append(row)
    return JsonResponse(body, safe=False)


@api
def feeds(request: HttpRequest) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    return JsonResponse([_feed(request, t) for t in queue.topics_of(request.user)], safe=False)


@api
@handles_bad_input
def feed(request: HttpRequest, feed_id: int) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    return JsonResponse(_feed(request, _topic(request, feed_id)))


@api
@handles_bad_input
def category_feeds(request: HttpRequest, category_id: int) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    return JsonResponse([_feed(request, _topic(request, category_id))], safe=False)


@api
def counters(request: HttpRequest) -> HttpResponse:
    """``{"reads": {feed_id: n}, "unreads": {feed_id: n}}``, keys as strings in JSON."""
    reads, unreads = {}, {}
    for topic in queue.topics_of(request.user):
        reads[str(topic.pk)] = queue.items(request.user, [topic], queue.READ).count()
        unreads[str(topic.pk)] = queue.items(request.user, [topic], queue.UNREAD).count()
    return JsonResponse({"reads": reads, "unreads": unreads})


@api
@handles_bad_input
def entries(request: HttpRequest) -> HttpResponse:
    """``GET /v1/entries`` lists; ``PUT /v1/entries`` with ``{"entry_ids", "status"}``
    marks read (seen or discarded, as the user chose), unread, or removed (discarded)."""
    if request.method == "PUT":
        return _update_entries(request)
    if refused := _only(request, "GET"):
        return refused
    return _entries(request, queue.topics_of(request.user))


def _update_entries(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body") from None
    if not isinstance(body, dict):
        raise BadRequest("body")
    wanted = body.get("entry_ids")
    status = body.get("status")
    if (
        not isinstance(wanted, list)
        or not wanted
        or len(wanted) > 10000
        or not all(type(i) is int and 0 < i < 2**63 for i in wanted)
    ):
        raise BadRequest("entry_ids")
    if status not in STATUSES:
        raise BadRequest("status")
    now = timezone.now()
    if status == "unread":
        queue.mark_unread(request.user, wanted)
    else:
        queue.mark_read(request.user, wanted, now, discard=True if status == "removed" else None)
    return HttpResponse(status=204)


@api
@handles_bad_input
def entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    found = queue.visible(request.user, [entry_id])
    if not found:
        raise Http404
    seen = queue.seen_ids(request.user, [entry_id])
    return JsonResponse(_entry(request, found[0], seen, {}))


@api
@handles_bad_input
def bookmark(request: HttpRequest, entry_id: int) -> HttpResponse:
    """``PUT /v1/entries/{id}/bookmark``: in Miniflux a toggle; here a star is a scoop (a
    draft, or published where the topic allows one-click scoops), which a second call does
    not undo: the scoop is the curator's to edit or delete."""
    if refused := _only(request, "PUT", "POST"):
        return refused
    if not queue.visible(request.user, [entry_id]):
        raise Http404
    outcome = queue.star(request.user, [entry_id], timezone.now())
    if outcome.refused:
        return json_error(403, " ".join(outcome.refused))
    return HttpResponse(status=204)


@api
@handles_bad_input
def category_entries(request: HttpRequest, category_id: int) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    return _entries(request, [_topic(request, category_id)])


@api
@handles_bad_input
def feed_entries(request: HttpRequest, feed_id: int) -> HttpResponse:
    if refused := _only(request, "GET"):
        return refused
    return _entries(request, [_topic(request, feed_id)])


@api
@handles_bad_input
def mark_topic_read(request: HttpRequest, topic_id: int) -> HttpResponse:
    """``PUT /v1/feeds/{id}/mark-all-as-read`` and the category form."""
    if refused := _only(request, "PUT"):
        return refused
    queue.mark_all_read(request.user, [_topic(request, topic_id)], timezone.now())
    return HttpResponse(status=204)
