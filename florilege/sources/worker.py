"""The background worker: lease due sources, fetch them concurrently, store, suggest.

Sources are rows with ``next_fetch_at``; a worker takes a batch by setting ``leased_until``
(on PostgreSQL under ``SELECT … FOR UPDATE SKIP LOCKED`` so several workers share the
table). A crash leaves the lease to expire and the source due again; storing is an upsert,
so a refetch loses and doubles nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from florilege.curation.models import TopicSource
from florilege.curation.services.publication import publish_due
from florilege.federation.worker import federation_cycle
from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchPolicy, GuardedClient
from florilege.publishing.services.digest import digest_cycle
from florilege.sources.models import Source
from florilege.sources.services import fulltext
from florilege.sources.services.fetch import (
    FetchOutcome,
    fetch_many,
    prepare,
    record_failure,
    record_outcome,
    save_fetch_state,
    stores_entries,
)
from florilege.sources.services.websub import websub_cycle
from florilege.suggestions.learning import ranking_cycle
from florilege.suggestions.services import SUGGEST_BATCH, suggest_pending
from florilege.suggestions.stories import ENRICH_BATCH, enrich_pending

log = logging.getLogger("florilege.worker")
# Enrichment batches per cycle at most (ENRICH_BATCH entries each).
ENRICH_ROUNDS = 50
ClientFactory = Callable[[], GuardedClient]
T = TypeVar("T")
Work = Callable[[GuardedClient], Awaitable[T]]


class Network(Protocol):
    """Where a stage's network work runs: ``run(work)`` calls ``work(client)`` in an event
    loop and returns its result."""

    def run(self, work: Work[T]) -> T: ...


class PerCycle:
    """A fresh event loop and client for each call (tests, one-off commands)."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory

    def run(self, work: Work[T]) -> T:
        async def once() -> T:
            async with self.factory() as client:
                return await work(client)

        return asyncio.run(once())


class WorkerRuntime:
    """One event loop and one guarded client for the life of a worker process, so
    connections stay open between cycles and pools and TLS set-up are built once. The
    client is rebuilt when the settings change its policy."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: GuardedClient | None = None
        self._policy: FetchPolicy | None = None

    def run(self, work: Work[T]) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        policy = policy_from_settings()
        if self._client is None or policy != self._policy:
            self.close_client()
            self._client, self._policy = GuardedClient(policy), policy
        return self._loop.run_until_complete(work(self._client))

    def close_client(self) -> None:
        if self._client is not None and self._loop is not None:
            self._loop.run_until_complete(self._client.__aexit__(None, None, None))
        self._client = None

    def close(self) -> None:
        self.close_client()
        if self._loop is not None:
            self._loop.close()
            self._loop = None


@dataclass
class CycleReport:
    fetched: int = 0
    new_entries: int = 0
    full_texts: int = 0
    enriched: int = 0
    suggested: int = 0
    published: int = 0  # scheduled scoops whose time came
    retrained: int = 0
    errors: list[str] = field(default_factory=list)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_due(now: datetime, limit: int, owner: str) -> list[Source]:
    with transaction.atomic():
        # Only sources some topic follows: an unfollowed feed is not fetched for nobody.
        followed = TopicSource.objects.filter(source=OuterRef("pk"))
        due = (
            Source.objects.filter(enabled=True, next_fetch_at__lte=now)
            .filter(Exists(followed))
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .order_by("next_fetch_at")
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        batch = list(due[:limit])
        Source.objects.filter(pk__in=[s.pk for s in batch]).update(
            leased_until=now + timedelta(seconds=settings.CONFIG.WORKER_LEASE_SECONDS),
            lease_owner=owner,
        )
    return batch


def run_cycle(
    now: datetime | None = None,
    *,
    client_factory: ClientFactory | None = None,
    limit: int | None = None,
    runtime: Network | None = None,
) -> CycleReport:
    """Fetch one batch of due sources. Returns what happened; never raises for a bad feed."""
    now = now or timezone.now()
    factory = client_factory or (lambda: GuardedClient(policy_from_settings()))
    try:
        websub_cycle(now, factory)
    except Exception:
        # Push is an optimisation over polling: its failure must not stop the fetching.
        log.exception("event=websub_cycle_failed")
    net = runtime or PerCycle(factory)
    report = fetch_cycle(now, net, limit)
    # Each later stage stands alone: a failure in one is logged and retried next cycle,
    # and never keeps the other from running.
    try:
        report.full_texts = full_text_cycle(now, net)
    except Exception:
        log.exception("event=full_text_cycle_failed")
    try:
        report.enriched = enrich_cycle(now)
    except Exception:
        log.exception("event=enrich_cycle_failed")
    try:
        report.suggested = suggest_cycle(now)
    except Exception:
        log.exception("event=suggest_cycle_failed")
    _digest_stage(now)
    try:
        report.published = publish_due(now)
    except Exception:
        log.exception("event=publish_due_failed")
    try:
        federation_cycle(now)
    except Exception:
        log.exception("event=federation_cycle_failed")
    try:
        from florilege.publishing.hub import ping_cycle

        ping_cycle(now, factory)
    except Exception:
        log.exception("event=hub_ping_cycle_failed")
    try:
        report.retrained = ranking_cycle(now).trained
    except Exception:
        log.exception("event=ranking_cycle_failed")
    return report


def _digest_stage(now: datetime) -> None:
    """Newsletter editions: planned and sent as leased rows (publishing.services.digest)."""
    try:
        sent = digest_cycle(now, worker_id())
        if sent.planned or sent.sent or sent.failed:
            log.info("event=digest_cycle planned=%d sent=%d failed=%d", sent.planned, sent.sent,
                     sent.failed)  # fmt: skip
    except Exception:
        log.exception("event=digest_cycle_failed")


def fetch_cycle(now: datetime, net: Network, limit: int | None = None) -> CycleReport:
    """Ingest: lease due sources, fetch them concurrently, store new entries (sanitised,
    language-tagged, fingerprinted) and the sources' next fetch."""
    owner = worker_id()
    batch = lease_due(now, limit or settings.CONFIG.WORKER_BATCH, owner)
    report = CycleReport(fetched=len(batch))
    if batch:
        _fetch_and_record(batch, net, now, report, owner)
    return report


def suggest_cycle(now: datetime) -> int:
    """Rank what ingest stored for the topics that follow it, until nothing is pending."""
    total = 0
    while True:
        scored, _ = suggest_pending(now)
        total += scored
        if scored < SUGGEST_BATCH:
            return total


def enrich_cycle(now: datetime) -> int:
    """Sentence vectors and stories for what ingest stored, in batches, before suggesting
    (the encoder is too slow for the fetch path; batched, it runs hundreds per second)."""
    total = 0
    # Bounded, so a batch that keeps coming back full (a bug) cannot hold the worker.
    for _ in range(ENRICH_ROUNDS):
        done = enrich_pending(now)
        total += done
        if done < ENRICH_BATCH:
            break
    return total


def full_text_cycle(now: datetime, net: Network) -> int:
    """Fetch article pages for full-text sources (a bounded number per cycle)."""
    entries = fulltext.claim(now, settings.CONFIG.FULL_TEXT_BATCH)
    if not entries:
        return 0

    outcomes = net.run(lambda client: fulltext.fetch_pages(client, entries))
    return sum(fulltext.apply_page(outcome, now) for outcome in outcomes)


def _fetch_and_record(
    batch: list[Source], net: Network, now: datetime, report: CycleReport, owner: str
) -> None:
    outcomes = net.run(lambda client: fetch_many(client, batch))
    by_id = {s.pk: s for s in batch}
    for outcome in outcomes:
        source = by_id[outcome.source_id]
        report.new_entries += record_fetched(source, outcome, now, report, owner)


def record_fetched(
    source: Source, outcome: FetchOutcome, now: datetime, report: CycleReport, owner: str
) -> int:
    """Store one fetch outcome; never raises (a failure is recorded on the source)."""
    try:
        prepared = prepare(source, outcome, now)
        if not stores_entries(outcome):
            # An unchanged feed (304) or a failure writes one row: a single UPDATE that
            # also checks the lease is atomic on its own, with no transaction to hold.
            record_outcome(source, outcome, now, prepared)
            if not save_fetch_state(source, lease_owner=owner):
                return 0
            _report(source, report, new=0)
            return 0
        with transaction.atomic():
            mine = Source.objects.select_for_update().filter(pk=source.pk, lease_owner=owner)
            if not mine.exists():
                # Deleted while it was fetched, or our lease ran out and another worker
                # took it: its result is theirs to record.
                return 0
            new = record_outcome(source, outcome, now, prepared)
            save_fetch_state(source)
    except Exception as exc:
        # A bug on one source must not stop the worker; the source shows what happened and
        # is retried later with backoff, its entries untouched (the transaction rolled back).
        log.exception("source=%s event=record_failed", source.pk)
        _record_crash(source.pk, exc, now, owner)
        report.errors.append(f"{source.url}: {exc}")
        return 0
    _report(source, report, new=len(new))
    return len(new)


def _report(source: Source, report: CycleReport, new: int) -> None:
    if source.last_error:
        report.errors.append(f"{source.url}: {source.last_error}")
    log.info("source=%s status=%s new=%d", source.pk, source.last_status, new)


def _record_crash(source_id: int, exc: Exception, now: datetime, owner: str) -> None:
    """Show the failure on the source, if it is still ours; never raises (the rest of the
    batch must still be recorded)."""
    try:
        source = Source.objects.filter(pk=source_id, lease_owner=owner).first()
        if source is None:
            return
        message = f"Internal error while storing this feed: {type(exc).__name__}."
        record_failure(source, message, now)
        save_fetch_state(source)
    except Exception:
        log.exception("source=%s event=record_crash_failed", source_id)
