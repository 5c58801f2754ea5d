"""``manage.py serve``: migrate, optionally load the demo, then run the production server
(granian) and the background worker side by side; one Ctrl-C stops both."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

RESTART_PAUSE = 5.0


class Command(BaseCommand):
    help = "Serve Florilège with granian and the background worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--demo", action="store_true", help="Load the demo before serving.")
        parser.add_argument("--workers", type=int, default=2, help="Web server processes.")
        # Python threads per process: more than a few only queue behind the GIL, and under
        # load some requests then wait seconds (bench/serve measured a p99 of 3.3-4.3 s
        # with 8, 17 ms with 4); a few still let a slow page fetch leave room for others.
        parser.add_argument("--threads", type=int, default=4, help="Threads per process.")

    def handle(self, *args: Any, **options: Any) -> None:
        cfg = settings.CONFIG
        cfg.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        # Only does something when FLORILEGE_CACHE_URL points the page cache at the database.
        call_command("createcachetable", verbosity=0)
        if options["demo"]:
            call_command("load_demo")
        manage = [sys.executable, os.path.join(settings.BASE_DIR.parent, "manage.py")]
        server = [
            sys.executable, "-m", "granian", "--interface", "wsgi",
            "--host", cfg.HOST, "--port", str(cfg.PORT),
            "--workers", str(options["workers"]),
            "--blocking-threads", str(options["threads"]), "--no-ws",
            "florilege.wsgi:application",
        ]  # fmt: skip
        server[-1:-1] = tls_arguments(cfg)
        # Each child leads its own process group, so stopping it reaches the processes it
        # started too (granian's workers); nothing is left running after Ctrl-C.
        web = subprocess.Popen(server, start_new_session=True)
        worker_cmd = [*manage, "worker"]
        scheme = "https" if cfg.TLS_CERT else "http"
        self.stdout.write(f"Serving on {scheme}://{cfg.HOST}:{cfg.PORT}/ (Ctrl-C stops everything)")
        self._supervise(web, worker_cmd)

    def _supervise(self, web: subprocess.Popen, worker_cmd: list[str]) -> None:
        """Run until Ctrl-C or the web server exits; a worker that dies is restarted (after
        a pause, so a worker that cannot start does not spin)."""
        stopping = False

        def stop(*_: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        worker = subprocess.Popen(worker_cmd, start_new_session=True)
        try:
            while not stopping and web.poll() is None:
                if worker.poll() is not None:
                    self.stderr.write(f"The worker exited ({worker.returncode}); restarting it.")
                    time.sleep(RESTART_PAUSE)
                    worker = subprocess.Popen(worker_cmd, start_new_session=True)
                time.sleep(0.5)
        finally:
            for proc in (web, worker):
                _signal_group(proc, signal.SIGINT)
            for proc in (web, worker):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
                # Whatever is left in the group (a worker process that hung) goes now.
                _signal_group(proc, signal.SIGKILL)
        self.stdout.write("Stopped.")


def tls_arguments(cfg: Any) -> list[str]:
    """granian's own HTTPS, when FLORILEGE_TLS_CERT and FLORILEGE_TLS_KEY are set (both or
    neither, checked by the configuration)."""
    if not cfg.TLS_CERT:
        return []
    return ["--ssl-certificate", cfg.TLS_CERT, "--ssl-keyfile", cfg.TLS_KEY]


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has already exited
        os.killpg(proc.pid, sig)
