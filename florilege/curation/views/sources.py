"""A topic's sources: follow a feed or a site, options, removal, OPML import (upload) and
export (download)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from florilege.curation.forms.sources import OpmlImportForm, SourceForm
from florilege.curation.services.opml import ImportReport, export_opml, import_opml
from florilege.curation.services.sources import add_source, remove_source, set_full_text
from florilege.curation.views.access import topic_for
from florilege.sources.opml import MAX_OPML_BYTES
from florilege.topics.models import Topic, TopicSource
from florilege.topics.permissions import Action

# Rejected feeds listed on the result page; the count says how many more there were.
SHOWN_REJECTS = 50


def _form_error(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
def sources(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_SOURCES)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = add_source(topic, form.cleaned_data["url"], request.user, timezone.now())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, gettext("Now following %(name)s.") % {"name": source.display_name}
            )
            return redirect("curation:sources", slug=topic.slug)
    week_ago = timezone.now() - timedelta(days=7)
    links = (
        TopicSource.objects.filter(topic=topic)
        .select_related("source")
        .annotate(
            this_week=Count("source__entries", filter=Q(source__entries__fetched_at__gte=week_ago))
        )
        .order_by("-added_at")
    )
    return render(request, "curation/sources.html", {"topic": topic, "form": form, "links": links})


@login_required
@require_POST
def source_options(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_SOURCES)
    enabled = request.POST.get("full_text") == "on"
    set_full_text(topic, source_id, enabled, request.user, timezone.now())
    messages.success(request, gettext("Source options saved."))
    return redirect("curation:sources", slug=topic.slug)


@login_required
@require_POST
def source_remove(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_SOURCES)
    remove_source(topic, source_id, request.user)
    messages.success(request, gettext("Source removed from this topic."))
    return redirect("curation:sources", slug=topic.slug)


@login_required
def opml_import(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug)
    report: ImportReport | None = None
    posted = request.method == "POST"
    form = OpmlImportForm(request.POST, request.FILES) if posted else OpmlImportForm()
    if posted and form.is_valid():
        try:
            report = import_opml(topic, form.cleaned_data["file"], request.user, timezone.now())
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, _summary(report))
    context = {
        "topic": topic,
        "form": form,
        "report": report,
        "rejects": report.invalid[:SHOWN_REJECTS] if report else [],
        "max_mb": MAX_OPML_BYTES // (1024 * 1024),
    }
    return render(request, "curation/opml.html", context, status=400 if form.errors else 200)


def _summary(report: ImportReport) -> str:
    added = len(report.added)
    parts = [ngettext("%(n)s feed added", "%(n)s feeds added", added) % {"n": added}]
    if report.already_followed:
        n = len(report.already_followed)
        parts.append(ngettext("%(n)s already followed", "%(n)s already followed", n) % {"n": n})
    if report.invalid:
        n = len(report.invalid)
        parts.append(ngettext("%(n)s skipped", "%(n)s skipped", n) % {"n": n})
    if report.duplicates:
        n = report.duplicates
        parts.append(ngettext("%(n)s listed twice", "%(n)s listed twice", n) % {"n": n})
    tail = " " + gettext("They will be fetched within minutes.") if report.added else ""
    return ", ".join(parts) + "." + tail


@login_required
def opml_export(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    body = export_opml(topic, request.user, timezone.now())
    response = HttpResponse(body, content_type="text/x-opml; charset=utf-8")
    # The slug is [-a-z0-9_] only, so it needs no quoting in the header.
    response["Content-Disposition"] = f'attachment; filename="{topic.slug}.opml"'
    return response
