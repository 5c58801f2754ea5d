"""One id per request: on the response (``X-Request-ID``) and on every log line it causes.

A proxy in front may send its own id, which is kept when it is short and plain (letters,
digits, ``.``, ``_``, ``:``, ``-``: nothing that could forge a log field or a header);
otherwise one is made. The id lives in a context variable for the length of the request, so
the logging filter finds it without the request object: a traceback logged by Django's
``django.request`` logger carries the same id the reader's browser received.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
NO_REQUEST = "-"

_current: ContextVar[str] = ContextVar("florilege_request_id", default=NO_REQUEST)


def current() -> str:
    """The id of the request being handled, or ``-`` outside a request (worker, commands)."""
    return _current.get()


def accepted(raw: str | None) -> str | None:
    """The incoming id if it is safe to repeat in logs and headers, else None."""
    if raw and _VALID.fullmatch(raw):
        return raw
    return None


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Outermost, so a page served from the page cache gets an id too, and the id is never
    stored with a cached page (the next reader gets their own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted(request.META.get(_META_KEY)) or new_id()
        request.request_id = request_id  # type: ignore[attr-defined]  # our mark on Django's request
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, so a format can always name it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
