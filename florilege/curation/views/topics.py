"""The curator's topics: the list of those you work on, creating one, its settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from florilege.curation.forms.topics import TopicForm
from florilege.curation.views.access import topic_for
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
        topic.owner = request.user
        topic.save()
        messages.success(request, gettext("Topic created. Add a few sources to fill its queue."))
        return redirect("curation:sources", slug=topic.slug)
    return render(request, "curation/topic_form.html", {"form": form, "creating": True})


@login_required
def topic_edit(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.MANAGE_TOPIC)
    form = TopicForm(request.POST or None, instance=topic)
    if request.method == "POST" and "preview" in request.POST:
        # Preview: show what the keywords would match; save nothing.
        preview = None
        if form.is_valid():
            data = form.cleaned_data
            preview = preview_rules(topic, data["keywords"], data["languages"])
        topic.refresh_from_db()
        context = {"form": form, "topic": topic, "preview": preview}
        return render(request, "curation/topic_form.html", context)
    if request.method == "POST" and form.is_valid():
        topic = form.save()
        messages.success(request, gettext("Topic saved."))
        return redirect("curation:queue", slug=topic.slug)
    return render(request, "curation/topic_form.html", {"form": form, "topic": topic})
