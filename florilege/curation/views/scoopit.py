"""Importing a Scoop.it topic: a saved topic page or its RSS feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from florilege.curation.forms.sources import ScoopitImportForm
from florilege.curation.services import scoopit
from florilege.curation.views.access import page_context, topic_for
from florilege.topics.permissions import Action


@login_required
def scoopit_import(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_TOPIC)
    posted = request.method == "POST"
    form = ScoopitImportForm(request.POST, request.FILES) if posted else ScoopitImportForm()
    report = None
    if posted and form.is_valid():
        try:
            url = form.cleaned_data.get("feed_url") or ""
            data = form.cleaned_data.get("data") or scoopit.fetch_feed(url)
            report = scoopit.import_topic(topic, request.user, data, timezone.now(), url)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                ngettext("%(n)s scoop imported.", "%(n)s scoops imported.", report.added)
                % {"n": report.added},
            )
    context = page_context(request, topic, form=form, report=report)
    return render(request, "curation/scoopit.html", context, status=400 if form.errors else 200)
