"""A topic's "all items": every entry of its sources, newest first, read or unread per
curator, filtered by source or to the unread ones; mark one or all read, or scoop one
through the queue's scoop form. The logic is in ``services/reading.py``.

Marking read answers the card's HTML fragment to ``queue.js`` (the same keyboard loop as the
queue) and redirects back to the same place otherwise.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from florilege.curation.services import reading
from florilege.curation.views.access import topic_for
from florilege.curation.views.queue import wants_fragment
from florilege.lib.params import positive_id
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, actions_for

# Query parameters kept when coming back to the list after an action.
ITEMS_PARAMS = ("source", "unread", "after")


class ItemFilters:
    """The list's filters from the query string; malformed values are ignored."""

    def __init__(self, query: QueryDict) -> None:
        self.source = positive_id(query.get("source", ""))
        self.unread = query.get("unread", "") == "1"
        self.cursor = reading.Cursor.parse(query.get("after", ""))

    @property
    def active(self) -> bool:
        return self.source is not None or self.unread


def back_to_items(request: HttpRequest, topic: Topic, anchor: str = "") -> HttpResponse:
    """Back to the list with its filters and page as posted (known parameters only)."""
    posted = QueryDict(request.POST.get("back", ""))
    kept = QueryDict(mutable=True)
    for key in ITEMS_PARAMS:
        value = posted.get(key, "")
        if value and len(value) < 100:
            kept[key] = value
    target = reverse("curation:items", args=[topic.slug])
    if kept:
        target += "?" + kept.urlencode()
    if anchor.isdigit():
        target += f"#i-{anchor}"
    return redirect(target)


@login_required
def items(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    filters = ItemFilters(request.GET)
    listed = reading.topic_items(topic, request.user, filters.source, filters.unread)
    shown, next_cursor = reading.page_of(listed, filters.cursor)
    states = reading.item_states(topic, shown)
    for entry in shown:
        entry.state = states.get(entry.pk, "")  # type: ignore[attr-defined]
    context = {
        "topic": topic,
        "items": shown,
        "filters": filters,
        "next_cursor": str(next_cursor) if next_cursor else "",
        "filter_sources": topic.sources.order_by("title", "url").only("id", "title", "url"),
        "up_to": reading.newest_id(topic, filters.source),
        "back": request.GET.urlencode(),
        # After "mark all read": the same filters, from the newest item.
        "back_first": _without(request.GET, "after"),
    }
    return render(request, "curation/items.html", context)


def _without(query: QueryDict, key: str) -> str:
    copy = query.copy()
    copy.pop(key, None)
    return copy.urlencode()


@login_required
@require_POST
def item_read(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    entry = reading.entry_of(topic, entry_id)
    if entry is None:
        raise Http404
    read = request.POST.get("read") == "1"
    reading.set_read(request.user, entry, read, timezone.now())
    if wants_fragment(request):
        entry.is_read = read  # type: ignore[attr-defined]
        entry.state = reading.item_states(topic, [entry]).get(entry.pk, "")  # type: ignore[attr-defined]
        context = {
            "topic": topic,
            "e": entry,
            "back": request.POST.get("back", ""),
            "allowed": actions_for(request.user, topic),
        }
        return render(request, "curation/_item_card.html", context)
    return back_to_items(request, topic, str(entry.pk))


@login_required
@require_POST
def items_read_all(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for(request, slug, Action.VIEW_QUEUE)
    up_to = positive_id(request.POST.get("up_to", ""))
    if up_to is None:
        messages.error(request, _("Nothing to mark: reload the list and try again."))
        return back_to_items(request, topic)
    source = positive_id(request.POST.get("source", ""))
    reading.mark_all_read(request.user, topic, up_to, timezone.now(), source)
    messages.success(request, _("Marked as read. Items that arrived since stay unread."))
    return back_to_items(request, topic)


@login_required
@require_POST
def item_scoop(request: HttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """Scoop an item from the list: on to the queue's scoop form, with a suggestion for it
    made first if the topic has none."""
    topic = topic_for(request, slug, Action.SCOOP_PROPOSE)
    entry = reading.entry_of(topic, entry_id)
    if entry is None:
        raise Http404
    now = timezone.now()
    try:
        suggestion = reading.suggestion_to_scoop(topic, entry, request.user, now)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return back_to_items(request, topic, str(entry.pk))
    reading.set_read(request.user, entry, True, now)
    return redirect("curation:scoop", topic.slug, suggestion.pk)
