"""The curator's topics: the list of those you work on, creating one, its settings, its
export and its deletion."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from florilege.curation.forms.topics import TopicForm
from florilege.curation.services import scooping
from florilege.curation.services import topics as topic_service
from florilege.curation.views.access import page_context, topic_for
from florilege.curation.views.queue import queue_sizes
from florilege.suggestions.learning import preview_rules
from florilege.topics.permissions import Action
from florilege.topics.services import topics_of


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    topics = list(
        topics_of(request.user)
        .annotate(
            scoop_count=Count("scoops", distinct=True),
            proposals=Count("scoops", filter=Q(scoops__status="awaiting"), distinct=True),
        )
        .order_by("title")
    )
    # One per story, as the queue counts its cards (not one per source of a story).
    sizes = queue_sizes([t.pk for t in topics])
    for topic in topics:
        topic.pending = sizes.get(topic.pk, 0)  # type: ignore[attr-defined]
    return render(request, "curation/dashboard.html", {"topics": topics})


@login_required
def topic_create(request: HttpRequest) -> HttpResponse:
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        topic = form.save(commit=False)
        user = request.user
        assert user.is_authenticated  # by login_required; tells the type checker
        topic.owner = user
        topic.save()
        messages.success(request, gettext("Topic created. Add a few sources to fill its queue."))
        return redirect("curation:sources", slug=topic.slug)
    return render(request, "curation/topic_form.html", {"form": form, "creating": True})


def _take_banner(form: TopicForm) -> bool:
    """Keep an uploaded banner for the pictures stage, as a scoop's upload is (same checks,
    same storage; its original never served), and make it the banner the form saves.
    False, with the reason on the form, if the file is refused."""
    upload = form.cleaned_data.get("header_image_upload")
    if not upload:
        return True
    try:
        url = scooping.store_upload(upload, timezone.now())
    except ValidationError as exc:
        form.add_error("header_image_upload", exc)
        return False
    form.use_banner(url)
    return True


def _settings_page(request: HttpRequest, topic, form: TopicForm, **extra) -> HttpResponse:
    banner = topic_service.banner_state(topic)
    context = page_context(request, topic, form=form, banner=banner, **extra)
    return render(request, "curation/topic_form.html", context)


@login_required
def topic_edit(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_TOPIC)
    before = topic_service.settings_of(topic)  # the form changes the instance as it checks
    form = TopicForm(request.POST or None, request.FILES or None, instance=topic)
    if request.method == "POST" and "preview" in request.POST:
        # Preview: show what the keywords would match; save nothing (nor keep an upload).
        preview = None
        if form.is_valid():
            data = form.cleaned_data
            preview = preview_rules(topic, data["keywords"], data["languages"])
        topic.refresh_from_db()
        return _settings_page(request, topic, form, preview=preview)
    if request.method == "POST" and form.is_valid() and _take_banner(form):
        topic = form.save(commit=False)
        topic_service.save_settings(topic, request.user, before, timezone.now())
        messages.success(request, gettext("Topic saved."))
        return redirect("curation:queue", slug=topic.slug)
    if request.method == "POST":
        topic.refresh_from_db()  # the page's title and links name the stored topic
    return _settings_page(request, topic, form)


@login_required
@require_safe
def topic_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic's settings, sources and scoops as a JSON download (docs/curation.md)."""
    topic = topic_for(request, slug, Action.MANAGE_TOPIC)
    data = topic_service.export_topic(topic, request.user, timezone.now())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    # The slug is [-a-z0-9_] only, so it needs no quoting in the header.
    response["Content-Disposition"] = f'attachment; filename="{topic.slug}.json"'
    return response


@login_required
def topic_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """A confirmation page (with the export offered first); the deletion needs the topic's
    title typed in."""
    topic = topic_for(request, slug, Action.DELETE_TOPIC)
    error = ""
    if request.method == "POST":
        try:
            topic_service.delete_topic(
                topic, request.user, request.POST.get("confirm", "")[:300], timezone.now()
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request, gettext("The topic “%(title)s” was deleted.") % {"title": topic.title}
            )
            return redirect("curation:dashboard")
    shared = topic.sources.count() - topic_service.sources_only_of(topic).count()
    context = page_context(request, topic, error=error, shared_sources=shared)
    return render(request, "curation/topic_delete.html", context, status=400 if error else 200)
