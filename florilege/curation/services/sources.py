"""Adding a source to a topic: resolve a page to its feed, store what it has right away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from florilege.curation.models import Topic, TopicSource
from florilege.curation.services.topics import require_curator
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError, FetchResponse
from florilege.lib.urls import is_http_url
from florilege.sources.discovery import find_feed_links
from florilege.sources.models import Source
from florilege.sources.parsing import FeedParseError, ParsedFeed, parse_feed
from florilege.sources.services.fetch import FetchOutcome, record_outcome, save_fetch_state
from florilege.suggestions.models import Suggestion
from florilege.suggestions.services import enrich_and_suggest, suggest_to_topic

BACKFILL = 100


@dataclass
class Resolved:
    feed_url: str
    response: FetchResponse
    feed: ParsedFeed


def resolve_feed(url: str) -> Resolved:
    """Fetch ``url``; if it is a page rather than a feed, follow its advertised feed link.

    The address kept is the one asked for (or the feed link as advertised), moved only by a
    permanent redirect: a temporary redirect may point at a short-lived mirror.
    """
    url = url.strip()
    if not is_http_url(url):
        raise ValidationError("Enter a full web address starting with http:// or https://.")
    response = _get(url)
    try:
        return Resolved(response.permanent_url or url, response, _parse(response))
    except FeedParseError:
        pass
    links = find_feed_links(response.content, response.url)
    if not links:
        raise ValidationError(
            "No feed found at this address: it is not a feed and the page does not "
            'advertise one (<link rel="alternate">).'
        )
    feed_response = _get(links[0].url)
    try:
        feed = _parse(feed_response)
    except FeedParseError as exc:
        raise ValidationError(
            f"The page points to {links[0].url}, which is not a feed: {exc}"
        ) from exc
    return Resolved(feed_response.permanent_url or links[0].url, feed_response, feed)


def _get(url: str) -> FetchResponse:
    try:
        response = fetch_one(url)
    except FetchError as exc:
        raise ValidationError(f"Could not fetch {url}: {exc.message}") from exc
    if response.status != 200:
        raise ValidationError(f"Could not fetch {url}: the server answered {response.status}.")
    return response


def _parse(response: FetchResponse) -> ParsedFeed:
    return parse_feed(response.content, url=response.url, content_type=response.content_type)


def add_source(topic: Topic, url: str, user, now: datetime) -> Source:
    """Follow the feed behind ``url`` in ``topic``. The fetch happens first, outside any
    transaction; storing the link and the first batch of entries is one transaction."""
    require_curator(user, topic)
    resolved = resolve_feed(url)
    with transaction.atomic():
        source, created = Source.objects.get_or_create(url=resolved.feed_url[:2000])
        if TopicSource.objects.filter(topic=topic, source=source).exists():
            raise ValidationError("This topic already follows that feed.")
        TopicSource.objects.create(topic=topic, source=source, added_by=user, added_at=now)
        if created or not source.enabled:
            # New, or disabled earlier (410 Gone) but answering again: read what we fetched.
            source.enabled, source.disabled_reason = True, ""
            outcome = FetchOutcome(source.pk, response=resolved.response)
            new = record_outcome(source, outcome, now)
            save_fetch_state(source)
            enrich_and_suggest(new, now)
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
        TopicSource.objects.filter(topic=topic, source_id=source_id).delete()
        Suggestion.objects.filter(
            topic=topic, entry__source_id=source_id, status=Suggestion.Status.PENDING
        ).delete()


def set_full_text(topic: Topic, source_id: int, enabled: bool, user) -> None:
    """Fetch article pages for this source's new items (it is shared by every topic that
    follows it, so only a curator of a following topic may change it)."""
    require_curator(user, topic)
    if not TopicSource.objects.filter(topic=topic, source_id=source_id).exists():
        raise PermissionDenied("This topic does not follow that source.")
    Source.objects.filter(pk=source_id).update(full_text=enabled)
