"""The sources app's background stages: WebSub subscriptions, fetching, full text."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import Min

from florilege.jobs import leases
from florilege.jobs.registry import Backlog, Stage, StageContext, register
from florilege.sources.services import fulltext
from florilege.sources.services.websub import pending_requests, websub_cycle
from florilege.sources.worker import due_sources, fetch_cycle, full_text_cycle


def _websub(ctx: StageContext) -> int:
    return websub_cycle(ctx.now, ctx.client_factory)


def _websub_backlog(now: datetime) -> Backlog:
    return Backlog(pending_requests(now))


def _fetch(ctx: StageContext) -> int:
    report = fetch_cycle(ctx.now, ctx.network, settings.CONFIG.WORKER_BATCH)
    ctx.detail = report
    return report.fetched


def _fetch_backlog(now: datetime) -> Backlog:
    due = due_sources(now).filter(leases.free(now))
    return Backlog(due.count(), due.aggregate(oldest=Min("next_fetch_at"))["oldest"])


def _full_text(ctx: StageContext) -> int:
    return full_text_cycle(ctx.now, ctx.network)


def _full_text_backlog(now: datetime) -> Backlog:
    due = fulltext.pending().filter(leases.free(now, "extract_leased_until"))
    return Backlog(due.count(), due.aggregate(oldest=Min("fetched_at"))["oldest"])


register(Stage("websub", "sources", "WebSub subscriptions due for renewal or unsubscription",
               _websub, _websub_backlog, order=10))  # fmt: skip
register(Stage("fetch", "sources", "enabled, followed sources whose next fetch time has passed",
               _fetch, _fetch_backlog, order=20))  # fmt: skip
register(Stage("full_text", "sources",
               "entries of full-text sources whose article page has not been fetched",
               _full_text, _full_text_backlog, order=30))  # fmt: skip


