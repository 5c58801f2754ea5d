"""Full-page cache for anonymous readers of public pages and feeds.

A cached page is stored with the *version* of what it shows: its topic's ``changed_at``
stamp (bumped by publishing.signals whenever the topic or one of its scoops is saved or
deleted), or for site-wide pages (home, curator profiles, sitemap) the newest stamp of all
topics. A hit is served only while the version is still current, so a change shows on the
next request in every process, whatever the cache backend; a version read from the
database is kept for ``VERSION_MEMO_SECONDS`` by the process and, through the cache, for
the other processes (so another process's change can take that long to appear, and a host
serving a page another host just cached reads no version from the database). The process
that made a change reads the database meanwhile, so it shows its own change at once. A page
also expires when a scheduled scoop of its scope comes due.

Keys carry the negotiated language, so a French reader never gets the English page;
signed-in users (any request with a session cookie) are never served from nor stored in
the cache. Responses carry ``Vary: Accept-Language, Cookie`` for shared caches downstream
(and ``Vary: Accept`` where the page also has an ActivityPub form, added by federation).

Pages and feeds stored here are compressed once, when stored (gzip, ``lib.compression``),
and a reader whose client takes gzip gets the compressed copy (``Vary: Accept-Encoding``).
Only what this cache stores is compressed: pages for anonymous readers, the same for all
of them, without a secret in them, so BREACH (guessing a secret from compressed sizes)
has nothing to find; a page that used a CSRF token is never stored, and signed-in users'
pages never pass here. Nothing else is compressed.

A request asking for an ActivityPub document (``lib.negotiation``) bypasses the cache both
ways: the same address answers it with JSON (federation negotiates it, signed or not, for
authorized fetch), so it must never get the cached HTML, nor its JSON be stored under the
key an anonymous reader's HTML is looked up by.
"""

from __future__ import annotations

import copy
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse, parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.encoding import escape_uri_path, iri_to_uri, repercent_broken_unicode
from django.utils.http import parse_http_date_safe

from florilege.analytics.counting import Target, count_view_of, counted_without_db
from florilege.curation.models import Scoop
from florilege.lib.compression import accepts_gzip, gzipped
from florilege.lib.negotiation import wants_activity_json
from florilege.topics.models import Topic

CACHE_ALIAS = "pages"
VERSION_MEMO_SECONDS = 1.0
MAX_PATH = 512
LOCAL_ENTRIES = 512
_memo: dict[str, tuple[float, str]] = {}
# Ready-made responses per process, in front of the shared cache: a hit costs no
# unpickling and no header encoding. Each holds its entry's expiry and version.
_local: dict[str, tuple[float, dict, HttpResponse]] = {}
# Until when this process, having just changed a topic, reads versions from the database
# only (see forget_local).
_shared_distrusted_until = [0.0]


@dataclass(frozen=True)
class Scope:
    """What a page shows: one topic (``topic_id``) or the whole site (``None``), and its
    version as read (wall-clock ``read_at``, which bounds how long it may be shared)."""

    topic_id: int | None
    version: str
    read_at: float = field(default_factory=time.time, compare=False)

    @property
    def key(self) -> str:
        return "site" if self.topic_id is None else f"topic:{self.topic_id}"


def stamp_topic(topic: Topic) -> None:
    topic.changed_at = timezone.now()


def touch_topic(topic_id: int | None) -> None:
    """Mark a topic changed (a scoop was added, edited or removed); one UPDATE, no I/O."""
    if topic_id is not None:
        Topic.objects.filter(pk=topic_id).update(changed_at=timezone.now())
    forget_local()


def touch_scoop_topic(scoop_id: int) -> None:
    """Mark changed the topic of a scoop whose readers' counts changed."""
    topic_id = Scoop.objects.filter(pk=scoop_id).values_list("topic_id", flat=True).first()
    touch_topic(topic_id)


def forget_local() -> None:
    _memo.clear()
    # This process changed something: its next pages must show it at once, so versions
    # other processes shared (each read up to a second before) are not taken here for a
    # second, counted from the commit (until then the others still read the old one).
    _distrust_shared()
    transaction.on_commit(_distrust_shared)


def _distrust_shared() -> None:
    _shared_distrusted_until[0] = time.monotonic() + VERSION_MEMO_SECONDS


def clear_all() -> None:
    """Empty the shared cache and this process's copies (tests, and after a deploy)."""
    caches[CACHE_ALIAS].clear()
    _local.clear()
    _memo.clear()


def site_version() -> str:
    stats = Topic.objects.aggregate(n=Count("id"), changed=Max("changed_at"))
    changed = stats["changed"].isoformat() if stats["changed"] else ""
    return f"{stats['n']}:{changed}"


def topic_version(topic: Topic) -> str:
    return _topic_version(topic.is_public, topic.slug, topic.changed_at)


def _topic_version(is_public: bool, slug: str, changed_at: datetime) -> str:
    return f"{is_public}:{slug}:{changed_at.isoformat()}"


def site_scope() -> Scope:
    return Scope(None, site_version())


def topic_scope(topic: Topic) -> Scope:
    return Scope(topic.pk, topic_version(topic))


def _shared_key(scope_key: str) -> str:
    return f"pagever:{scope_key}"


def _shares_versions(store) -> bool:
    """Versions are shared where the cache is one server for every process (Redis): with
    memory each process has its own anyway, and with the database cache sharing would add
    writes to readers' requests."""
    return isinstance(store, RedisCache)


def _share(store, scope_key: str, version: str, read_at: float, *, replace: bool) -> None:
    """Offer the others ``version`` as read at ``read_at`` (wall clock), for what is left of
    its ``VERSION_MEMO_SECONDS``; ``replace=False`` keeps a version already offered."""
    if read_at + VERSION_MEMO_SECONDS <= time.time():
        return  # already too old to be taken
    value = (version, read_at)
    timeout = math.ceil(VERSION_MEMO_SECONDS)
    if replace:
        store.set(_shared_key(scope_key), value, timeout=timeout)
    else:
        store.add(_shared_key(scope_key), value, timeout=timeout)


def _shared_version(store, scope_key: str) -> tuple[str, float] | None:
    """A version another process read less than ``VERSION_MEMO_SECONDS`` ago, and for how
    many more seconds it may be taken."""
    found = store.get(_shared_key(scope_key))
    if not (isinstance(found, tuple) and len(found) == 2):
        return None
    version, read_at = found
    left = read_at + VERSION_MEMO_SECONDS - time.time()
    return (version, left) if left > 0 else None


def current_version(scope_key: str) -> str | None:
    """The version of ``scope_key`` (see the module's note): from this process's memo, else
    from the one processes share through a Redis cache, else from the database (and then
    shared). Whichever gives it, it was read from the database under
    ``VERSION_MEMO_SECONDS`` ago, and is kept only until that age."""
    now = time.monotonic()
    memo = _memo.get(scope_key)
    if memo and memo[0] > now:
        return memo[1]
    store = caches[CACHE_ALIAS]
    shares = _shares_versions(store)
    version: str | None
    found = None
    if shares and now >= _shared_distrusted_until[0]:
        found = _shared_version(store, scope_key)
    if found is not None:
        version, left = found
    else:
        read_at = time.time()
        version, left = _version_in_database(scope_key), VERSION_MEMO_SECONDS
        if version is not None and shares:
            _share(store, scope_key, version, read_at, replace=True)
    if version is not None:
        _memo[scope_key] = (now + left, version)
    return version


def _version_in_database(scope_key: str) -> str | None:
    if scope_key == "site":
        return site_version()
    # The three fields, not the topic: a whole model instance (with its ordering) cost twice
    # the rest of serving a page another host cached.
    found = list(
        Topic.objects.filter(pk=int(scope_key.split(":")[1])).values_list(
            "is_public", "slug", "changed_at"
        )[:1]
    )
    return _topic_version(*found[0]) if found else None


def mark(
    response: HttpResponse, scope: Scope, count_view: Target | int | None = None
) -> HttpResponse:
    """Let the middleware cache ``response`` (if the visitor is anonymous) under ``scope``.
    ``count_view``: a topic whose view is counted on every hit too, as the view would."""
    # Marks of our own on Django's response (read back with getattr): unknown to its type.
    response.florilege_scope = scope  # type: ignore[attr-defined]
    response.florilege_count_view = count_view  # type: ignore[attr-defined]
    return response


def _seconds_until_next_scheduled(scope: Scope, now: datetime) -> float | None:
    upcoming = Scoop.objects.filter(published_at__gt=now)
    if scope.topic_id is not None:
        upcoming = upcoming.filter(topic_id=scope.topic_id)
    soonest = upcoming.aggregate(at=Min("published_at"))["at"]
    return (soonest - now).total_seconds() if soonest else None


def _cache_key(request: HttpRequest, language: str) -> str | None:
    return _key(request.get_full_path(), language)


def _key(path: str, language: str) -> str | None:
    if len(path) > MAX_PATH:
        return None
    digest = hashlib.sha256(path.encode("utf-8", "replace")).hexdigest()[:32]
    return f"page:{language}:{digest}"


# A session (signed in, or a form in progress) or a message waiting to be shown: the page
# is this visitor's own, never a shared copy.
PRIVATE_COOKIES = ("SESSION_COOKIE_NAME", "MESSAGE_COOKIE_NAME")


def _private(cookies: dict[str, str]) -> bool:
    names = {getattr(settings, n, "messages") for n in PRIVATE_COOKIES}
    return any(name in cookies for name in names)


def _anonymous(request: HttpRequest) -> bool:
    return not _private(request.COOKIES)


def _local_get(key: str) -> tuple[dict, HttpResponse] | None:
    found = _local.get(key)
    if found is None:
        return None
    if found[0] < time.monotonic():
        _local.pop(key, None)
        return None
    return found[1], found[2]


def _local_put(key: str, entry: dict) -> tuple[dict, HttpResponse] | None:
    left = entry.get("expires", 0) - time.time()
    if left <= 0:
        return None
    prototype = _prototype(entry)
    entry = {**entry, "wsgi": _wsgi(prototype)}
    packed = entry.get("gzip")
    if packed is not None:
        compressed = _prototype(entry)
        compress(compressed, packed)
        entry |= {"gzip_prototype": compressed, "wsgi_gzip": _wsgi(compressed)}
    if len(_local) >= LOCAL_ENTRIES:
        _local.clear()  # crude but bounded; the shared cache still has them
    _local[key] = (time.monotonic() + left, entry, prototype)
    return entry, prototype


def _prototype(entry: dict) -> HttpResponse:
    prototype = HttpResponse(entry["content"], status=entry["status"])
    for name, value in entry["headers"]:
        prototype[name] = value
    prototype["X-Page-Cache"] = "hit"
    return prototype


def _wsgi(response: HttpResponse) -> tuple[str, list, bytes]:
    return (
        f"{response.status_code} {response.reason_phrase}",
        list(response.items()),
        response.content,
    )


def compress(response: HttpResponse, packed: bytes) -> None:
    """Make ``response`` carry ``packed``, its body compressed with gzip."""
    response.content = packed
    response["Content-Encoding"] = "gzip"
    response["Content-Length"] = str(len(packed))
    etag = response.get("ETag", "")
    # The compressed bytes are another representation: a weak validator says so, and
    # still matches the strong one in If-None-Match (weak comparison).
    if etag.startswith('"'):
        response["ETag"] = "W/" + etag


class PageCacheMiddleware:
    """The outermost middleware: a hit skips everything after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.CONFIG.PAGE_CACHE_SECONDS
        if (
            seconds <= 0
            or request.method not in ("GET", "HEAD")
            or request.path_info.startswith(self.static_prefix)
            or not _anonymous(request)
            or wants_activity_json(request.headers.get("Accept", ""))
        ):
            return self.get_response(request)
        language = translation.get_language_from_request(request)
        key = _cache_key(request, language)
        if key is None:
            return self.get_response(request)
        store = caches[CACHE_ALIAS]
        found = _local_get(key)
        if found is None:
            entry = store.get(key)
            found = _local_put(key, entry) if entry is not None else None
        if found is not None and current_version(found[0]["scope"]) == found[0]["version"]:
            return self._hit(request, *found)
        response = self.get_response(request)
        packed = self._store(request, response, store, key, seconds)
        if packed is not None and accepts_gzip(request.headers.get("Accept-Encoding", "")):
            compress(response, packed)
        return response

    def _hit(self, request: HttpRequest, entry: dict, prototype: HttpResponse) -> HttpResponse:
        if entry.get("count_view"):
            count_view_of(request, entry["count_view"])
        if "gzip_prototype" in entry and accepts_gzip(request.headers.get("Accept-Encoding", "")):
            prototype = entry["gzip_prototype"]
        # A shallow copy shares the (never modified) content and headers; the handler
        # appends its own closers to the list, which must not be shared.
        response = copy.copy(prototype)
        response._resource_closers = []  # type: ignore[attr-defined]  # Django's, not in the stubs
        meta = request.META
        if "HTTP_IF_NONE_MATCH" not in meta and "HTTP_IF_MODIFIED_SINCE" not in meta:
            return response
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        checked = get_conditional_response(
            request, etag=response.get("ETag"), last_modified=last_modified, response=response
        )
        # Given a response, Django returns it or a 304/412 in its place, never None.
        return response if checked is None else checked

    def _store(self, request, response, store, key: str, seconds: float) -> bytes | None:
        """Store ``response`` if it may be shared; its gzipped body (if worth having)."""
        scope: Scope | None = getattr(response, "florilege_scope", None)
        user = getattr(request, "user", None)
        if (
            scope is None
            or response.status_code != 200
            or response.streaming
            or response.cookies
            or (user is not None and user.is_authenticated)
            # The page holds a CSRF token: it is this visitor's, and a secret.
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        ):
            return None
        patch_vary_headers(response, ("Accept-Language", "Cookie", "Accept-Encoding"))
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.md5(response.content).hexdigest()}"'
        response["X-Page-Cache"] = "miss"
        until_scheduled = _seconds_until_next_scheduled(scope, timezone.now())
        if until_scheduled is not None:
            seconds = min(seconds, until_scheduled)
        entry = {
            "scope": scope.key,
            "version": scope.version,
            "count_view": getattr(response, "florilege_count_view", None),
            "status": response.status_code,
            "expires": time.time() + seconds,
            "content": response.content,
            "gzip": gzipped(response.content),
            "headers": [(k, v) for k, v in response.items() if k.lower() != "x-page-cache"],
        }
        store.set(key, entry, timeout=seconds)
        if _shares_versions(store):
            # The version too, as read for this page (unless another process offered a
            # later read): another host serving the page within the memo's second needs
            # no database read for it.
            _share(store, scope.key, scope.version, scope.read_at, replace=False)
        _local_put(key, entry)
        _memo.setdefault(scope.key, (time.monotonic() + VERSION_MEMO_SECONDS, scope.version))
        return entry["gzip"]


class _Environ(HttpRequest):
    """Just enough of a request for Django's language negotiation (no parent's set-up)."""

    def __init__(self, environ: dict, cookies: dict[str, str]) -> None:
        self.META = environ
        self.COOKIES = cookies


def _target(value: Target | int) -> Target:
    return value if isinstance(value, Target) else Target(value)


# Sets of negotiation headers (host, languages, language cookie, encodings, Accept), and
# addresses, whose answers a process keeps: a few dozen header sets cover a site's readers;
# the bound is for hostile clients.
NEGOTIATED_KEPT = 4096
NEGOTIATED_HEADER_CHARS = 512


class FastPath:
    """A WSGI front for the commonest request of all: an anonymous reader asking for a page
    this process already holds, still current, whose view needs no counting. It answers
    without building a Django request (no handler, signals or middleware); anything else
    (a first visit, a session, a conditional request, a stale version) goes to Django,
    whose PageCacheMiddleware does the same job with every check."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")
        # What this process worked out for the negotiation headers readers send (the page's
        # language and whether gzip is taken, or None when the front leaves such requests
        # to Django), and each address's cache key in a language: readers' browsers send
        # the same few header sets for many addresses, so the two are kept apart.
        self._seen: dict[tuple[str, ...], tuple[str, bool] | None] = {}
        self._keys: dict[tuple[str, str, str], str | None] = {}

    def __call__(self, environ: dict, start_response: Callable) -> object:
        try:
            served = self._serve(environ)
        except Exception:  # the fast path must never cost a reader the page
            served = None
        if served is None:
            return self.app(environ, start_response)
        status, headers, body = served
        start_response(status, headers)
        return [body]

    def _serve(self, environ: dict) -> tuple[str, list, bytes] | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return None
        if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
            return None
        raw_path = environ.get("PATH_INFO", "/")
        if not _local or environ.get("SCRIPT_NAME") or raw_path.startswith(self.static_prefix):
            return None
        if settings.CONFIG.PAGE_CACHE_SECONDS <= 0:
            return None
        cookies: dict[str, str] = {}
        if "HTTP_COOKIE" in environ:
            cookies = parse_cookie(environ["HTTP_COOKIE"])
            if _private(cookies):
                return None
        headers = (
            environ.get("HTTP_HOST", ""),
            environ.get("HTTP_ACCEPT_LANGUAGE", ""),
            # Not the whole Cookie header: it varies by visitor (a CSRF token), this not.
            cookies.get(settings.LANGUAGE_COOKIE_NAME, "") if cookies else "",
            environ.get("HTTP_ACCEPT_ENCODING", ""),
            environ.get("HTTP_ACCEPT", ""),
        )
        try:  # one lookup: another thread may clear the memo meanwhile
            negotiated = self._seen[headers]
        except KeyError:
            negotiated = self._negotiated(headers, environ, cookies)
        if negotiated is None:
            return None
        language, gzip_ok = negotiated
        address = (raw_path, environ.get("QUERY_STRING", ""), language)
        try:
            key = self._keys[address]
        except KeyError:
            key = self._address_key(address)
        found = _local_get(key) if key else None
        if found is None:
            return None
        entry = found[0]
        memo = _memo.get(entry["scope"])
        if memo is None or memo[0] < time.monotonic() or memo[1] != entry["version"]:
            return None
        # The time as timezone.now() gives it (USE_TZ is always on), without its settings
        # lookup: a tenth of a hit.
        if entry.get("count_view") and not counted_without_db(
            environ, _target(entry["count_view"]), datetime.now(UTC)
        ):
            return None
        if gzip_ok and "wsgi_gzip" in entry:
            return entry["wsgi_gzip"]
        return entry["wsgi"]

    def _negotiated(
        self, headers: tuple[str, ...], environ: dict, cookies: dict[str, str]
    ) -> tuple[str, bool] | None:
        """The page's language and whether gzip is taken for these request headers, or
        None when the front leaves such requests to Django (ActivityPub, a host that is not
        ours): Django's checks, the same answers."""
        host, _languages, _cookie, encodings, accept = headers
        found: tuple[str, bool] | None = None
        if not wants_activity_json(accept):
            domain, _port = split_domain_port(host)
            if domain and validate_host(domain, settings.ALLOWED_HOSTS):
                language = translation.get_language_from_request(_Environ(environ, cookies))
                found = (language, accepts_gzip(encodings))
        # Browsers' values are short: long ones (a client filling the memo with kilobytes
        # of headers) are worked out each time, never kept.
        if sum(map(len, headers)) <= NEGOTIATED_HEADER_CHARS:
            if len(self._seen) >= NEGOTIATED_KEPT:
                self._seen.clear()  # odd headers by the thousand: start again
            self._seen[headers] = found
        return found

    def _address_key(self, address: tuple[str, str, str]) -> str | None:
        """The cache key of an address in a language, remembered: readers ask for the same
        few addresses over and over (the escaping and the digest were a fifth of a hit)."""
        raw_path, query, language = address
        key = self._key(raw_path, query, language)
        # The same bound as for the headers: a client sending endless new addresses fills
        # the memo only to have it start again.
        if len(raw_path) + len(query) <= NEGOTIATED_HEADER_CHARS:
            if len(self._keys) >= NEGOTIATED_KEPT:
                self._keys.clear()
            self._keys[address] = key
        return key

    @staticmethod
    def _key(raw_path: str, query: str, language: str) -> str | None:
        """The cache key Django's side gives this address (see ``_cache_key``)."""
        # As Django reads the path (WSGIRequest): bytes that are not UTF-8 percent-encoded.
        path = escape_uri_path(repercent_broken_unicode(raw_path.encode("latin-1")).decode())
        return _key(path + ("?" + iri_to_uri(query) if query else ""), language)
