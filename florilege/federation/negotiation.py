"""Content negotiation for the public pages: a topic's or scoop's page address answers
its ActivityPub document (the topic's actor, the scoop's Note) to a request that asks for
``application/activity+json`` or the ActivityStreams ``ld+json``.

That is how a fediverse server resolves an address pasted into its search. The pages are
publishing's, which must not import federation: so this middleware, in federation, steps
in once Django has resolved the URL (``process_view``), by the route's name, and adds
``Vary: Accept`` to the HTML those routes answer. The page cache, outside it, neither
serves nor stores anything for such a request (``publishing.cache``), so the HTML and the
JSON never share a cache entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from florilege.federation import views
from florilege.lib.negotiation import wants_activity_json

TOPIC_ROUTES = frozenset({"publishing:topic"})
SCOOP_ROUTES = frozenset({"publishing:scoop", "publishing:scoop_short"})


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else ""


class ActivityNegotiationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _route(request) in TOPIC_ROUTES | SCOOP_ROUTES:
            # The same address answers HTML or JSON: caches downstream must keep both.
            patch_vary_headers(response, ("Accept",))
        return response

    def process_view(
        self, request: HttpRequest, view: Callable, args: Any, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD"):
            return None
        if not wants_activity_json(request.headers.get("Accept", "")):
            return None
        route = _route(request)
        if route in TOPIC_ROUTES:
            return views.topic_actor_view(request, kwargs["slug"])
        if route in SCOOP_ROUTES:
            return views.scoop_document(request, kwargs["slug"], kwargs["pk"])
        return None
