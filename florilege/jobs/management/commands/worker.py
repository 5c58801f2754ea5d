"""``manage.py worker``: run background stages until stopped (Ctrl-C or SIGTERM).

``--stages fetch,full_text`` runs a subset (default: every stage), so a deployment gives
fetching, enrichment or federation workers of their own; ``--list`` prints each stage with
its backlog, its oldest due item and how it last fared, then exits."""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from florilege.jobs import registry
from florilege.jobs.models import StageState
from florilege.jobs.runtime import WorkerRuntime
from florilege.jobs.views import duration_text
from florilege.jobs.worker import StageRunner, WorkerLoop

log = logging.getLogger("florilege.worker")
# How long a stop request may take (the cycle under way finishing); within the grace period
# of ``manage.py serve`` (florilege.publishing.management.commands.serve), so the worker is
# gone before serve would kill it.
STOP_GRACE_SECONDS = 8


class Command(BaseCommand):
    help = "Run the background stages (fetch, enrich, suggest, publish, federate, …)."
    # The system checks import every URL and view, and through them the ranking code and
    # its scikit-learn (about 100 MB a process): a worker serves no URL, and each stage
    # imports what it needs when it runs. `manage.py check` runs them on deployment.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one cycle and exit.")
        parser.add_argument(
            "--stages",
            default="",
            help="Comma-separated stages to run (default: all). See --list.",
        )
        parser.add_argument(
            "--list", action="store_true", help="Print the stages with their backlog and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = [n for n in options["stages"].split(",") if n.strip()] or None
        try:
            stages = registry.select(names)
        except registry.UnknownStage as exc:
            raise CommandError(str(exc)) from None
        if options["list"]:
            self._list(stages, timezone.now())
            return
        self._run(stages, once=options["once"])

    def _list(self, stages: list[registry.Stage], now: datetime) -> None:
        states = StageState.objects.in_bulk([s.name for s in stages])
        rows = [("stage", "app", "backlog", "oldest due", "lag", "last error")]
        for stage in stages:
            try:
                backlog = stage.backlog(now)
                due, oldest = str(backlog.due), _moment(backlog.oldest)
                lag = duration_text(backlog.lag(now))
            except Exception as exc:  # a broken count must not hide the other stages
                due, oldest, lag = "?", f"({type(exc).__name__})", ""
            state = states.get(stage.name)
            error = state.last_error.splitlines()[0][:60] if state and state.failures else ""
            rows.append((stage.name, stage.app, due, oldest, lag, error))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))

    def _run(self, stages: list[registry.Stage], *, once: bool) -> None:
        stop = threading.Event()

        def request_stop(*_: object) -> None:
            # The cycle under way finishes, within STOP_GRACE_SECONDS: past that (a fetch
            # that hangs) the process exits anyway, its leases left to expire as after a
            # crash. A second signal does not wait.
            if stop.is_set():
                os._exit(1)
            stop.set()
            timer = threading.Timer(STOP_GRACE_SECONDS, _overdue)
            timer.daemon = True
            timer.start()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, request_stop)
        runtime = WorkerRuntime()
        if not once and any(s.needs_encoder for s in stages):
            # Load the sentence encoder (seconds) before leasing anything, so the first
            # enrichment does not hold leased rows meanwhile.
            from florilege.lib.text import embedding

            embedding.embed(["warm-up"])
        # A stage with a long backlog (enrichment after a burst of new entries) yields after
        # its share of the cycle, so the stages after it in the pool are never starved.
        runner = StageRunner(stages, net=runtime, budget=settings.CONFIG.WORKER_STAGE_SECONDS)
        loop = WorkerLoop(runner, idle_seconds=settings.CONFIG.WORKER_IDLE_SECONDS)
        log.info("event=worker_started stages=%s owner=%s",
                 ",".join(s.name for s in stages), runner.owner)  # fmt: skip
        try:
            while not stop.is_set():
                pause = loop.step()
                report = loop.last_report
                if report.busy:
                    done = " ".join(f"{k}={v}" for k, v in report.done.items() if v)
                    self.stdout.write(f"worker {done}")
                if once:
                    if report.failed or loop.down_since is not None:
                        raise SystemExit(1)
                    break
                if pause:
                    stop.wait(pause)
            loop.stopped()
        finally:
            runtime.close()
        log.info("event=worker_stopped owner=%s", runner.owner)


def _overdue() -> None:
    log.warning("event=worker_stop_overdue grace_seconds=%d", STOP_GRACE_SECONDS)
    os._exit(1)


def _moment(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"
