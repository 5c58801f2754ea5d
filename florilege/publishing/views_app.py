"""The installable app's addresses: manifests, the service worker and the offline page."""

from __future__ import annotations

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from florilege.publishing import queries, web_app
from florilege.publishing.presentation import accent_pair

MANIFEST_TYPE = "application/manifest+json"
# The offline page uses these; the worker keeps copies so the page looks right offline.
OFFLINE_ASSETS = ("florilege/site.css", "florilege/favicon.svg")


def _manifest_response(data: dict[str, object]) -> JsonResponse:
    response = JsonResponse(
        data, content_type=MANIFEST_TYPE, json_dumps_params={"ensure_ascii": False}
    )
    patch_cache_control(response, max_age=3600)
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    home = reverse("publishing:home")
    place = web_app.AppPlace(
        name="Florilège",
        short_name="Florilège",
        description=gettext("Topics curated by people: the pages they chose, with their insight."),
        start_url=home,
        scope=home,
    )
    share = reverse("flow:share")
    data = web_app.manifest(place, lang=get_language(), static_url=static, share_action=share)
    return _manifest_response(data)


@require_safe
def topic_manifest(request: HttpRequest, slug: str) -> HttpResponse:
    """A public topic installed on its own: it opens on the topic page, under its title."""
    topic = queries.public_topic(slug)
    url = topic.get_absolute_url()
    accent = accent_pair(topic.accent_color)
    place = web_app.AppPlace(
        name=topic.title,
        short_name=web_app.short_name(topic.title),
        description=topic.description,
        start_url=url,
        scope=url,
        theme=accent[0] if accent else web_app.THEME,
    )
    return _manifest_response(web_app.manifest(place, lang=get_language(), static_url=static))


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker when a page cannot be reached. Its template reads no
    session and holds no form, so the copy the worker keeps is the same for everyone."""
    return render(request, "publishing/offline.html", _offline_context())


def _offline_context() -> dict[str, str]:
    return {"LANGUAGE_CODE": get_language()}


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker's script, at the site's root so that its scope covers every page.

    It names the offline page and the static files it needs; its cache name carries a
    digest of those and of the offline page, so a new release replaces the old copies."""
    offline_url = reverse("publishing:offline")
    assets = [static(name) for name in OFFLINE_ASSETS]
    offline_page = render_to_string("publishing/offline.html", _offline_context())
    digest = hashlib.sha256(
        json.dumps([offline_url, assets, offline_page]).encode("utf-8")
    ).hexdigest()[:16]
    script = render_to_string(
        "publishing/service-worker.js",
        {
            "version": json.dumps(digest),
            "offline_url": json.dumps(offline_url),
            "assets": json.dumps(assets),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    # Browsers look for a new worker at each visit; an intermediate cache must not hide it.
    patch_cache_control(response, no_cache=True)
    return response
