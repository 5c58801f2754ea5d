"""Fetch sources and record the outcome: entries stored, errors shown, next fetch planned.

The network part (:func:`fetch_many`) is async and touches no database; the recording
part (:func:`record_outcome`) is sync and touches no network. The worker joins them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus

from django.conf import settings
from django.db.models import F

from florilege.lib.http import FetchError, FetchResponse, GuardedClient
from florilege.sources import schedule, websub
from florilege.sources.models import Entry, Source
from florilege.sources.parsing import FeedParseError, ParsedFeed, parse_feed
from florilege.sources.services.ingest import FeedPlan, apply_plan, plan_feed

_rng = random.SystemRandom()
log = logging.getLogger("florilege.fetch")


@dataclass
class FetchOutcome:
    source_id: int
    response: FetchResponse | None = None
    error: FetchError | None = None


# What a fetch writes on its source; saving only these never overwrites a curator's edit
# made while the fetch ran. ``entry_count`` is not among them: it is only ever added to in
# the database, so a WebSub push stored during the fetch keeps its share.
FETCH_STATE_FIELDS = (
    "url", "title", "description", "site_url", "feed_format", "enabled", "disabled_reason",
    "etag", "last_modified", "last_fetched_at", "last_success_at", "last_status",
    "last_error", "error_count", "next_fetch_at", "leased_until", "lease_owner",
    "websub_hub", "websub_topic", "fetch_interval", "skipped_items", "skip_reason",
    "dropped_items",
)  # fmt: skip


def save_fetch_state(source: Source, lease_owner: str | None = None) -> bool:
    """Save the fetch state and release the lease; False if the source was deleted meanwhile
    or, when ``lease_owner`` is given, if that worker no longer holds its lease."""
    mine = Source.objects.filter(pk=source.pk)
    if lease_owner is not None:
        mine = mine.filter(lease_owner=lease_owner)
    source.leased_until = None
    source.lease_owner = ""
    return bool(mine.update(**{name: getattr(source, name) for name in FETCH_STATE_FIELDS}))


def stores_entries(outcome: FetchOutcome) -> bool:
    """Whether recording ``outcome`` writes entries, or only the source's own row."""
    return outcome.error is None and outcome.response is not None and outcome.response.status == 200


def conditional_headers(source: Source) -> dict[str, str]:
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
        "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
    }
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    return headers


async def fetch_many(client: GuardedClient, sources: Sequence[Source]) -> list[FetchOutcome]:
    """Fetch every source concurrently; an error in one never affects the others."""

    async def one(source: Source) -> FetchOutcome:
        try:
            response = await client.get(source.url, conditional_headers(source))
        except FetchError as exc:
            return FetchOutcome(source.pk, error=exc)
        except Exception as exc:  # a bug must cost one source, never the batch
            log.exception("source=%s event=fetch_crashed", source.pk)
            return FetchOutcome(source.pk, error=FetchError("internal", _internal(exc)))
        return FetchOutcome(source.pk, response=response)

    return list(await asyncio.gather(*(one(s) for s in sources)))


def bounds(source: Source | None = None, now: datetime | None = None) -> schedule.Bounds:
    cfg = settings.CONFIG
    low, high = float(cfg.FETCH_MIN_INTERVAL), float(cfg.FETCH_MAX_INTERVAL)
    if (
        source is not None
        and now is not None
        and websub.push_active(source.websub_state, source.websub_expires_at, now)
    ):
        # Pushes bring news within seconds; polling is only the safety net.
        low = max(low, min(high, websub.POLL_INTERVAL_WHEN_PUSHED.total_seconds()))
    return schedule.Bounds(low, high)


def read_feed(response: FetchResponse) -> ParsedFeed:
    """Parse a fetched body within this instance's limits: at most ``FETCH_MAX_ITEMS``
    items are kept while reading, and a body over ``FETCH_MAX_BYTES`` is refused (one that
    did not come through the guarded client, such as a push, would not be cut short)."""
    cfg = settings.CONFIG
    return parse_feed(
        response.content,
        url=response.url,
        content_type=response.content_type,
        max_items=cfg.FETCH_MAX_ITEMS,
        max_bytes=cfg.FETCH_MAX_BYTES,
    )


def prepare(
    source: Source, outcome: FetchOutcome, now: datetime
) -> FeedPlan | FeedParseError | None:
    """The CPU-heavy part of recording a 200 answer (parse, sanitise, match, language,
    fingerprint), done before the write transaction so workers share the database well.
    None when there is nothing to prepare."""
    response = outcome.response
    if response is None or response.status != HTTPStatus.OK:
        return None
    try:
        feed = read_feed(response)
    except FeedParseError as exc:
        return exc
    return plan_feed(source, feed, now)


def record_outcome(
    source: Source,
    outcome: FetchOutcome,
    now: datetime,
    prepared: FeedPlan | FeedParseError | None = None,
    *,
    pushed: bool = False,
) -> list[Entry]:
    """Apply a fetch outcome to its source; return the entries that are new. ``prepared``
    is what :func:`prepare` made of it, if it was called first. A WebSub push (``pushed``)
    often carries only the new items, without the hub link or a full run of dates: it
    stores entries but leaves the subscription and the polling rate alone."""
    source.last_fetched_at = now
    if outcome.error is not None:
        record_failure(source, outcome.error.message, now)
        return []
    response = outcome.response
    assert response is not None
    source.last_status = response.status
    if response.permanent_url and response.status in (HTTPStatus.OK, HTTPStatus.NOT_MODIFIED):
        # Only a redirect that leads to the feed moves it; one to an error page does not.
        _move(source, response.permanent_url)
    if response.status == HTTPStatus.NOT_MODIFIED:
        _succeed(source, now, dates=None)
        return []
    if response.status == HTTPStatus.GONE:
        source.enabled = False
        source.disabled_reason = "The server says this feed is gone for good (410 Gone)."
        record_failure(source, source.disabled_reason, now)
        return []
    if response.status != HTTPStatus.OK:
        retry = None
        if response.status in (429, 503):
            retry = schedule.parse_retry_after(response.headers.get("retry-after", ""), now)
        record_failure(source, _status_message(response.status), now, retry_after=retry)
        return []
    plan = prepared if prepared is not None else prepare(source, outcome, now)
    if isinstance(plan, FeedParseError):
        record_failure(source, _not_a_feed(response, plan), now)
        return []
    assert plan is not None
    feed = plan.feed
    new = apply_plan(source, plan)
    if new:
        Source.objects.filter(pk=source.pk).update(entry_count=F("entry_count") + len(new))
        source.entry_count += len(new)
    if pushed:
        return new
    source.skipped_items = plan.skips.count
    source.skip_reason = plan.skips.reason[:500]
    source.dropped_items = plan.dropped
    # Remember an advertised WebSub hub; the subscription itself is the worker's business.
    hub = (feed.hubs[0] if feed.hubs else "")[:2000]
    if hub != source.websub_hub and source.websub_state:
        # A new hub (or none): our subscription with the old one no longer brings news.
        Source.objects.filter(pk=source.pk).update(websub_state="", websub_expires_at=None)
        source.websub_state, source.websub_expires_at = "", None
    source.websub_hub = hub
    source.websub_topic = (feed.self_url or source.url)[:2000] if feed.hubs else ""
    source.etag = response.headers.get("etag", "")[:500]
    source.last_modified = response.headers.get("last-modified", "")[:100]
    dates = [d for d in (e.published or e.updated for e in feed.entries) if d is not None]
    _succeed(source, now, dates=dates, warning=feed.bozo)
    return new


def _succeed(
    source: Source, now: datetime, dates: list[datetime] | None, warning: str = ""
) -> None:
    """The posting rate comes from the dates the feed just listed; a 304 lists none, so
    the interval chosen at the last full read is kept."""
    source.last_success_at = now
    source.error_count = 0
    source.last_error = f"Read in part: {warning}" if warning else ""
    if dates is not None or source.fetch_interval is None:
        # Kept as the feed's own rate (within the plain bounds); the slower polling while
        # WebSub pushes is applied when scheduling, so it ends when the pushes do.
        source.fetch_interval = schedule.poll_interval(dates or [], bounds())
    limits = bounds(source, now)
    interval = schedule.clamp(source.fetch_interval, limits)
    source.next_fetch_at = schedule.next_fetch_in(now, interval, _rng, limits.jitter)


def record_failure(
    source: Source, message: str, now: datetime, retry_after: float | None = None
) -> None:
    """Show ``message`` on the source and back off before the next attempt."""
    source.error_count += 1
    source.last_error = message
    source.next_fetch_at = schedule.next_fetch_after_error(
        now, source.error_count, bounds(), _rng, retry_after=retry_after
    )


def _move(source: Source, new_url: str) -> None:
    # Another row may already follow the new address; keep ours rather than violate unique.
    if (
        new_url != source.url
        and not Source.objects.filter(url=new_url).exclude(pk=source.pk).exists()
    ):
        source.url = new_url[:2000]


def _internal(exc: Exception) -> str:
    return f"Internal error while fetching this feed ({type(exc).__name__}); it will be retried."


def _status_message(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown status"
    return f"The server answered {status} {phrase}."


def _not_a_feed(response: FetchResponse, exc: FeedParseError) -> str:
    kind = response.content_type.split(";")[0].strip() or "no content type"
    return f"This address did not return a readable feed ({kind}): {exc}"
