"""``/go/<token>``: count a click out to an original article and send the reader there."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_safe

from florilege.analytics.clicks import BadToken, parse, record_click
from florilege.analytics.counting import own_host
from florilege.curation.models import Scoop
from florilege.lib.urls import http_href


@require_safe
def go(request: HttpRequest, token: str) -> HttpResponse:
    try:
        click = parse(token)
    except BadToken:
        raise Http404("unknown link") from None
    found = Scoop.objects.filter(pk=click.scoop_id).values_list("topic_id", "url").first()
    if found is None:
        raise Http404("no such scoop")
    topic_id, url = found
    target = http_href(url)
    if not target.startswith(("http://", "https://")):
        raise Http404("no address to go to")
    record_click(request.META, click, topic_id, timezone.now(), own_host())
    response = HttpResponseRedirect(target)
    # Each click must reach us to be counted; the redirect itself is never cached.
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
