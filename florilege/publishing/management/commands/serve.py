"""``manage.py serve``: migrate, optionally load the demo, then run the production server
(granian) and the background worker side by side, and supervise them.

- A worker that exits is started again, after a pause that doubles while it keeps dying
  (1 s, 2 s, … at most a minute; back to 1 s once it has run a minute).
- SIGTERM or Ctrl-C stops both within ``GRACE_SECONDS``: each child is asked to stop,
  and whatever is left of it (and of the processes it started) is killed when the grace
  period is over. serve then exits.
- If serve itself is killed outright (SIGKILL, as a service manager does when a stop takes
  too long), the kernel sends its children SIGTERM (``PR_SET_PDEATHSIG``), and they stop
  on their own within the same grace period: no server is left holding the port.
- If the web server exits, serve stops the worker and exits with an error, for the
  service manager to restart everything.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from florilege.jobs.leases import backoff

log = logging.getLogger("florilege.serve")

# How long a stop may take, from the signal to the last child gone. The worker gives
# itself 8 s to finish its cycle (florilege.jobs.management.commands.worker) and granian
# its web workers 5 s to finish their requests, both within this.
GRACE_SECONDS = 10.0
WEB_WORKERS_KILL_SECONDS = 5
# A worker that keeps dying is restarted after 1 s, doubling, at most a minute; one that
# ran a minute counts as healthy again.
FIRST_RESTART = timedelta(seconds=1)
LONGEST_RESTART = timedelta(minutes=1)
STEADY_SECONDS = 60.0
POLL_SECONDS = 0.2
# linux/prctl.h
PR_SET_PDEATHSIG = 1


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
            # A web worker that crashes is replaced by granian itself.
            "--respawn-failed-workers",
            "--workers-kill-timeout", str(WEB_WORKERS_KILL_SECONDS),
            "florilege.wsgi:application",
        ]  # fmt: skip
        server[-1:-1] = tls_arguments(cfg)
        scheme = "https" if cfg.TLS_CERT else "http"
        supervisor = Supervisor(server, [*manage, "worker"])
        self.stdout.write(f"Serving on {scheme}://{cfg.HOST}:{cfg.PORT}/ (Ctrl-C stops everything)")
        self.stdout.flush()
        code = supervisor.run()
        self.stdout.write("Stopped.")
        if code:
            raise CommandError("the web server exited", returncode=code)


class Supervisor:
    """The web server and the worker as child processes: each leads its own process group
    (so a stop reaches the processes it started, granian's web workers) and dies with
    serve (``PR_SET_PDEATHSIG``)."""

    def __init__(self, web_cmd: list[str], worker_cmd: list[str]) -> None:
        self.web_cmd = web_cmd
        self.worker_cmd = worker_cmd
        self.stopping = threading.Event()
        self.worker_failures = 0

    def run(self) -> int:
        """Until a stop signal (0) or the web server's exit (1)."""

        def stop(*_: object) -> None:
            self.stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        web = spawn(self.web_cmd)
        worker: subprocess.Popen[bytes] | None = spawn(self.worker_cmd)
        started = time.monotonic()
        restart_at = 0.0
        code = 0
        try:
            while not self.stopping.is_set():
                if web.poll() is not None:
                    log.error("event=web_exited code=%s", web.returncode)
                    code = 1
                    break
                now = time.monotonic()
                if worker is not None and worker.poll() is not None:
                    pause = self.restart_pause(now - started)
                    log.warning("event=worker_exited code=%s restart_seconds=%g",
                                worker.returncode, pause)  # fmt: skip
                    worker, restart_at = None, now + pause
                if worker is None and now >= restart_at:
                    worker, started = spawn(self.worker_cmd), now
                    log.info("event=worker_restarted pid=%d", worker.pid)
                self.stopping.wait(POLL_SECONDS)
        finally:
            stop_all([p for p in (web, worker) if p is not None], GRACE_SECONDS)
        return code

    def restart_pause(self, ran_seconds: float) -> float:
        """How long to wait before starting again a worker that ran ``ran_seconds``."""
        self.worker_failures = 1 if ran_seconds >= STEADY_SECONDS else self.worker_failures + 1
        return backoff(self.worker_failures, FIRST_RESTART, LONGEST_RESTART).total_seconds()


def spawn(cmd: list[str]) -> subprocess.Popen[bytes]:
    # The child's own process group: a Ctrl-C at the terminal reaches serve only, which
    # stops the children in order; and killing the group reaches what the child started.
    return subprocess.Popen(cmd, process_group=0, preexec_fn=die_with_parent())


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel send the child SIGTERM when serve dies, however
    it dies (Linux only; elsewhere a killed serve may leave its children running)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only calls it
    parent = os.getpid()

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # serve died before the line above: stop now
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def stop_all(procs: list[subprocess.Popen[bytes]], grace: float) -> None:
    """Ask each child (its whole group) to stop, wait until ``grace`` seconds have passed,
    then kill whatever is left in their groups."""
    deadline = time.monotonic() + grace
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    for proc in procs:
        # Whatever is left in the group (a web worker or a cycle that hung) goes now.
        _signal_group(proc, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=1)


def tls_arguments(cfg: Any) -> list[str]:
    """granian's own HTTPS, when FLORILEGE_TLS_CERT and FLORILEGE_TLS_KEY are set (both or
    neither, checked by the configuration)."""
    if not cfg.TLS_CERT:
        return []
    return ["--ssl-certificate", cfg.TLS_CERT, "--ssl-keyfile", cfg.TLS_KEY]


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(proc.pid, sig)
