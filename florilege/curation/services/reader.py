"""Suggestions from readers: a visitor proposes a page to a public topic.

Nothing is fetched while the visitor waits (the address is only checked for form): a
one-off job (:func:`read_suggested_page`, run by the ``tasks`` stage) reads the page's
title, site and description through the guarded client afterwards, so the queue shows
more than a raw address; the page is read again when a curator opens it to scoop. The
visitor is known only as the hash of their address under the day's random salt
(``analytics.throttle``), which is deleted after a day: enough to count suggestions per
hour, not to recognise anyone later.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from florilege.analytics import throttle
from florilege.curation.models import DeskItem, ReaderSuggestion, Scoop
from florilege.curation.services import desk
from florilege.jobs.tasks import enqueue
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError
from florilege.lib.urls import canonical_url, is_http_url
from florilege.sources.extract import extract_page
from florilege.topics.models import Topic
from florilege.topics.services import require_curator

NOTE_LENGTH = 500
# Pending reader suggestions listed in the queue, newest first.
QUEUE_SHOWN = 20
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
log = logging.getLogger("florilege.curation")


class RateLimited(ValidationError):
    pass


def suggest_page(
    topic: Topic, url: str, note: str, address: str, now: datetime, honeypot: str = ""
) -> ReaderSuggestion | None:
    """Queue ``url`` for the topic's curators. Returns None (and stores nothing) when the
    honeypot field was filled: the bot is thanked like anyone, so it learns nothing."""
    if not topic.is_public:
        raise ValidationError(_("This topic does not take suggestions."))
    url = (url or "").strip()
    if not is_http_url(url) or len(url) > 2000:
        raise ValidationError(_("Enter a full web address starting with http:// or https://."))
    note = " ".join((note or "").split())
    if len(note) > NOTE_LENGTH:
        raise ValidationError(
            _("Keep the note under %(n)d characters, please.") % {"n": NOTE_LENGTH}
        )
    if honeypot:
        return None
    who = throttle.address_key(address, now)
    limit = settings.CONFIG.READER_SUGGESTIONS_PER_HOUR
    if not throttle.allow("suggest", who, limit, now):
        raise RateLimited(
            _("You have suggested %(n)d pages in the last hour; please try again later.")
            % {"n": limit}
        )
    item = ReaderSuggestion.objects.create(
        topic=topic,
        url=url,
        canonical_url=canonical_url(url)[:2000],
        note=note,
        visitor=who,
        created_at=now,
    )
    enqueue(read_suggested_page, item.pk)
    desk.record(suggestion_feedback(item), now)
    return item


def backfill_desk(now: datetime) -> int:
    """The desk's items for suggestions received before it existed."""
    count = 0
    for item in ReaderSuggestion.objects.select_related("topic").iterator():
        desk.record(suggestion_feedback(item), item.created_at, announced=False)
        count += 1
    return count


def suggestion_feedback(item: ReaderSuggestion) -> desk.Feedback:
    """How the engagement desk shows a reader's suggestion (readers cannot be answered:
    they are anonymous)."""
    return desk.Feedback(
        topic=item.topic,
        kind=DeskItem.Kind.SUGGESTION,
        key=f"suggestion:{item.pk}",
        text=" ".join(part for part in (item.url, item.note) if part),
        link=item.url,
        handled=item.status != ReaderSuggestion.Status.PENDING,
    )


@task()
def read_suggested_page(suggestion_id: int) -> bool:
    """Fill a pending reader suggestion's title, site and description from its page, read
    through the guarded client. True when the page gave something; False when it could not
    be read (the queue keeps showing the host) or the suggestion is gone or decided. Runs
    once: ``page_read_at`` is set either way."""
    item = ReaderSuggestion.objects.filter(
        pk=suggestion_id, status=ReaderSuggestion.Status.PENDING, page_read_at__isnull=True
    ).first()
    if item is None:
        return False
    title = site = description = ""
    try:
        response = fetch_one(item.url, {"Accept": PAGE_ACCEPT})
    except FetchError as exc:
        log.info("event=reader_page_unreadable id=%s error=%s", item.pk, exc.message)
    else:
        if response.status == 200:
            meta = extract_page(
                response.content, response.url, response.content_type, with_text=False
            )
            title, site, description = meta.title, meta.site_name, meta.description
    ReaderSuggestion.objects.filter(pk=item.pk).update(
        title=title[:300],
        site_name=site[:300],
        description=description[:1000],
        page_read_at=timezone.now(),
    )
    return bool(title or site or description)


def pending_for(topic: Topic) -> QuerySet[ReaderSuggestion]:
    return ReaderSuggestion.objects.filter(
        topic=topic, status=ReaderSuggestion.Status.PENDING
    ).order_by("-created_at", "-id")


def discard(topic: Topic, user, suggestion_id: int, now: datetime) -> int:
    """Discard a reader suggestion, and any other pending one of the same page."""
    require_curator(user, topic)
    item = pending_for(topic).filter(pk=suggestion_id).first()
    if item is None:
        raise ValidationError(_("This reader suggestion has already been decided."))
    same = pending_for(topic).filter(canonical_url=item.canonical_url)
    _resolve_on_desk(topic, list(same.values_list("pk", flat=True)), now)
    return same.update(status=ReaderSuggestion.Status.DISCARDED, decided_at=now, decided_by=user)


def _resolve_on_desk(topic: Topic, suggestion_ids: list[int], now: datetime) -> None:
    desk.resolve(topic, [f"suggestion:{pk}" for pk in suggestion_ids], now)


def settle_scooped(scoop: Scoop, user, now: datetime) -> int:
    """A page scooped in a topic answers every pending reader suggestion of it there."""
    same = pending_for(scoop.topic).filter(canonical_url=scoop.canonical_url)
    _resolve_on_desk(scoop.topic, list(same.values_list("pk", flat=True)), now)
    return same.update(status=ReaderSuggestion.Status.SCOOPED, decided_at=now, decided_by=user)
