"""Making a scoop: from a suggestion (the full form), from a page address, and the
bookmarklet's share target (``/scoop?url=...``)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from florilege.curation.forms.publication import PlanForm
from florilege.curation.forms.scooping import ScoopForm, ScoopUrlForm
from florilege.curation.services import rescoop, scooping
from florilege.curation.views import queue
from florilege.curation.views.access import topic_for
from florilege.lib.csp import images_from_anywhere
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError
from florilege.lib.images import page_images
from florilege.lib.markdown import render_markdown
from florilege.lib.params import local_path
from florilege.lib.urls import domain_of, first_http_url, is_http_url
from florilege.sources.extract import decode_html, extract_page
from florilege.suggestions.models import Suggestion
from florilege.suggestions.stories import story_entries
from florilege.topics.models import Topic
from florilege.topics.permissions import Action


def _plan_form(request: HttpRequest, topic: Topic) -> PlanForm:
    return PlanForm(request.POST or None, topic=topic, user=request.user)


def _next(request: HttpRequest) -> str:
    """Where the curator came from (the queue at the next card): a path on this site only."""
    return local_path(request.POST.get("next") or request.GET.get("next"), "")


def _scooped(request: HttpRequest, scoop, back: str = "") -> HttpResponse:
    """Where to go after scooping: back where the curator came from when the form said
    (the queue, at the next card), else the permalink when it is out, else the scoops in
    its state (drafts, proposals, scheduled)."""
    notes = {
        "published": gettext("Scooped. It is on your topic page."),
        "awaiting": gettext("Proposed for approval; the editors are notified."),
        "draft": gettext("Saved as a draft."),
        "scheduled": gettext("Scheduled."),
    }
    messages.success(request, notes.get(scoop.status, gettext("Saved.")))
    if back:
        return redirect(back)
    if scoop.status == "published":
        return redirect(scoop.get_absolute_url())
    target = reverse("curation:scoops", args=[scoop.topic.slug])
    return redirect(f"{target}?status={scoop.status}")


def _form_error(form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _bound_form(request: HttpRequest) -> ScoopForm:
    return ScoopForm(request.POST, request.FILES, previewing="preview" in request.POST)


def _take_upload(form: ScoopForm) -> bool:
    """Store the uploaded picture, if any, and make it the chosen one (so a preview or an
    error keeps it without a second upload). False, with the reason on the form, if the
    file is refused."""
    upload = form.cleaned_data.get("image_upload")
    if not upload:
        return True
    try:
        url = scooping.store_upload(upload, timezone.now())
    except ValidationError as exc:
        form.add_error("image_upload", exc)
        return False
    form.cleaned_data["image_url"] = url
    form.cleaned_data["image_address"] = ""
    return True


def _preview_html(form: ScoopForm) -> str:
    """The insight as the public page will show it (same renderer)."""
    return render_markdown(form.cleaned_data.get("insight", ""))


def _try_scoop(
    request: HttpRequest, form: ScoopForm, plan: PlanForm, make: Callable
) -> HttpResponse | str:
    """Validate, keep an upload, then preview or scoop (``make(draft, plan)``): the
    redirect once the scoop is made, else the insight rendered for a preview ("" after an
    error) to show the form again."""
    if not (form.is_valid() and plan.is_valid() and _take_upload(form)):
        return ""
    if "preview" in request.POST:
        return _preview_html(form)
    try:
        scoop = make(form.draft(), plan.plan())
    except ValidationError as exc:
        _form_error(form, exc)
        return ""
    return _scooped(request, scoop, _next(request))


def _form_context(request, topic, form, plan, preview: dict, rendered="", **extra) -> dict:
    return {
        "topic": topic,
        "form": form,
        "preview": preview,
        "plan_form": plan,
        "rendered_insight": rendered,
        "images": scooping.image_choices(form.images()),
        "chosen_image": form.chosen_image(),
        "next": _next(request),
        **extra,
    }


@login_required
@images_from_anywhere
def scoop_suggestion(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.SCOOP_PROPOSE)
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("entry", "entry__source"), pk=suggestion_id, topic=topic
    )
    # The story's other sources: the curator may scoop one of them instead (?entry=<id>).
    entries = story_entries(suggestion.entry)
    wanted = request.POST.get("entry") or request.GET.get("entry")
    chosen = next((e for e in entries if str(e.pk) == wanted), suggestion.entry)
    initial = ScoopForm.initial_from(scooping.draft_from_suggestion(suggestion, chosen))
    initial["next"] = _next(request)
    plan = _plan_form(request, topic)
    rendered = ""
    if request.method == "POST":
        form = _bound_form(request)

        def make(draft, publish_plan):
            return scooping.scoop_suggestion(
                suggestion, request.user, draft, timezone.now(), publish_plan, entry=chosen
            )

        outcome = _try_scoop(request, form, plan, make)
        if isinstance(outcome, HttpResponse):
            return outcome
        rendered = outcome
    else:
        form = ScoopForm(initial=initial, images=scooping.offered_images(chosen))
    context = _form_context(
        request, topic, form, plan, initial, rendered,
        suggestion=suggestion, story_entries=entries, chosen=chosen,
    )  # fmt: skip
    return render(request, "curation/scoop_form.html", context)


@login_required
@images_from_anywhere
def scoop_url(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1 (GET ?url=): fetch the page and prefill (or, when it cannot be fetched, the
    same form to fill by hand); step 2 (POST): preview, publish, schedule or keep."""
    topic = topic_for(request, slug, Action.SCOOP_PROPOSE)
    plan = _plan_form(request, topic)
    if request.method == "POST":
        form = _bound_form(request)

        def make(draft, publish_plan):
            return scooping.scoop_url(topic, request.user, draft, timezone.now(), publish_plan)

        outcome = _try_scoop(request, form, plan, make)
        if isinstance(outcome, HttpResponse):
            return outcome
        preview = _safe_preview(form.data)
        context = _form_context(request, topic, form, plan, preview, outcome)
        return render(request, "curation/scoop_form.html", context)
    url_form = ScoopUrlForm(request.GET or None)
    if url_form.is_bound and url_form.is_valid():
        url = url_form.cleaned_data["url"]
        try:
            draft, offered = _draft_from_page(url)
        except ValidationError as exc:
            # Not a dead end: the same form, to fill by hand, with the reason above it.
            draft, offered = _blank_draft(url), []
            fetch_error = " ".join(exc.messages)
        else:
            fetch_error = ""
        initial = ScoopForm.initial_from(draft)
        form = ScoopForm(initial=initial, images=offered)
        context = _form_context(
            request, topic, form, plan, initial, fetch_error=fetch_error, by_hand=bool(fetch_error)
        )
        return render(request, "curation/scoop_form.html", context)
    return render(request, "curation/scoop_url.html", {"topic": topic, "url_form": url_form})


def _blank_draft(url: str) -> scooping.ScoopDraft:
    return scooping.ScoopDraft(url=url, title="", insight="", source_name=domain_of(url))


def _safe_preview(data) -> dict[str, str]:
    """The preview links to what was posted: only http(s) addresses are shown as links."""
    url, image = data.get("url", ""), data.get("image_url", "")
    return {
        "url": url if is_http_url(url) else "",
        "image_url": image if is_http_url(image) else "",
        "source_name": data.get("source_name", ""),
    }


def _draft_from_page(url: str) -> tuple[scooping.ScoopDraft, list[str]]:
    """The page's title, excerpt and pictures, read through the guarded client."""
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
    html = decode_html(response.content, response.content_type)
    offered = [c.url for c in page_images(html, response.url, first=meta.image)]
    draft = scooping.ScoopDraft(
        url=response.url,
        title=meta.title or domain_of(response.url),
        insight="",
        excerpt=meta.description,
        image_url=meta.image,
        source_name=meta.site_name or domain_of(response.url),
        language=meta.language[:2],
    )
    return draft, offered


@login_required
@require_POST
def scoop_now(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    """The queue card's "Scoop now": published at once without an insight, where the topic
    allows it. Answers like the card's other actions (a fragment, or back to the queue)."""
    topic = topic_for(request, slug, Action.PUBLISH)
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("entry", "entry__source", "topic"),
        pk=suggestion_id,
        topic=topic,
    )
    try:
        scoop = scooping.scoop_now(suggestion, request.user, timezone.now())
    except ValidationError as exc:
        return queue.refused(request, topic, exc)
    if queue.wants_fragment(request):
        return queue.done(request, gettext("Scooped."), scoop.get_absolute_url())
    messages.success(request, gettext("Scooped. It is on your topic page."))
    return queue.back_to_queue(request, topic, request.POST.get("next", ""))


@login_required
@images_from_anywhere
def share(request: HttpRequest) -> HttpResponse:
    """``/scoop?url=...`` (the bookmarklet's and the installed app's share target): pick a
    topic, then the usual scoop form with the page's title, image and excerpt read through
    the guarded client. A phone may send the address in ``text`` (or even ``title``)
    rather than ``url``: the first http(s) address of the three is the one scooped."""
    url = first_http_url(*(request.GET.get(name, "") for name in ("url", "text", "title")))
    topics = rescoop.curated_topics(request.user, Action.SCOOP_PROPOSE)
    error = ""
    if not url:
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
    context = {"url": url, "topics": topics, "error": error}
    return render(request, "curation/share.html", context, status=status)
