"""Who is calling the reader-app APIs, and how much: one decorator per dialect that finds
the app password (GoogleLogin header, X-Auth-Token or HTTP Basic), applies the rate limit
and turns refusals into the dialect's own answers."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from florilege.analytics.throttle import address_key
from florilege.lib.client import client_address
from florilege.readers import access

View = Callable[..., HttpResponse]


def _credentials(request: HttpRequest) -> tuple[str, str | None] | None:
    """(secret, name or None) from whichever header the client sent."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sp, value = header.partition(" ")
    if scheme == "GoogleLogin" and value.startswith("auth="):
        # FreshRSS's Auth is "name/token"; ours is the app password, with or without a name.
        return value[len("auth=") :].strip().rpartition("/")[2], None
    if token := request.META.get("HTTP_X_AUTH_TOKEN", ""):
        return token.strip(), None
    if basic := access.basic_credentials(header):
        return basic[1], basic[0]
    return None


def failed_key(request: HttpRequest, now) -> str:
    return "fail:" + address_key(client_address(request.META), now)[:60]


def too_many(retry_after: int, make: Callable[[int, str], HttpResponse]) -> HttpResponse:
    response = make(429, "Too many requests: slow down.")
    response["Retry-After"] = str(retry_after)
    return response


def login_limited(request: HttpRequest, now) -> access.Limit:
    """Whether this address has failed to log in too often this minute (counts nothing)."""
    limit = settings.CONFIG.READER_API_FAILED_LOGINS_PER_MINUTE
    return access.hit(failed_key(request, now), limit, now, count=False)


def login_failed(request: HttpRequest, now) -> None:
    access.hit(failed_key(request, now), settings.CONFIG.READER_API_FAILED_LOGINS_PER_MINUTE, now)
    # The table keeps only the windows that can still refuse someone: an indexed delete
    # per failure, as the login throttle does.
    access.forget_old(now)


def authenticated(make_error: Callable[[int, str], HttpResponse]) -> Callable[[View], View]:
    """Views of one dialect: ``make_error(status, text)`` builds its refusals."""

    def decorate(view: View) -> View:
        @csrf_exempt  # no cookies: the credential is in every request's headers
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            now = timezone.now()
            blocked = login_limited(request, now)
            if not blocked.allowed:
                return too_many(blocked.retry_after, make_error)
            found = _credentials(request)
            user = access.user_for(found[0], found[1], now) if found else None
            if user is None:
                login_failed(request, now)
                return make_error(401, "Unauthorized")
            limit = settings.CONFIG.READER_API_REQUESTS_PER_MINUTE
            used = access.hit(f"pw:{user.app_password_id}", limit, now)
            if not used.allowed:
                return too_many(used.retry_after, make_error)
            request.user = user
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def text_error(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def json_error(status: int, text: str) -> HttpResponse:
    # Miniflux's error document: {"error_message": "..."} (miniflux/http/response/json).
    return JsonResponse({"error_message": text}, status=status)
