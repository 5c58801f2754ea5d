"""Suggestions from readers: a visitor proposes a page to a public topic.

Nothing is fetched while the visitor waits (the address is only checked for form); the page
is read through the guarded client when a curator opens it to scoop. The visitor is known
only as the hash of their address under the day's random salt (``analytics.throttle``),
which is deleted after a day: enough to count suggestions per hour, not to recognise anyone
later.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from florilege.analytics import throttle
from florilege.curation.models import ReaderSuggestion, Scoop
from florilege.lib.urls import canonical_url, is_http_url
from florilege.topics.models import Topic
from florilege.topics.services import require_curator

NOTE_LENGTH = 500
# Pending reader suggestions listed in the queue, newest first.
QUEUE_SHOWN = 20


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
    return ReaderSuggestion.objects.create(
        topic=topic,
        url=url,
        canonical_url=canonical_url(url)[:2000],
        note=note,
        visitor=who,
        created_at=now,
    )


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
    return (
        pending_for(topic)
        .filter(canonical_url=item.canonical_url)
        .update(status=ReaderSuggestion.Status.DISCARDED, decided_at=now, decided_by=user)
    )


def settle_scooped(scoop: Scoop, user, now: datetime) -> int:
    """A page scooped in a topic answers every pending reader suggestion of it there."""
    return (
        pending_for(scoop.topic)
        .filter(canonical_url=scoop.canonical_url)
        .update(status=ReaderSuggestion.Status.SCOOPED, decided_at=now, decided_by=user)
    )
