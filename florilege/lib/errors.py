"""The server-error view: a 500 page, or a 503 with ``Retry-After`` when what failed was the
database connection (a restart, a failover, a full disk), so readers and their software are
told to come back rather than that the site is broken.

It renders without the database or a context processor (either may be what failed); the
traceback is logged by Django's request logger whichever page is shown."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

# Seconds a client is asked to wait: a database restart takes about this long.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """Errors raised when the database cannot be reached or dropped the connection, as
    opposed to a mistake in a query (``ProgrammingError``, ``IntegrityError``...)."""
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: Django calls it while handling the exception, so it is still current."""
    if database_unavailable(sys.exc_info()[1]):
        body = loader.get_template("503.html").render({"request": request})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(loader.get_template("500.html").render({"request": request}), status=500)
