"""The suggestion queue and working it fast: one card per story, filters, scoop from the
card, discard one or many.

Every action works as a plain form post (JavaScript off: the answer redirects back to the
same place in the queue, with an anchor) and as a fetch from ``queue.js`` (the answer is
the HTML fragment that replaces the card).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.curation.forms.scooping import QuickScoopForm
from florilege.curation.models import ReaderSuggestion
from florilege.curation.services import reader, scooping
from florilege.curation.views.access import topic_for
from florilege.lib.params import positive_id
from florilege.suggestions.models import StoryMember, Suggestion, TopicRanker
from florilege.suggestions.stories import DECIDED, as_cards, attach_story_sources, story_queue
from florilege.topics.models import Topic
from florilege.topics.permissions import Action

FRAGMENT_HEADER = "HTTP_X_FLORILEGE_FRAGMENT"
# Query parameters of the queue kept when coming back to it after an action.
QUEUE_PARAMS = ("page", "source", "lang", "cluster")
QUEUE_PAGE = 25
BULK_LIMIT = 200


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
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    # One card per story, with the story's other sources ("also in N sources").
    pending = as_cards(story_queue(topic))
    # Filters, reader suggestions and where each card's actions lead: below.
    filters = QueueFilters.from_request(request)
    if filters.active:
        paginator = Paginator(filters.apply(pending), QUEUE_PAGE)
    else:
        paginator = CardsPaginator(pending, QUEUE_PAGE, queue_sizes([topic.pk]).get(topic.pk, 0))
    page = paginator.get_page(request.GET.get("page"))
    attach_story_sources(page.object_list)
    extras = queue_extras(request, topic, page, filters)
    prepare_cards(topic, page.object_list, extras["back"])
    ranker = TopicRanker.objects.filter(topic=topic).defer("state", "meta").first()
    context = {"topic": topic, "page": page, "ranker": ranker, **extras}
    return render(request, "curation/queue.html", context)


@login_required
@require_POST
def discard(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.DISCARD)
    suggestion = get_object_or_404(Suggestion, pk=suggestion_id, topic=topic)
    try:
        scooping.discard_suggestion(suggestion, request.user, timezone.now())
    except ValidationError as exc:
        if wants_fragment(request):
            return refused(request, topic, exc)
        messages.error(request, " ".join(exc.messages))
    if wants_fragment(request):
        return done(request, _("Discarded."))
    # Back to the same place: same filters and page, at the card after this one.
    return back_to_queue(request, topic, request.POST.get("next", ""))


@login_required
@require_POST
def quick_scoop(request: HttpRequest, slug: str, suggestion_id: int) -> HttpResponse:
    """Scoop from the queue card: the entry as it is, with the insight typed in the card."""
    topic = topic_for(request, slug)
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
    topic = topic_for(request, slug)
    ids = [i for i in map(positive_id, request.POST.getlist("ids")) if i is not None]
    ids = ids[:BULK_LIMIT]
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


class CardsPaginator(Paginator):
    """A paginator told its count. Counting ``story_queue`` itself checks every pending
    suggestion against the others of its story (PostgreSQL hashed the whole story table for
    it: 60 ms at 1,000 pending of 100,000 entries); ``queue_sizes`` counts the same cards, one
    per undecided story and one per suggestion without a story, at a fifth of the cost.
    Only for the queue unfiltered: a filter applies to the card, which counting stories
    cannot tell."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def queue_sizes(topic_ids: list[int]) -> dict[int, int]:
    """Cards in each topic's queue, as ``story_queue`` shows them (one per story still
    undecided, plus each suggestion without a story yet): one query for all the topics,
    so "to review" on the dashboard is the number the queue shows."""
    same_story = Q(entry__story_member__story_id=OuterRef("entry__story_member__story_id"))
    decided = Suggestion.objects.filter(
        same_story, topic_id=OuterRef("topic_id"), status__in=DECIDED
    )
    rows = (
        Suggestion.objects.filter(topic_id__in=topic_ids, status=Suggestion.Status.PENDING)
        .filter(~Exists(decided))
        .values("topic_id")
        .annotate(
            stories=Count("entry__story_member__story_id", distinct=True),
            alone=Count("pk", filter=Q(entry__story_member__isnull=True)),
        )
    )
    return {row["topic_id"]: row["stories"] + row["alone"] for row in rows}


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
            positive_id(source),
            lang if lang.isascii() and lang.isalpha() and len(lang) <= 10 else "",
            positive_id(cluster),
        )

    @property
    def active(self) -> bool:
        return self.source is not None or bool(self.lang) or self.cluster is not None

    def apply(self, pending):
        if self.source is not None:
            # The story's card may come from another of its sources (the best-scored one):
            # a story this source carries is listed, once, whichever entry is its card.
            carried = StoryMember.objects.filter(
                story_id=OuterRef("entry__story_member__story_id"), entry__source_id=self.source
            )
            pending = pending.filter(Q(entry__source_id=self.source) | Exists(carried))
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


@dataclass(frozen=True)
class CardLinks:
    """Where a queue card's buttons lead."""

    scoop_form: str
    scoop_now: str
    discard: str
    quick_scoop: str


def per_card_url(name: str, slug: str) -> Callable[[int], str]:
    """``reverse(name, args=[slug, pk])`` for any ``pk``, reversing once: ``{% url %}`` on
    every card of a page was a tenth of its rendering. Only for routes that end with the
    card's ``<int:...>/``, which is checked here, so a route that changes shape fails loudly
    instead of building wrong addresses."""
    sample = reverse(name, args=[slug, 0])
    head, found, tail = sample.rpartition("/0/")
    if not found or tail:
        raise ValueError(f"{name} does not end with the card's id: {sample}")
    return lambda pk: f"{head}/{pk}/"


# Keys of ``Suggestion.reasons`` the card asks for that most rows lack. The template
# language tells a missing key by raising and catching three exceptions and listing the
# dict's attributes: six times a card, a sixth of what rendering its reasons costs.
CARD_REASON_DEFAULTS: dict = {
    "tags": [],
    "rule": None,
    "excluded": [],
    "missing": [],
    "language": "",
}


def prepare_cards(topic: Topic, suggestions, back: str) -> None:
    """What the cards of a page need, worked out once for the page: each card's ``links``
    (see ``CardLinks``) and its ``reasons`` with the keys the card asks for (empty ones
    render nothing, as a missing key does; the page only reads them, never saves them).

    The full scoop form carries where to come back to once it is done: the queue as it was
    (filters, page), at the card after this one (``next_anchor``, set by ``queue_extras``)."""
    scoop_form = per_card_url("curation:scoop", topic.slug)
    scoop_now = per_card_url("curation:scoop_now", topic.slug)
    discard = per_card_url("curation:discard", topic.slug)
    quick_scoop = per_card_url("curation:quick_scoop", topic.slug)
    queue = reverse("curation:queue", args=[topic.slug])
    if back:
        queue += f"?{back}"
    for suggestion in suggestions:
        anchor = getattr(suggestion, "next_anchor", "")
        after = f"{queue}#s-{anchor}" if anchor else queue
        suggestion.links = CardLinks(
            scoop_form=f"{scoop_form(suggestion.pk)}?{urlencode({'next': after})}",
            scoop_now=scoop_now(suggestion.pk),
            discard=discard(suggestion.pk),
            quick_scoop=quick_scoop(suggestion.pk),
        )
        if isinstance(suggestion.reasons, dict):
            suggestion.reasons = {**CARD_REASON_DEFAULTS, **suggestion.reasons}
