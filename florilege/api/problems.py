"""Errors as ``application/problem+json`` (RFC 9457), for every answer under ``/api/``.

The endpoints raise :class:`Problem` (or Django's exceptions, turned into problems by the
handlers in ``api.py``); :class:`ApiMiddleware` catches what never reached them (an
unknown address, a method not allowed, input refused before routing, a crash) and gives
it the same shape. It also answers conditional GETs (ETag, ``If-None-Match`` -> 304).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

log = logging.getLogger(__name__)
_HANDLED_BY_DJANGO = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/"
# The Google Reader dialect lives under /api/ too (FreshRSS puts it there, and reader apps
# expect it there), but answers in its own shapes: plain-text errors its clients parse.
FOREIGN = ("/api/greader.php",)


def _ours(path: str) -> bool:
    return path.startswith(PREFIX) and not path.startswith(FOREIGN)


class Problem(Exception):
    """An error to answer with; ``extra`` members are added to the document."""

    def __init__(self, status: int, detail: str = "", **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def document(status: int, detail: str = "", **extra: Any) -> dict[str, Any]:
    # "about:blank": the HTTP status says it all, and the title is its phrase (RFC 9457 4.2.1).
    body: dict[str, Any] = {"type": "about:blank", "title": _phrase(status), "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def response(status: int, detail: str = "", headers: dict[str, str] | None = None, **extra):
    answer = HttpResponse(
        json.dumps(document(status, detail, **extra)), status=status, content_type=MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        answer[name] = value
    return answer


def _etag(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


class ApiMiddleware:
    """Problem documents and ETags for ``/api/``; other paths pass through untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _ours(request.path_info):
            return self.get_response(request)
        answer = self.get_response(request)
        if answer.status_code >= 400 and not answer.get("Content-Type", "").startswith(MEDIA_TYPE):
            answer = self._as_problem(answer)
        elif (
            request.method in ("GET", "HEAD") and answer.status_code == 200 and not answer.streaming
        ):
            answer = self._conditional(request, answer)
        patch_vary_headers(answer, ["Authorization"])
        return answer

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not _ours(request.path_info) or isinstance(exc, _HANDLED_BY_DJANGO):
            return None  # Django answers these (404, 403, 400); __call__ reshapes the answer
        log.exception("API request failed: %s %s", request.method, request.path_info)
        return response(500, "The server failed; the error was logged.")

    @staticmethod
    def _as_problem(answer: HttpResponse) -> HttpResponse:
        """The answer made a problem document in place: the headers the middleware below
        added (security, Allow, Retry-After, WWW-Authenticate) stay."""
        if answer.streaming:
            return response(answer.status_code)
        answer.content = json.dumps(document(answer.status_code)).encode()
        answer["Content-Type"] = MEDIA_TYPE
        for stale in ("Content-Length", "Content-Encoding", "Content-Disposition", "ETag"):
            if stale in answer:
                del answer[stale]
        return answer

    @staticmethod
    def _conditional(request: HttpRequest, answer: HttpResponse) -> HttpResponse:
        etag = answer.get("ETag") or _etag(answer.content)
        answer["ETag"] = etag
        if _matches(request.headers.get("If-None-Match", ""), etag):
            # In place, like _as_problem, so the other headers stay (RFC 9110 15.4.5).
            answer.status_code = 304
            answer.content = b""
            for stale in ("Content-Type", "Content-Length"):
                if stale in answer:
                    del answer[stale]
        return answer
