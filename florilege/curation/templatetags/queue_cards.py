"""``{% suggestion_card %}``: one card of the queue (``_suggestion_card.html``), rendered
once and then kept, in this process, under what it shows.

A curator works the queue by reloading it: after each decision (without JavaScript) and
each time they come back, the page shows mostly the same 25 cards, and rendering a card
with the template language was about a millisecond, most of the page's time. A card's HTML
is a function of what its key holds (see ``card_key``): the suggestion, its entry and
source, the story's other sources, the card's links, the visitor's language and
permissions and time zone, the queue's filters, the topic's "scoop without insight" switch
and the time since the entry's publication, as its "… ago" text counts it. Any of them
changing makes another key, so a kept card is never stale; the oldest are dropped past
``KEPT_CARDS``.

Cards are kept in the process's memory, not the shared cache: any host renders them
alike, and a restart (a new template) starts afresh. The one per-request part, the CSRF
token of the card's forms, is rendered as a marker and put in on the way out; the marker is
random per process, so no text from a feed can contain it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime

from django import template
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language

register = template.Library()

CARD_TEMPLATE = "curation/_suggestion_card.html"
# Two thousand cards of about 3 KB: a few megabytes, the queues of a busy team's topics.
KEPT_CARDS = 2048
_TOKEN_MARKER = "csrf" + secrets.token_hex(16)
_cards: OrderedDict[bytes, str] = OrderedDict()
_lock = threading.Lock()
_PAGE_PART = "queue_cards.page_part"


def forget_cards() -> None:
    with _lock:
        _cards.clear()


def _ago(published: datetime | None, now: datetime) -> tuple[str, int] | None:
    """What the card's "… ago" text (``timesince``: two adjacent units at most) is made of:
    the whole minutes since ``published`` under a day, the whole hours from then on (past a
    day it never shows minutes, and its months and weeks change on whole hours of the
    delay too: the calendar's months are counted from the same time of day)."""
    if published is None:
        return None
    seconds = int((now - published).total_seconds())
    return ("minutes", seconds // 60) if seconds < 86400 else ("hours", seconds // 3600)


def page_part(context: template.Context, now: datetime) -> tuple:
    """The part of the key the page's cards share, worked out once per page."""
    kept = context.render_context.get(_PAGE_PART)
    if kept is None:
        allowed = context.get("allowed")
        kept = context.render_context[_PAGE_PART] = (
            get_language(),
            get_current_timezone_name(),  # the card's dates are written in it
            tuple(sorted(allowed)) if allowed else (),
            context["topic"].allow_scoop_without_insight,
            context.get("back", ""),
            now,
        )
    return kept


def card_key(context: template.Context, suggestion, now: datetime) -> bytes:
    """Everything ``_suggestion_card.html`` (and what it includes) reads, digested."""
    entry = suggestion.entry
    source = entry.source
    *page, now = page_part(context, now)
    others = tuple((o.pk, o.url, o.source.url, o.source.title) for o in suggestion.story_others)
    parts = (
        page,
        suggestion.pk,
        getattr(suggestion, "next_anchor", ""),
        tuple(vars(suggestion.links).values()),
        json.dumps(suggestion.reasons, sort_keys=True, default=str),
        others,
        (entry.pk, entry.language, entry.url, entry.title, entry.summary),
        str(entry.published_at),
        _ago(entry.published_at, now),
        (source.pk, source.url, source.title),
    )
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).digest()


@register.simple_tag(takes_context=True)
def suggestion_card(context: template.Context) -> SafeString:
    """The card of ``s`` (the queue's loop variable), from memory when already rendered."""
    suggestion = context["s"]
    # One moment for the page: each card's key and, when rendered, its "… ago" text.
    now = page_part(context, datetime.now(UTC))[-1]
    key = card_key(context, suggestion, now)
    with _lock:
        html = _cards.get(key)
        if html is not None:
            _cards.move_to_end(key)
    if html is None:
        published = suggestion.entry.published_at
        suggestion.card_ago = timesince(published, now) if published else ""
        with context.push(csrf_token=_TOKEN_MARKER):
            # The engine's template, rendered in this context (the page's, with the card's
            # loop variable): Django's backend wrapper would start a new context.
            html = get_template(CARD_TEMPLATE).template.render(context)  # type: ignore[attr-defined]
        with _lock:
            _cards[key] = html
            while len(_cards) > KEPT_CARDS:
                _cards.popitem(last=False)
    token = context.get("csrf_token")
    # Rendered with the marker, so the card's forms carry this request's token (or, with
    # no token in the context, none, as the tag itself would render).
    # Only the form field is replaced: the marker nowhere else gets the token.
    marked = _csrf_input(_TOKEN_MARKER)
    if token and str(token) != "NOTPROVIDED":
        return mark_safe(html.replace(marked, _csrf_input(str(token))))  # the card's own HTML
    return mark_safe(html.replace(marked, ""))


def _csrf_input(value: str) -> str:
    """The field as ``{% csrf_token %}`` writes it (escaped alike)."""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', value)
