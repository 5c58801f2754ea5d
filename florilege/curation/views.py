"""Curator-side views. Thin: forms validate, services decide, templates show."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from florilege.curation import views_flow
from florilege.curation.forms import ScoopForm, ScoopUrlForm, SourceForm, TopicForm
from florilege.curation.forms_team import PlanForm
from florilege.curation.services import scooping
from florilege.curation.services.sources import add_source, remove_source, set_full_text
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError
from florilege.lib.urls import domain_of, is_http_url
from florilege.sources.extract import extract_page
from florilege.suggestions.learning import preview_rules
from florilege.suggestions.models import Suggestion, TopicRanker
from florilege.suggestions.stories import attach_story_sources, story_entries, story_queue
from florilege.topics.models import Topic, TopicSource
from florilege.topics.permissions import Action, require
from florilege.topics.services import topics_of

QUEUE_PAGE = 25


def _topic_for(request: HttpRequest, slug: str, action: str = Action.CURATE) -> Topic:
    topic = get_object_or_404(Topic, slug=slug)
    require(request.user, topic, action)
    return topic


def _plan_form(request: HttpRequest, topic: Topic) -> PlanForm:
    return PlanForm(request.POST or None, topic=topic, user=request.user)


def _scooped(request: HttpRequest, scoop) -> HttpResponse:
    """Where to go after scooping: the permalink when it is out, else the scoops in its
    state (drafts, proposals, scheduled)."""
    if scoop.status == "published":
        messages.success(request, gettext("Scooped. It is on your topic page."))
        return redirect(scoop.get_absolute_url())
    notes = {
        "awaiting": gettext("Proposed for approval; the editors are notified."),
        "draft": gettext("Saved as a draft."),
        "scheduled": gettext("Scheduled."),
    }
    messages.success(request, notes.get(scoop.status, gettext("Saved.")))
    target = reverse("curation:scoops", args=[scoop.topic.slug])
    return redirect(f"{target}?status={scoop.status}")


def _form_error(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    topics = (
        topics_of(request.user)
        .annotate(
            pending=Count("suggestions", filter=Q(suggestions__status="pending"), distinct=True),
            scoop_count=Count("scoops", distinct=True),
            proposals=Count("scoops", filter=Q(scoops__status="awaiting"), distinct=True),
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
        messages.success(request, gettext("Topic created. Add a few sources to fill its queue."))
        return redirect("curation:sources", slug=topic.slug)
    return render(request, "curation/topic_form.html", {"form": form, "creating": True})


@login_required
def topic_edit(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic_for(request, slug, Action.MANAGE_TOPIC)
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


@login_required
def sources(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic_for(request, slug, Action.MANAGE_SOURCES)
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
    topic = _topic_for(request, slug, Action.MANAGE_SOURCES)
    enabled = request.POST.get("full_text") == "on"
    set_full_text(topic, source_id, enabled, request.user, timezone.now())
    messages.success(request, gettext("Source options saved."))
    return redirect("curation:sources", slug=topic.slug)


@login_required
@require_POST
def source_remove(request: HttpRequest, slug: str, source_id: int) -> HttpResponse:
    topic = _topic_for(request, slug, Action.MANAGE_SOURCES)
    remove_source(topic, source_id, request.user)
    messages.success(request, gettext("Source removed from this topic."))
    return redirect("curation:sources", slug=topic.slug)


@login_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic_for(request, slug, Action.VIEW_QUEUE)
    # One card per story, with the story's other sources ("also in N sources").
    pending = story_queue(topic)
    # Filters, reader suggestions and keyboard-friendly actions: views_flow.
    filters = views_flow.QueueFilters.from_request(request)
    page = Paginator(filters.apply(pending), QUEUE_PAGE).get_page(request.GET.get("page"))
    attach_story_sources(page.object_list)
    extras = views_flow.queue_extras(request, topic, page, filters)
    ranker = TopicRanker.objects.filter(topic=topic).defer("state", "meta").first()
    context = {"topic": topic, "page": page, "ranker": ranker, **extras}
    return render(request, "curation/queue.html", context)


@login_required
def scoop_suggestion(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = _topic_for(request, slug, Action.SCOOP_PROPOSE)
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("entry", "entry__source"), pk=suggestion_id, topic=topic
    )
    # The story's other sources: the curator may scoop one of them instead (?entry=<id>).
    entries = story_entries(suggestion.entry)
    chosen = next((e for e in entries if str(e.pk) == request.GET.get("entry")), suggestion.entry)
    initial = ScoopForm.initial_from(scooping.draft_from_suggestion(suggestion, chosen))
    form = ScoopForm(request.POST or None, initial=initial)
    plan = _plan_form(request, topic)
    if request.method == "POST" and form.is_valid() and plan.is_valid():
        try:
            scoop = scooping.scoop_suggestion(
                suggestion, request.user, form.draft(), timezone.now(), plan.plan(), entry=chosen
            )
        except ValidationError as exc:
            _form_error(form, exc)
        else:
            return _scooped(request, scoop)
    context = {
        "topic": topic,
        "form": form,
        "suggestion": suggestion,
        "preview": initial,
        "plan_form": plan,
    }
    context |= {"story_entries": entries, "chosen": chosen}
    return render(request, "curation/scoop_form.html", context)


@login_required
@require_POST
def discard(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = _topic_for(request, slug, Action.DISCARD)
    suggestion = get_object_or_404(Suggestion, pk=suggestion_id, topic=topic)
    try:
        scooping.discard_suggestion(suggestion, request.user, timezone.now())
    except ValidationError as exc:
        if views_flow.wants_fragment(request):
            return views_flow.refused(request, topic, exc)
        messages.error(request, " ".join(exc.messages))
    if views_flow.wants_fragment(request):
        return views_flow.done(request, gettext("Discarded."))
    # Back to the same place: same filters and page, at the card after this one.
    return views_flow.back_to_queue(request, topic, request.POST.get("next", ""))


@login_required
def scoop_url(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1 (GET ?url=): fetch the page and prefill; step 2 (POST): publish."""
    topic = _topic_for(request, slug, Action.SCOOP_PROPOSE)
    plan = _plan_form(request, topic)
    if request.method == "POST":
        form = ScoopForm(request.POST)
        if form.is_valid() and plan.is_valid():
            try:
                scoop = scooping.scoop_url(
                    topic, request.user, form.draft(), timezone.now(), plan.plan()
                )
            except ValidationError as exc:
                _form_error(form, exc)
            else:
                return _scooped(request, scoop)
        context = {
            "topic": topic,
            "form": form,
            "preview": _safe_preview(form.data),
            "plan_form": plan,
        }
        return render(request, "curation/scoop_form.html", context)
    url_form = ScoopUrlForm(request.GET or None)
    if url_form.is_bound and url_form.is_valid():
        try:
            draft = _draft_from_page(url_form.cleaned_data["url"])
        except ValidationError as exc:
            _form_error(url_form, exc)
        else:
            initial = ScoopForm.initial_from(draft)
            form = ScoopForm(initial=initial)
            context = {"topic": topic, "form": form, "preview": initial, "plan_form": plan}
            return render(request, "curation/scoop_form.html", context)
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
        raise ValidationError(
            gettext("Could not fetch this page: %(error)s") % {"error": exc.message}
        ) from exc
    if response.status != 200:
        raise ValidationError(
            gettext("Could not fetch this page: the server answered %(status)s.")
            % {"status": response.status}
        )
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
