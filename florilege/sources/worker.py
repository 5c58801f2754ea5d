"""The ingest stages: lease due sources, fetch them concurrently, store their new entries;
fetch article pages for full-text sources.

Sources are rows with ``next_fetch_at``; a worker leases a batch through the one lease
primitive (``florilege.jobs.leases``), so several workers share the table. A crash leaves
the lease to expire and the source due again; storing is an upsert, so a refetch loses and
doubles nothing. Scoring, stories and everything later are stages of their own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from florilege.jobs import leases
from florilege.jobs.leases import worker_id
from florilege.jobs.runtime import Network
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
from florilege.topics.models import TopicSource

log = logging.getLogger("florilege.worker")


@dataclass
class FetchReport:
    fetched: int = 0
    new_entries: int = 0
    errors: list[str] = field(default_factory=list)


def due_sources(now: datetime):
    """Enabled sources whose time has come; only those some topic follows: an unfollowed
    feed is not fetched for nobody."""
    followed = TopicSource.objects.filter(source=OuterRef("pk"))
    return Source.objects.filter(enabled=True, next_fetch_at__lte=now).filter(Exists(followed))


def lease_due(now: datetime, limit: int, owner: str) -> list[Source]:
    return leases.claim(
        due_sources(now).order_by("next_fetch_at"), now=now, limit=limit, owner=owner
    )


def fetch_cycle(now: datetime, net: Network, limit: int | None = None) -> FetchReport:
    """Ingest: lease due sources, fetch them concurrently, store new entries (sanitised,
    language-tagged, fingerprinted) and the sources' next fetch."""
    owner = worker_id()
    batch = lease_due(now, limit or settings.CONFIG.WORKER_BATCH, owner)
    report = FetchReport(fetched=len(batch))
    if batch:
        _fetch_and_record(batch, net, now, report, owner)
    return report


def full_text_cycle(now: datetime, net: Network) -> int:
    """Fetch article pages for full-text sources (a bounded number per cycle)."""
    entries = fulltext.claim(now, settings.CONFIG.FULL_TEXT_BATCH)
    if not entries:
        return 0

    outcomes = net.run(lambda client: fulltext.fetch_pages(client, entries))
    return sum(fulltext.apply_page(outcome, now) for outcome in outcomes)


def _fetch_and_record(
    batch: list[Source], net: Network, now: datetime, report: FetchReport, owner: str
) -> None:
    outcomes = net.run(lambda client: fetch_many(client, batch))
    by_id = {s.pk: s for s in batch}
    for outcome in outcomes:
        source = by_id[outcome.source_id]
        report.new_entries += record_fetched(source, outcome, now, report, owner)


def record_fetched(
    source: Source, outcome: FetchOutcome, now: datetime, report: FetchReport, owner: str
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
            mine = leases.owned(Source, source.pk, owner).select_for_update()
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


def _report(source: Source, report: FetchReport, new: int) -> None:
    if source.last_error:
        report.errors.append(f"{source.url}: {source.last_error}")
    log.info("source=%s status=%s new=%d", source.pk, source.last_status, new)


def _record_crash(source_id: int, exc: Exception, now: datetime, owner: str) -> None:
    """Show the failure on the source, if it is still ours; never raises (the rest of the
    batch must still be recorded)."""
    try:
        source = leases.owned(Source, source_id, owner).first()
        if source is None:
            return
        message = f"Internal error while storing this feed: {type(exc).__name__}."
        record_failure(source, message, now)
        save_fetch_state(source)
    except Exception:
        log.exception("source=%s event=record_crash_failed", source_id)
