"""Adding a source to a topic: resolve a page to its feed, store what it has right away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from florilege.curation.services import audit
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError, FetchResponse
from florilege.lib.urls import is_http_url
from florilege.sources.models import Entry, Source
from florilege.sources.parsing import FeedParseError, ParsedFeed
from florilege.sources.profiles import feed_candidates, profile_feed_urls
from florilege.sources.services.fetch import (
    FetchOutcome,
    read_feed,
    record_outcome,
    save_fetch_state,
)
from florilege.suggestions.models import Suggestion
from florilege.suggestions.services import suggest_entries, suggest_to_topic
from florilege.topics.models import Topic, TopicSource
from florilege.topics.services import require_curator

BACKFILL = 100


@dataclass
class Resolved:
    feed_url: str
    response: FetchResponse
    feed: ParsedFeed


def resolve_feed(url: str) -> Resolved:
    """Find the feed behind ``url``; the first candidate that parses as a feed wins.

    A profile address (Mastodon account or hashtag, YouTube channel, subreddit, GitHub
    repository) maps to its feed without fetching the page. Otherwise ``url`` is fetched:
    a feed is kept as is; a page gives the feeds it names (YouTube's channel id, then
    ``<link rel="alternate">``) or, when it names none, a few common paths
    (``profiles.MAX_GUESSES`` fetches at most).

    The address kept is the one asked for (or the candidate as listed), moved only by a
    permanent redirect: a temporary redirect may point at a short-lived mirror.
    """
    url = url.strip()
    if not is_http_url(url):
        raise ValidationError(
            gettext("Enter a full web address starting with http:// or https://.")
        )
    mapped = profile_feed_urls(url)
    for candidate in mapped:
        resolved, _ = _try_feed(candidate)
        if resolved is not None:
            return resolved
    response = _get(url)
    try:
        return Resolved(response.permanent_url or url, response, _parse(response))
    except FeedParseError as exc:
        unreadable = exc
    found = feed_candidates(response.url, response.content)
    problems: dict[str, str] = {}
    for candidate in found.all():
        if candidate in mapped:
            continue  # already tried, and it was not a feed
        resolved, problems[candidate] = _try_feed(candidate)
        if resolved is not None:
            return resolved
    if found.named:
        first = found.named[0]
        raise ValidationError(
            gettext("The page points to %(url)s, which %(problem)s")
            % {"url": first, "problem": problems.get(first, "")}
        )
    if "html" not in response.content_type.lower():
        # Not a page that could point to a feed: most likely a feed we cannot read, and
        # why is more use than "no feed found".
        raise ValidationError(
            gettext("This address does not give a feed that can be read: %(error)s")
            % {"error": unreadable}
        )
    raise ValidationError(
        gettext(
            "No feed found at this address: it is not a feed, the page does not advertise one "
            '(<link rel="alternate">), and none of the usual feed addresses (/feed, /rss, '
            "/feed.xml...) has one."
        )
    )


def _try_feed(url: str) -> tuple[Resolved | None, str]:
    """Fetch and parse one candidate; (None, what went wrong in words) if it is no feed."""
    try:
        response = fetch_one(url)
    except FetchError as exc:
        return None, gettext("could not be fetched: %(error)s") % {"error": exc.message}
    if response.status != 200:
        return None, gettext("could not be fetched: the server answered %(status)s.") % {
            "status": response.status
        }
    try:
        return Resolved(response.permanent_url or url, response, _parse(response)), ""
    except FeedParseError as exc:
        return None, gettext("is not a feed: %(error)s") % {"error": exc}


def _get(url: str) -> FetchResponse:
    try:
        response = fetch_one(url)
    except FetchError as exc:
        raise ValidationError(
            gettext("Could not fetch %(url)s: %(error)s") % {"url": url, "error": exc.message}
        ) from exc
    if response.status != 200:
        raise ValidationError(
            gettext("Could not fetch %(url)s: the server answered %(status)s.")
            % {"url": url, "status": response.status}
        )
    return response


def _parse(response: FetchResponse) -> ParsedFeed:
    return read_feed(response)


def add_source(topic: Topic, url: str, user, now: datetime) -> Source:
    """Follow the feed behind ``url`` in ``topic``. The fetch happens first, outside any
    transaction; storing the link and the first batch of entries is one transaction."""
    require_curator(user, topic)
    resolved = resolve_feed(url)
    with transaction.atomic():
        source, created = Source.objects.get_or_create(url=resolved.feed_url[:2000])
        if TopicSource.objects.filter(topic=topic, source=source).exists():
            raise ValidationError(gettext("This topic already follows that feed."))
        TopicSource.objects.create(topic=topic, source=source, added_by=user, added_at=now)
        audit.record(topic, user, "source_added", now, source, url=source.url)
        if created or not source.enabled:
            # New, or disabled earlier (410 Gone) but answering again: read what we fetched.
            source.enabled, source.disabled_reason = True, ""
            outcome = FetchOutcome(source.pk, response=resolved.response)
            new = record_outcome(source, outcome, now)
            save_fetch_state(source)
            suggest_entries(new, now)
        else:
            # The feed is already fetched for another topic: suggest what it already has.
            recent = list(source.entries.order_by("-fetched_at", "-id")[:BACKFILL])
            suggest_to_topic(topic, recent, now)
    return source


def remove_source(topic: Topic, source_id: int, user) -> None:
    """Unfollow; the source's pending suggestions leave this topic's queue (decided ones,
    and scoops, stay). A source nobody follows is no longer fetched."""
    require_curator(user, topic)
    with transaction.atomic():
        source = Source.objects.filter(pk=source_id).first()
        removed, _ = TopicSource.objects.filter(topic=topic, source_id=source_id).delete()
        if removed:
            audit.record(topic, user, "source_removed", timezone.now(), source,
                         url=source.url if source else "")  # fmt: skip
        Suggestion.objects.filter(
            topic=topic, entry__source_id=source_id, status=Suggestion.Status.PENDING
        ).delete()


def set_full_text(topic: Topic, source_id: int, enabled: bool, user, now: datetime) -> None:
    """Fetch article pages for this source's new items (it is shared by every topic that
    follows it, so only a curator of a following topic may change it)."""
    require_curator(user, topic)
    if not TopicSource.objects.filter(topic=topic, source_id=source_id).exists():
        raise PermissionDenied(gettext("This topic does not follow that source."))
    with transaction.atomic():
        changed = Source.objects.filter(pk=source_id, full_text=not enabled).update(
            full_text=enabled
        )
        if changed and enabled:
            # Only items that arrive from now on: the backlog would delay them for hours.
            Entry.objects.filter(source_id=source_id, extracted_at__isnull=True).update(
                extracted_at=now
            )
