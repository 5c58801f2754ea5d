"""Making a scoop: from a suggestion (the full form), from a page address, and the
bookmarklet's share target (``/scoop?url=...``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from florilege.curation.forms.publication import PlanForm
from florilege.curation.forms.scooping import ScoopForm, ScoopUrlForm
from florilege.curation.services import rescoop, scooping
from florilege.curation.views.access import topic_for
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError
from florilege.lib.urls import domain_of, is_http_url
from florilege.sources.extract import extract_page
from florilege.suggestions.models import Suggestion
from florilege.suggestions.stories import story_entries
from florilege.topics.models import Topic
from florilege.topics.permissions import Action


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
def scoop_suggestion(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.SCOOP_PROPOSE)
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
def scoop_url(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1 (GET ?url=): fetch the page and prefill; step 2 (POST): publish."""
    topic = topic_for(request, slug, Action.SCOOP_PROPOSE)
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


@login_required
def share(request: HttpRequest) -> HttpResponse:
    """``/scoop?url=...`` (the bookmarklet's target): pick a topic, then the usual scoop form
    with the page's title, image and excerpt read through the guarded client."""
    url = request.GET.get("url", "").strip()
    topics = rescoop.curated_topics(request.user, Action.SCOOP_PROPOSE)
    error = ""
    if not is_http_url(url):
        error = gettext("This link has no page address to scoop (http:// or https://).")
    elif not topics:
        error = gettext("Create a topic first: scoops go into one of your topics.")
    else:
        chosen = request.GET.get("topic", "")
        if len(topics) == 1 and not chosen:
            chosen = topics[0].slug
        topic = next((t for t in topics if t.slug == chosen), None)
        if topic is not None:
            target = reverse("curation:scoop_url", args=[topic.slug])
            query = QueryDict(mutable=True)
            query["url"] = url
            return redirect(f"{target}?{query.urlencode()}")
    status = 400 if error else 200
    context = {"url": url if is_http_url(url) else "", "topics": topics, "error": error}
    return render(request, "curation/share.html", context, status=status)
