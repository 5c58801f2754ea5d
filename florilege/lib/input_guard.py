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

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_request(request: HttpRequest) -> HttpResponse:
    """The site's 400 page (``templates/400.html``)."""
    return render(request, "400.html", status=400)


def _path_is_bad(request: HttpRequest) -> bool:
    path = request.path_info
    # Django turns the path's bytes that are not UTF-8 into %-escapes (and so does a
    # client that escapes them itself): undone, they must read as UTF-8.
    try:
        unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return bool(_PATH_CONTROL.search(path))


def _query_is_bad(raw: str) -> bool:
    if not raw:
        return False
    try:
        text = unquote_to_bytes(raw.replace("+", " ").encode("latin-1")).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return True
    return "\x00" in text


def _form_is_bad(request: HttpRequest) -> bool:
    if request.method != "POST" or request.content_type not in _FORMS:
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
