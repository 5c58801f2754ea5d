"""Curator-side views. Thin: forms validate, services decide, templates show."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from florilege.curation.forms import ScoopForm, ScoopUrlForm, SourceForm, TopicForm
from florilege.curation.models import Topic, TopicSource
from florilege.curation.services import scooping
from florilege.curation.services.sources import add_source, remove_source, set_full_text
from florilege.curation.services.topics import can_curate
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError
from florilege.lib.urls import domain_of, is_http_url
from florilege.sources.extract import extract_page
from florilege.suggestions.learning import preview_rules
from florilege.suggestions.models import Suggestion, TopicRanker

QUEUE_PAGE = 25


def _topic_for(request: HttpRequest, slug: str) -> Topic:
    topic = get_object_or_404(Topic, slug=slug)
    if not can_curate(request.user, topic):
        raise PermissionDenied("You do not curate this topic.")
    return topic


def _form_error(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    topics = (
        Topic.objects.filter(owner=request.user)
        .annotate(
            pending=Count("suggestions", filter=Q(suggestions__status="pending"), distinct=True),
            scoop_count=Count("scoops", distinct=True),
        )
        .order_by("title")
    )
    return render(request, "curation/dashboard.html", {"topics": topics})


@login_required
def topic_create(request: HttpRequest) -> HttpResponse:
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        topic = form.save(commit=False)
        topic.owner = request.user
        topic.save()
        messages.success(request, "Topic created. Add a few sources to fill its queue.")
        return redirect("curation:sources", slug=topic.slug)
    return render(request, "curation/topic_form.html", {"form": form, "creating": True})


@login_required
def topic_edit(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic_for(request, slug)
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
        messages.success(request, "Topic saved.")
        return redirect("curation:queue", slug=topic.slug)
    return render(request, "curation/topic_form.html", {"form": form, "topic": topic})


@login_required
def sources(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic_for(request, slug)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = add_source(topic, form.cleaned_data["url"], request.user, timezone.now())
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Now following {source.display_name}.")
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
    topic = _topic_for(request, slug)
    enabled = request.POST.get("full_text") == "on"
    set_full_text(topic, source_id, enabled, request.user, timezone.now())
    messages.success(request, "Source options saved.")
    return redirect("curation:sources", slug=topic.slug)


@login_required
@require_POST
def source_remove(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    topic = _topic_for(request, slug)
    remove_source(topic, source_id, request.user)
    messages.success(request, "Source removed from this topic.")
    return redirect("curation:sources", slug=topic.slug)


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic_for(request, slug)
    pending = (
        Suggestion.objects.filter(topic=topic, status=Suggestion.Status.PENDING)
        .select_related("entry", "entry__source")
        .order_by("-score", "-id")
    )
    page = Paginator(pending, QUEUE_PAGE).get_page(request.GET.get("page"))
    ranker = TopicRanker.objects.filter(topic=topic).defer("state", "meta").first()
    return render(request, "curation/queue.html", {"topic": topic, "page": page, "ranker": ranker})


@login_required
def scoop_suggestion(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = _topic_for(request, slug)
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("entry", "entry__source"), pk=suggestion_id, topic=topic
    )
    initial = ScoopForm.initial_from(scooping.draft_from_suggestion(suggestion))
    form = ScoopForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            scoop = scooping.scoop_suggestion(
                suggestion, request.user, form.draft(), timezone.now()
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "Scooped. It is on your topic page.")
            return redirect(scoop.get_absolute_url())
    context = {"topic": topic, "form": form, "suggestion": suggestion, "preview": initial}
    return render(request, "curation/scoop_form.html", context)


@login_required
@require_POST
def discard(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = _topic_for(request, slug)
    suggestion = get_object_or_404(Suggestion, pk=suggestion_id, topic=topic)
    try:
        scooping.discard_suggestion(suggestion, request.user, timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    page = request.POST.get("page", "1")
    target = reverse("curation:queue", args=[topic.slug])
    return redirect(f"{target}?page={page}" if page.isdigit() else target)


@login_required
def scoop_url(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1 (GET ?url=): fetch the page and prefill; step 2 (POST): publish."""
    topic = _topic_for(request, slug)
    if request.method == "POST":
        form = ScoopForm(request.POST)
        if form.is_valid():
            try:
                scoop = scooping.scoop_url(topic, request.user, form.draft(), timezone.now())
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, "Scooped. It is on your topic page.")
                return redirect(scoop.get_absolute_url())
        return render(
            request,
            "curation/scoop_form.html",
            {"topic": topic, "form": form, "preview": _safe_preview(form.data)},
        )
    url_form = ScoopUrlForm(request.GET or None)
    if url_form.is_bound and url_form.is_valid():
        try:
            draft = _draft_from_page(url_form.cleaned_data["url"])
        except ValidationError as exc:
            _form_error(url_form, exc)
        else:
            initial = ScoopForm.initial_from(draft)
            form = ScoopForm(initial=initial)
            return render(
                request,
                "curation/scoop_form.html",
                {"topic": topic, "form": form, "preview": initial},
            )
    return render(request, "curation/scoop_url.html", {"topic": topic, "url_form": url_form})


def _safe_preview(data) -> dict[str, str]:
    """The preview links to what was posted: only http(s) addresses are shown as links."""
    url, image = data.get("url", ""), data.get("image_url", "")
    return {
        "url": url if is_http_url(url) else "",
        "image_url": image if is_http_url(image) else "",
        "source_name": data.get("source_name", ""),
    }


def _draft_from_page(url: str) -> scooping.ScoopDraft:
    try:
        response = fetch_one(url, {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"})
    except FetchError as exc:
        raise ValidationError(f"Could not fetch this page: {exc.message}") from exc
    if response.status != 200:
        raise ValidationError(f"Could not fetch this page: the server answered {response.status}.")
    meta = extract_page(response.content, response.url, response.content_type)
    return scooping.ScoopDraft(
        url=response.url,
        title=meta.title or domain_of(response.url),
        insight="",
        excerpt=meta.description,
        image_url=meta.image,
        source_name=meta.site_name or domain_of(response.url),
        language=meta.language[:2],
    )
