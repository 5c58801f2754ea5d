"""``manage.py worker``: fetch due sources until stopped (Ctrl-C or SIGTERM)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from florilege.lib.text import embedding
from florilege.sources.worker import WorkerRuntime, run_cycle

log = logging.getLogger("florilege.worker")


class Command(BaseCommand):
    help = "Run the background worker: lease due sources, fetch, store, suggest."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one cycle and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        runtime = WorkerRuntime()
        if not options["once"]:
            # Load the sentence encoder (seconds) before leasing anything, so the first
            # cycle's enrichment stage does not hold leased sources meanwhile.
            embedding.embed(["warm-up"])
        while not stop.is_set():
            try:
                report = run_cycle(runtime=runtime)
            except Exception:
                # The database went away or a bug escaped: say so, wait, and try again;
                # leases expire, so nothing taken by the failed cycle is lost.
                log.exception("event=cycle_failed")
                if options["once"]:
                    raise SystemExit(1) from None
                stop.wait(settings.CONFIG.WORKER_IDLE_SECONDS)
                continue
            if report.fetched:
                self.stdout.write(
                    f"worker fetched={report.fetched} new_entries={report.new_entries} "
                    f"errors={len(report.errors)}"
                )
            if options["once"]:
                return
            if not report.fetched:
                stop.wait(settings.CONFIG.WORKER_IDLE_SECONDS)
