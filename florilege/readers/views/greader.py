"""The Google Reader API in the dialect FreshRSS documents (``p/api/greader.php`` and its
"Google Reader compatible API" page): the paths, parameters and JSON shapes below follow
it, so clients written for FreshRSS work unchanged with ``<site>/api/greader.php`` as the
server address. The Atom stream (``reader/atom/<stream>``) is the FeedHQ and Old Reader
variant newsboat's ``feedhq`` backend reads."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.xmlreader import AttributesImpl

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import rfc3339_date
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.csrf import csrf_exempt

from florilege.readers import access, ids, queue
from florilege.readers.views.auth import (
    authenticated,
    login_failed,
    login_limited,
    text_error,
    too_many,
)
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic

api = authenticated(text_error)
MAX_ITEMS = 10000  # what FreshRSS allows for n
MAX_IDS = 1000  # items asked for by id in one request


class BadRequest(Exception):
    """A parameter the API cannot read: answered 400 with its name."""


def _param(request: HttpRequest, name: str) -> str | None:
    value = request.POST.get(name)
    return value if value is not None else request.GET.get(name)


def _params(request: HttpRequest, name: str) -> list[str]:
    return request.POST.getlist(name) + request.GET.getlist(name)


def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = _param(request, name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise BadRequest(name)
    return max(low, min(high, int(raw)))


def _moment(request: HttpRequest, name: str, unit: int = 1) -> datetime | None:
    """A time in seconds (``unit`` 1) or microseconds (1_000_000) since the epoch."""
    raw = _param(request, name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise BadRequest(name)
    seconds = int(raw) / unit
    if seconds > 253402300799:  # year 9999
        raise BadRequest(name)
    return datetime.fromtimestamp(seconds, UTC)


def handles_bad_input(view):
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except BadRequest as exc:
            return text_error(400, f"Bad parameter: {exc}")

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _wants_post(request: HttpRequest) -> HttpResponse | None:
    if request.method != "POST":
        return text_error(405, "POST only")
    token = _param(request, "T")
    # FreshRSS refuses a wrong T with 401 and "Google-Bad-Token: true"; a client that sends
    # none relies on the Authorization header alone, which a browser never adds by itself.
    if token is not None and not access.token_ok(request.user, token):
        response = text_error(401, "Unauthorized")
        response["Google-Bad-Token"] = "true"
        return response
    return None


@csrf_exempt
def client_login(request: HttpRequest) -> HttpResponse:
    """``accounts/ClientLogin``: Email and Passwd (an app password) give the ``Auth`` token
    in FreshRSS's three lines (SID, LSID, Auth)."""
    now = timezone.now()
    blocked = login_limited(request, now)
    if not blocked.allowed:
        return too_many(blocked.retry_after, text_error)
    name = _param(request, "Email") or ""
    secret = _param(request, "Passwd") or ""
    user = access.user_for(secret, name, now) if name and secret else None
    if user is None:
        login_failed(request, now)
        return text_error(401, "Error=BadAuthentication")
    auth = f"{user.get_username()}/{secret}"
    body = f"SID={auth}\nLSID=null\nAuth={auth}\n"
    if _param(request, "output") == "json":
        return JsonResponse({"SID": auth, "LSID": "null", "Auth": auth})
    return HttpResponse(body, content_type="text/plain; charset=utf-8")


@api
def token(request: HttpRequest) -> HttpResponse:
    return HttpResponse(access.edit_token(request.user) + "\n", content_type="text/plain")


@api
def user_info(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert user.is_authenticated  # by the decorator; tells the type checker
    return JsonResponse(
        {
            "userId": str(user.pk),
            "userName": user.get_username(),
            "userProfileId": str(user.pk),
            "userEmail": user.email,
        }
    )


def _label(topic: Topic) -> str:
    return ids.LABEL_PREFIX + topic.title


@api
def tag_list(request: HttpRequest) -> HttpResponse:
    topics = queue.topics_of(request.user)
    tags: list[dict] = [{"id": ids.STARRED}]
    tags += [{"id": _label(t), "type": "folder"} for t in topics]
    return JsonResponse({"tags": tags})


@api
def subscription_list(request: HttpRequest) -> HttpResponse:
    subscriptions = [
        {
            "id": f"feed/{topic.pk}",
            "title": topic.title,
            "categories": [{"id": _label(topic), "label": topic.title}],
            "url": request.build_absolute_uri(reverse("curation:queue", args=[topic.slug])),
            "htmlUrl": request.build_absolute_uri(reverse("curation:queue", args=[topic.slug])),
            "iconUrl": "",
        }
        for topic in queue.topics_of(request.user)
    ]
    return JsonResponse({"subscriptions": subscriptions})


@api
def unread_count(request: HttpRequest) -> HttpResponse:
    counts = []
    total = 0
    for topic in queue.topics_of(request.user):
        n = queue.items(request.user, [topic], queue.UNREAD).count()
        total += n
        stamp = str(int(timezone.now().timestamp() * 1_000_000))
        counts.append({"id": f"feed/{topic.pk}", "count": n, "newestItemTimestampUsec": stamp})
        counts.append({"id": _label(topic), "count": n, "newestItemTimestampUsec": stamp})
    counts.append({"id": ids.READING_LIST, "count": total, "newestItemTimestampUsec": "0"})
    return JsonResponse({"max": total, "unreadcounts": counts})


def _selection(request: HttpRequest, stream_id: str) -> tuple[list[Topic], str]:
    """The topics and state a stream (with ``xt``/``it``) asks for."""
    stream = ids.parse_stream(stream_id)
    if stream is None:
        raise BadRequest("s")
    topics = queue.topics_of(request.user)
    if stream.kind == "feed":
        topics = [t for t in topics if t.pk == stream.topic_id]
    elif stream.kind == "label":
        topics = [t for t in topics if t.title == stream.label]
    state = queue.ALL
    if stream.kind == "starred":
        state = queue.STARRED
    elif stream.kind == "read":
        state = queue.READ
    exclude = ids.normalise_stream(_param(request, "xt") or "")
    include = ids.normalise_stream(_param(request, "it") or "")
    if exclude == ids.READ and state == queue.ALL:
        state = queue.UNREAD
    elif include == ids.READ and state == queue.ALL:
        state = queue.READ
    elif include == ids.STARRED:
        state = queue.STARRED
    return topics, state


def _found(request: HttpRequest, stream_id: str) -> tuple[list[int], str]:
    """The ids of one page of a stream as asked (``xt``/``it``, ``ot``/``nt``, ``r``, ``n``,
    ``c``), and the continuation of the next page ("" at the end)."""
    topics, state = _selection(request, stream_id)
    n = _int(request, "n", 20, 1, MAX_ITEMS)
    offset = ids.parse_continuation(_param(request, "c"))
    if offset is None:
        raise BadRequest("c")
    newer, older = _moment(request, "ot"), _moment(request, "nt")
    oldest_first = _param(request, "r") == "o"
    if newer is None and older is None and not oldest_first:
        # The plain sync, page after page: the queue's order computed once per sync.
        every = queue.ordered_ids(request.user, topics, state)
        pks = every[offset : offset + n + 1]
    else:
        found = queue.items(request.user, topics, state)
        if newer is not None:
            found = found.filter(created_at__gte=newer)
        if older is not None:
            found = found.filter(created_at__lte=older)
        if oldest_first:
            found = found.order_by("created_at", "id")
        pks = list(found.values_list("pk", flat=True)[offset : offset + n + 1])
    return pks[:n], str(offset + n) if len(pks) > n else ""


def _page(request: HttpRequest, stream_id: str) -> tuple[list[Suggestion], str]:
    """One page of a stream's items, with their entries, and the next continuation."""
    pks, more = _found(request, stream_id)
    return queue.in_order(pks), more


@api
@handles_bad_input
def stream_item_ids(request: HttpRequest) -> HttpResponse:
    """``stream/items/ids``: short (decimal) ids, as FreshRSS answers them."""
    stream_id = _param(request, "s")
    if stream_id is None:
        raise BadRequest("s")
    pks, more = _found(request, stream_id)
    body: dict = {"itemRefs": [{"id": str(pk)} for pk in pks]}
    if more:
        body["continuation"] = more
    return JsonResponse(body)


def _item(suggestion: Suggestion, categories: list[str]) -> dict:
    entry = suggestion.entry
    moment = entry.published_at or suggestion.created_at
    crawled = suggestion.created_at
    source = entry.source
    content = entry.content or entry.summary
    return {
        "id": ids.long_id(suggestion.pk),
        "crawlTimeMsec": str(int(crawled.timestamp() * 1000)),
        "timestampUsec": str(int(crawled.timestamp() * 1_000_000)),
        "published": int(moment.timestamp()),
        "updated": int((entry.updated_at or moment).timestamp()),
        "title": entry.title,
        "summary": {"content": content},
        "canonical": [{"href": entry.url}],
        "alternate": [{"href": entry.url, "type": "text/html"}],
        "categories": categories,
        "origin": {
            "streamId": f"feed/{suggestion.topic_id}",
            "title": suggestion.topic.title,
            "htmlUrl": source.site_url or source.url,
        },
        "author": entry.author or source.display_name,
    }


def _categories(suggestion: Suggestion, seen: set[int]) -> list[str]:
    found = [ids.READING_LIST, _label(suggestion.topic)]
    if suggestion.status == Suggestion.Status.SCOOPED:
        found += [ids.STARRED, ids.READ]
    elif suggestion.status == Suggestion.Status.DISCARDED or suggestion.pk in seen:
        found.append(ids.READ)
    return found


def _contents(request: HttpRequest, stream_id: str, page: list[Suggestion], more: str) -> dict:
    seen = queue.seen_ids(request.user, [s.pk for s in page])
    body: dict = {
        "id": stream_id,
        "updated": int(timezone.now().timestamp()),
        "items": [_item(s, _categories(s, seen)) for s in page],
    }
    if more:
        body["continuation"] = more
    return body


def _item_ids(request: HttpRequest) -> list[int]:
    raw = _params(request, "i")
    if len(raw) > MAX_IDS:
        raise BadRequest("i")
    parsed = [ids.parse_item_id(value) for value in raw]
    if any(pk is None for pk in parsed):
        raise BadRequest("i")
    return [pk for pk in parsed if pk is not None]


@api
@handles_bad_input
def stream_items_contents(request: HttpRequest) -> HttpResponse:
    """``stream/items/contents``: the items named by ``i`` (long or short ids, repeated),
    in the order asked."""
    wanted = _item_ids(request)
    visible = {s.pk: s for s in queue.visible(request.user, wanted)}
    page = [visible[pk] for pk in dict.fromkeys(wanted) if pk in visible]
    return JsonResponse(_contents(request, ids.READING_LIST, page, ""))


@api
@handles_bad_input
def stream_contents(request: HttpRequest, stream: str = "") -> HttpResponse:
    """``stream/contents/<stream>``: a page of a stream's items with their contents."""
    stream_id = stream or _param(request, "s") or ids.READING_LIST
    page, more = _page(request, stream_id)
    return JsonResponse(_contents(request, stream_id, page, more))


@api
@handles_bad_input
def edit_tag(request: HttpRequest) -> HttpResponse:
    """``edit-tag``: ``a`` adds and ``r`` removes the read and starred states of the items
    ``i``. Read: seen or discarded (the user's choice); starred: scooped."""
    if refused := _wants_post(request):
        return refused
    wanted = _item_ids(request)
    if not wanted:
        raise BadRequest("i")
    add = {ids.normalise_stream(a) for a in _params(request, "a")}
    remove = {ids.normalise_stream(r) for r in _params(request, "r")}
    now = timezone.now()
    refusals: list[str] = []
    if ids.STARRED in add:
        refusals += queue.star(request.user, wanted, now).refused
    if ids.READ in add:
        queue.mark_read(request.user, wanted, now)
    if ids.READ in remove or ids.KEPT_UNREAD in add:
        queue.mark_unread(request.user, wanted)
    # Removing a star changes nothing: the scoop is the curator's to edit or delete.
    if refusals:
        return text_error(403, " ".join(refusals))
    return HttpResponse("OK", content_type="text/plain")


@api
@handles_bad_input
def mark_all_as_read(request: HttpRequest) -> HttpResponse:
    """``mark-all-as-read``: the stream ``s`` up to ``ts`` (microseconds), if given."""
    if refused := _wants_post(request):
        return refused
    stream_id = _param(request, "s")
    if not stream_id:
        raise BadRequest("s")
    topics, state = _selection(request, stream_id)
    older = _moment(request, "ts", unit=1_000_000)
    # The starred and read streams hold nothing unread: marking them read changes nothing.
    if state in (queue.ALL, queue.UNREAD):
        queue.mark_all_read(request.user, topics, timezone.now(), older)
    return HttpResponse("OK", content_type="text/plain")


@api
@handles_bad_input
def atom_stream(request: HttpRequest, stream: str) -> HttpResponse:
    """``reader/atom/<stream>?n=``: the FeedHQ and Old Reader Atom form of a stream (what
    newsboat's ``feedhq`` backend reads): each entry's Google Reader states are
    ``<category scheme="http://www.google.com/reader/">`` elements whose label newsboat
    matches ("read", "fresh", "starred")."""
    page, more = _page(request, stream)
    seen = queue.seen_ids(request.user, [s.pk for s in page])
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    xml = SimplerXMLGenerator(response, "utf-8")
    xml.startDocument()
    namespaces = {
        "xmlns": "http://www.w3.org/2005/Atom",
        "xmlns:gr": "http://www.google.com/schemas/reader/atom/",
    }
    xml.startElement("feed", AttributesImpl(namespaces))
    xml.addQuickElement("id", f"tag:google.com,2005:reader/{stream}")
    xml.addQuickElement("title", stream)
    xml.addQuickElement("updated", rfc3339_date(timezone.now()))
    if more:
        xml.addQuickElement("gr:continuation", more)
    for suggestion in page:
        _atom_entry(xml, suggestion, _categories(suggestion, seen))
    xml.endElement("feed")
    return response


def _atom_entry(xml: SimplerXMLGenerator, suggestion: Suggestion, categories: list[str]) -> None:
    entry = suggestion.entry
    xml.startElement("entry", AttributesImpl({}))
    xml.addQuickElement("id", ids.long_id(suggestion.pk))
    xml.addQuickElement("title", entry.title, {"type": "html"})
    xml.addQuickElement("published", rfc3339_date(entry.published_at or suggestion.created_at))
    xml.addQuickElement("updated", rfc3339_date(entry.updated_at or suggestion.created_at))
    xml.addQuickElement("link", "", {"rel": "alternate", "href": entry.url, "type": "text/html"})
    xml.addQuickElement("summary", entry.content or entry.summary, {"type": "html"})
    xml.startElement("author", AttributesImpl({}))
    xml.addQuickElement("name", entry.author or entry.source.display_name)
    xml.endElement("author")
    for term in categories:
        if term.startswith("user/-/state/com.google/"):
            label = term.rsplit("/", 1)[1]
            attrs = {"term": term, "scheme": "http://www.google.com/reader/", "label": label}
            xml.addQuickElement("category", "", attrs)
    if ids.READ not in categories:
        fresh = "user/-/state/com.google/fresh"
        attrs = {"term": fresh, "scheme": "http://www.google.com/reader/", "label": "fresh"}
        xml.addQuickElement("category", "", attrs)
    xml.endElement("entry")
