"""``manage.py serve``: migrate, optionally load the demo, then run the production server
(granian) and the background worker side by side; one Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Florilège with granian and the background worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo", action="store_true", help="Load the demo before serving.")
        parser.add_argument("--workers", type=int, default=2, help="Web server processes.")

    def handle(self, *args: Any, **options: Any) -> None:
        cfg = settings.CONFIG
        cfg.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if options["demo"]:
            call_command("load_demo")
        manage = [sys.executable, os.path.join(settings.BASE_DIR.parent, "manage.py")]
        server = [
            sys.executable, "-m", "granian", "--interface", "wsgi",
            "--host", cfg.HOST, "--port", str(cfg.PORT),
            "--workers", str(options["workers"]), "--blocking-threads", "8", "--no-ws",
            "florilege.wsgi:application",
        ]  # fmt: skip
        procs = [subprocess.Popen(server), subprocess.Popen([*manage, "worker"])]
        self.stdout.write(f"Serving on http://{cfg.HOST}:{cfg.PORT}/ (Ctrl-C stops everything)")
        self._supervise(procs)

    def _supervise(self, procs: list[subprocess.Popen]) -> None:
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(p.poll() is None for p in procs):
                time.sleep(0.5)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.stdout.write("Stopped.")
