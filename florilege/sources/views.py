"""The WebSub callback: where a hub verifies our subscription (GET) and pushes content (POST).

The URL carries an HMAC of the source id (``websub.callback_token``), so only the hub we
gave it to can reach a source's callback; anything else is a 404 like any unknown page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from florilege.lib.params import positive_id
from florilege.sources import websub
from florilege.sources.models import Source
from florilege.sources.services import websub as websub_service

log = logging.getLogger("florilege.websub")
READ_CHUNK = 64 * 1024


@csrf_exempt  # the hub is another server: it has no CSRF token, the URL's HMAC stands in
@require_http_methods(["GET", "POST"])
def websub_callback(request: HttpRequest, source_id: int, token: str) -> HttpResponse:
    if not websub.token_valid(settings.SECRET_KEY, source_id, token):
        raise Http404("unknown callback")
    source = get_object_or_404(Source, pk=source_id)
    if request.method == "GET":
        return _verify(request, source)
    return _push(request, source)


def _verify(request: HttpRequest, source: Source) -> HttpResponse:
    reply = websub_service.verify_intent(source, request.GET, timezone.now())
    if reply is None:
        raise Http404("no such subscription expected")
    return HttpResponse(reply, content_type="text/plain; charset=utf-8")


def _push(request: HttpRequest, source: Source) -> HttpResponse:
    if not websub_service.push_allowed(source):
        # 410 tells the hub the subscription is gone (WebSub §7); it may stop pushing.
        return HttpResponse("not subscribed", status=410, content_type="text/plain")
    body = _read_capped(request, settings.CONFIG.FETCH_MAX_BYTES)
    if body is None:
        log.warning("source=%s event=websub_push_too_large", source.pk)
        return HttpResponse("too large", status=413, content_type="text/plain")
    outcome = websub_service.receive_push(
        source,
        body,
        request.headers.get("X-Hub-Signature", ""),
        request.headers.get("Content-Type", ""),
        timezone.now(),
    )
    # The spec wants a 2xx even for a bad signature (the content is ignored, not refused),
    # so a forger learns nothing; 202 marks "received, not stored" in access logs.
    return HttpResponse(outcome, status=200 if outcome == "stored" else 202,
                        content_type="text/plain")  # fmt: skip


def _read_capped(request: HttpRequest, limit: int) -> bytes | None:
    """The body, or None when it exceeds ``limit``. Read from the stream in chunks rather
    than ``request.body``, whose own cap (DATA_UPLOAD_MAX_MEMORY_SIZE) is a form limit."""
    declared = positive_id(request.META.get("CONTENT_LENGTH", ""))
    if declared is not None and declared > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := request.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
