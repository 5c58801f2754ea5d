"""Views for working the queue fast: quick scoop and bulk discard, reader suggestions,
automation rules, rescoop, and the share-to-Florilège entry point (/scoop?url=...).

Every action works as a plain form post (JavaScript off: the answer redirects back to the
same place in the queue, with an anchor) and as a fetch from ``queue.js`` (the answer is
the HTML fragment that replaces the card).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from florilege.curation.forms_flow import (
    QuickScoopForm,
    ReaderSuggestForm,
    RescoopForm,
    RuleForm,
)
from florilege.curation.models import AutomationRule, ReaderSuggestion, Scoop
from florilege.curation.services import reader, rescoop, rules, scooping
from florilege.lib.urls import is_http_url
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic
from florilege.topics.permissions import Action
from florilege.topics.services import can_curate

FRAGMENT_HEADER = "HTTP_X_FLORILEGE_FRAGMENT"
# Query parameters of the queue kept when coming back to it after an action.
QUEUE_PARAMS = ("page", "source", "lang", "cluster")
BULK_LIMIT = 200


def _topic_for(request: HttpRequest, slug: str) -> Topic:
    topic = get_object_or_404(Topic, slug=slug)
    if not can_curate(request.user, topic):
        raise PermissionDenied(_("You do not curate this topic."))
    return topic


def wants_fragment(request: HttpRequest) -> bool:
    return request.META.get(FRAGMENT_HEADER) == "1"


def back_to_queue(request: HttpRequest, topic: Topic, anchor: str = "") -> HttpResponse:
    """Back to the queue with its filters and page as they were, at ``anchor``. Only known
    parameters are carried over, so the posted value cannot send the curator elsewhere."""
    posted = QueryDict(request.POST.get("back", ""), mutable=True)
    if not posted.get("page") and request.POST.get("page"):
        posted["page"] = request.POST["page"]  # the older form posted only the page
    kept = QueryDict(mutable=True)
    for key in QUEUE_PARAMS:
        value = posted.get(key, "")
        if value and len(value) < 100:
            kept[key] = value
    target = reverse("curation:queue", args=[topic.slug])
    if kept:
        target += "?" + kept.urlencode()
    if anchor.isdigit():
        target += f"#s-{anchor}"
    elif anchor.startswith("r-") and anchor[2:].isdigit():
        target += f"#{anchor}"
    return redirect(target)


def done(request: HttpRequest, text: str, link: str = "", status: int = 200) -> HttpResponse:
    return render(request, "curation/_queue_done.html", {"text": text, "link": link}, status=status)


def refused(request: HttpRequest, topic: Topic, exc: ValidationError) -> HttpResponse:
    text = " ".join(exc.messages)
    if wants_fragment(request):
        return HttpResponse(f'<p class="error" role="alert">{escape(text)}</p>', status=400)
    messages.error(request, text)
    return back_to_queue(request, topic, request.POST.get("here", ""))


@login_required
@require_POST
def quick_scoop(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    """Scoop from the queue card: the entry as it is, with the insight typed in the card."""
    topic = _topic_for(request, slug)
    suggestion = get_object_or_404(
        Suggestion.objects.select_related("entry", "entry__source", "topic"),
        pk=suggestion_id,
        topic=topic,
    )
    form = QuickScoopForm(request.POST)
    if not form.is_valid():
        errors = [m for field in form.errors.values() for m in field]
        return refused(request, topic, ValidationError(errors))
    draft = scooping.draft_from_suggestion(suggestion)
    draft.insight = form.cleaned_data["insight"]
    draft.tags = scooping.clean_tags(form.cleaned_data["tags"] + draft.tags)
    try:
        scoop = scooping.scoop_suggestion(suggestion, request.user, draft, timezone.now())
    except ValidationError as exc:
        return refused(request, topic, exc)
    if wants_fragment(request):
        return done(request, _("Scooped."), scoop.get_absolute_url())
    messages.success(request, _("Scooped. It is on your topic page."))
    return back_to_queue(request, topic, request.POST.get("next", ""))


@login_required
@require_POST
def bulk_discard(request: HttpRequest, slug: str) -> HttpResponse:
    topic = _topic_for(request, slug)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:BULK_LIMIT]
    now = timezone.now()
    discarded = 0
    for suggestion in Suggestion.objects.filter(
        topic=topic, pk__in=ids, status=Suggestion.Status.PENDING
    ):
        try:
            scooping.discard_suggestion(suggestion, request.user, now)
        except ValidationError:
            continue  # decided meanwhile by someone else: nothing to do
        discarded += 1
    if not ids:
        messages.error(request, _("Tick the suggestions to discard first."))
    else:
        messages.success(request, _("%(n)d suggestions discarded.") % {"n": discarded})
    return back_to_queue(request, topic)


@login_required
@require_POST
def reader_discard(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = _topic_for(request, slug)
    try:
        reader.discard(topic, request.user, suggestion_id, timezone.now())
    except ValidationError as exc:
        return refused(request, topic, exc)
    if wants_fragment(request):
        return done(request, _("Discarded."))
    return back_to_queue(request, topic, request.POST.get("next", ""))


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
        visitor = reader.Visitor(_client_address(request), request.META.get("HTTP_USER_AGENT", ""))
        try:
            reader.suggest_page(
                topic,
                form.cleaned_data["url"],
                form.cleaned_data["note"],
                visitor,
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


def _client_address(request: HttpRequest) -> str:
    # As for view counts: behind our own proxy only the last X-Forwarded-For hop is trusted;
    # otherwise every reader would share the proxy's address, and so one rate limit.
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.CONFIG.TRUST_X_FORWARDED_FOR:
        address = forwarded.rsplit(",", 1)[-1].strip()
    return address


@login_required
def rule_list(request: HttpRequest, slug: str, rule_id: int | None = None) -> HttpResponse:
    """The topic's rules and the form to add (or edit) one, with a Preview button that
    shows what the rule would have done to the last 7 days, without saving it."""
    topic = _topic_for(request, slug)
    rule = get_object_or_404(AutomationRule, pk=rule_id, topic=topic) if rule_id else None
    initial = RuleForm.initial_from(rule) if rule else {"enabled": True}
    form = RuleForm(request.POST or None, topic=topic, initial=initial)
    result = None
    if request.method == "POST" and form.is_valid():
        spec = form.spec()
        template = form.cleaned_data["insight_template"]
        now = timezone.now()
        try:
            if "preview" in request.POST:
                result = rules.preview(topic, request.user, spec, template, now)
            else:
                rules.save_rule(
                    topic,
                    request.user,
                    spec,
                    template,
                    now,
                    rule=rule,
                    enabled=form.cleaned_data["enabled"],
                )
                messages.success(request, _("Rule saved; it acts on new suggestions."))
                return redirect("curation:rules", slug=topic.slug)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    context = {
        "topic": topic,
        "form": form,
        "rule": rule,
        "rules": topic.automation_rules.all(),
        "preview": result,
    }
    return render(request, "curation/rules.html", context)


@login_required
@require_POST
def rule_delete(request: HttpRequest, slug: str, rule_id: int) -> HttpResponse:
    topic = _topic_for(request, slug)
    rules.delete_rule(topic, request.user, rule_id)
    messages.success(request, _("Rule deleted."))
    return redirect("curation:rules", slug=topic.slug)


@login_required
def rescoop_view(request: HttpRequest, scoop_id: int) -> HttpResponse:
    original = Scoop.objects.visible().select_related("topic", "curator").filter(pk=scoop_id)
    original = original.first()
    if original is None:
        messages.error(request, _("This scoop is no longer public: it cannot be rescooped."))
        return redirect("curation:dashboard")
    topics = [t for t in rescoop.curated_topics(request.user) if t.pk != original.topic_id]
    form = RescoopForm(request.POST or None, topics=topics)
    if request.method == "POST" and form.is_valid():
        target = next(t for t in topics if t.slug == form.cleaned_data["topic"])
        try:
            scoop = rescoop.rescoop(
                request.user,
                scoop_id,
                target,
                form.cleaned_data["insight"],
                form.cleaned_data["tags"],
                timezone.now(),
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Rescooped. It is on your topic page."))
            return redirect(scoop.get_absolute_url())
    context = {"original": original, "form": form, "topics": topics}
    return render(request, "curation/rescoop.html", context)


@login_required
def share(request: HttpRequest) -> HttpResponse:
    """``/scoop?url=...`` (the bookmarklet's target): pick a topic, then the usual scoop form
    with the page's title, image and excerpt read through the guarded client."""
    url = request.GET.get("url", "").strip()
    topics = rescoop.curated_topics(request.user, Action.SCOOP_PROPOSE)
    error = ""
    if not is_http_url(url):
        error = _("This link has no page address to scoop (http:// or https://).")
    elif not topics:
        error = _("Create a topic first: scoops go into one of your topics.")
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


def pending_reader_suggestions(topic: Topic) -> list[ReaderSuggestion]:
    return list(reader.pending_for(topic)[: reader.QUEUE_SHOWN])


class QueueFilters:
    """The queue's filters, read from the query string: source, language and (once stories
    exist) cluster. Unknown or malformed values are ignored, never an error."""

    def __init__(self, source: int | None, lang: str, cluster: int | None) -> None:
        self.source, self.lang, self.cluster = source, lang, cluster

    @classmethod
    def from_request(cls, request: HttpRequest) -> QueueFilters:
        source = request.GET.get("source", "")
        lang = request.GET.get("lang", "")
        cluster = request.GET.get("cluster", "")
        return cls(
            int(source) if source.isdigit() else None,
            lang if lang.isalpha() and len(lang) <= 10 else "",
            int(cluster) if cluster.isdigit() else None,
        )

    @property
    def active(self) -> bool:
        return self.source is not None or bool(self.lang) or self.cluster is not None

    def apply(self, pending):
        if self.source is not None:
            pending = pending.filter(entry__source_id=self.source)
        if self.lang:
            pending = pending.filter(entry__language=self.lang)
        # HOOK(lang-cluster): when suggestions have a story (cluster), filter here, e.g.
        # ``pending = pending.filter(entry__story_id=self.cluster)``, and list the clusters
        # in ``queue_extras`` for the filter form. Until then the parameter is ignored.
        return pending


def queue_extras(request: HttpRequest, topic: Topic, page, filters: QueueFilters) -> dict:
    """What the queue page shows besides the suggestions: filter choices, reader
    suggestions, and for each card where to land after acting on it (the next card)."""
    items = list(page.object_list)
    for index, item in enumerate(items):
        neighbour = items[index + 1] if index + 1 < len(items) else None
        if neighbour is None and index > 0:
            neighbour = items[index - 1]
        item.next_anchor = neighbour.pk if neighbour else ""
    languages = (
        Suggestion.objects.filter(topic=topic, status=Suggestion.Status.PENDING)
        .exclude(entry__language="")
        .values_list("entry__language", flat=True)
        .distinct()
        .order_by("entry__language")
    )
    return {
        "filters": filters,
        "filter_sources": topic.sources.order_by("title", "url").only("id", "title", "url"),
        "filter_languages": list(languages),
        "reader_suggestions": [] if filters.active else pending_reader_suggestions(topic),
        "back": request.GET.urlencode(),
    }
