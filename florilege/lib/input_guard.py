"""Refuses, before any view runs, what no address or form of ours can mean: bytes that are
not UTF-8 in the path or the query string, control characters in the path, NUL anywhere.

Each view could check these itself, and most did not: a NUL reached an XML feed and the
database, an undecodable path reached the URL resolver's converters. One check here answers
them all with a 400 page in the visitor's language (the middleware runs after
``LocaleMiddleware``), whatever view is asked for, including the ones added later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORM = "application/x-www-form-urlencoded"


def bad_request(request: HttpRequest) -> HttpResponse:
    """The site's 400 page (``templates/400.html``)."""
    return render(request, "400.html", status=400)


def _as_text(raw: str) -> str | None:
    """WSGI hands over the request's bytes as latin-1 text: their UTF-8 reading, or None."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _path_is_bad(request: HttpRequest) -> bool:
    if isinstance(request, WSGIRequest):
        path = _as_text(request.META.get("PATH_INFO", ""))
        if path is None:
            return True
        # A %-escape of bytes that are not UTF-8 is as bad as the bytes themselves.
        try:
            unquote_to_bytes(path).decode("utf-8")
        except UnicodeDecodeError:
            return True
    else:
        path = request.path_info
    return bool(_PATH_CONTROL.search(path)) or bool(_PATH_CONTROL.search(request.path_info))


def _query_is_bad(raw: str) -> bool:
    if not raw:
        return False
    try:
        text = unquote_to_bytes(raw.replace("+", " ").encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return True
    return "\x00" in text


def _form_is_bad(request: HttpRequest) -> bool:
    if request.method != "POST" or request.content_type != _FORM:
        return False
    return any("\x00" in key or any("\x00" in v for v in values)
               for key, values in request.POST.lists())  # fmt: skip


def is_hostile(request: HttpRequest) -> bool:
    return (
        _path_is_bad(request)
        or _query_is_bad(request.META.get("QUERY_STRING", ""))
        or _form_is_bad(request)
    )


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_hostile(request):
            return bad_request(request)
        return self.get_response(request)
