"""Readers' suggestions: the public "suggest a page" form of a topic, and discarding one
from the queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from florilege.curation.forms.reader import ReaderSuggestForm
from florilege.curation.services import reader
from florilege.curation.views.access import topic_for
from florilege.curation.views.queue import back_to_queue, done, refused, wants_fragment
from florilege.lib.client import client_address
from florilege.topics.models import Topic


@csrf_exempt
@require_POST
def reader_suggest(request: HttpRequest, slug: str) -> HttpResponse:
    """The public "suggest a page" form on a topic page. Nothing is fetched here.

    Exempt from CSRF on purpose: a token would give every reader of the public page a
    cookie and make the page differ per visitor (no shared cache). A forged cross-site post
    could only do what the visitor can do anyway, anonymously: suggest a link, within the
    same per-visitor limit. For the same reason the thanks is in the address, not a message
    stored in a cookie.
    """
    topic = get_object_or_404(Topic, slug=slug, is_public=True)
    form = ReaderSuggestForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            reader.suggest_page(
                topic,
                form.cleaned_data["url"],
                form.cleaned_data["note"],
                client_address(request.META),
                timezone.now(),
                honeypot=form.cleaned_data["website"],
            )
        except ValidationError as exc:
            status = 429 if isinstance(exc, reader.RateLimited) else 400
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return redirect(topic.get_absolute_url() + "?suggested=1#suggest")
    return render(
        request, "curation/reader_suggest.html", {"topic": topic, "form": form}, status=status
    )


@login_required
@require_POST
def reader_discard(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = topic_for(request, slug)
    try:
        reader.discard(topic, request.user, suggestion_id, timezone.now())
    except ValidationError as exc:
        return refused(request, topic, exc)
    if wants_fragment(request):
        return done(request, _("Discarded."))
    return back_to_queue(request, topic, request.POST.get("next", ""))
