"""Test helpers shared by the apps' suites: a real HTTP server on loopback.

Tests fake the network at the transport level by serving real bytes on 127.0.0.1, so
everything from DNS-free connection to redirects and compression runs for real.
"""

from __future__ import annotations

import contextlib
import os
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[BaseHTTPRequestHandler], Reply]


class LoopbackServer:
    """Serve ``routes`` (path → Reply or callable) on 127.0.0.1; records requests."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        """``tls``: a server context to serve HTTPS with (its certificate names the host)."""
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            # HTTP/1.1 keeps connections open, as real servers do (every reply has a length).
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
                else:
                    reply = route(self) if callable(route) else route
                self.send_response(reply.status)
                headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may give up early (size cap, timeout): that is the test.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(reply.body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            # The handshake happens in the handler's thread, so a client that refuses the
            # certificate never blocks the server's accept loop.
            self._httpd.socket = tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.port = self._httpd.server_address[1]
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        # A short poll interval makes stop() quick; the default half second adds up.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# Third-party corpora (feeds, news, ActivityStreams examples) sit beside the checkout, in
# ../shared/data, and are never copied into it; SHARED_DATA points elsewhere.
SHARED_DATA = Path(
    os.environ.get("SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
# How a test skipped for want of a corpus says so: the end-of-run summary counts these.
CORPUS_MISSING = "needs the shared corpora:"


def shared_data(*parts: str) -> Path:
    """A folder of the shared corpora (it may be absent: see ``skip_or_fail_without``)."""
    return SHARED_DATA.joinpath(*parts)


def skip_or_fail_without(path: object, what: str) -> None:
    """A user's machine may lack the corpora (skip, naming the corpus); CI always has them,
    so there a missing corpus fails instead of passing silently."""
    import pytest

    if Path(str(path)).is_dir():
        return
    message = f"{CORPUS_MISSING} {what} not found at {path}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must have ../shared/data)")
    pytest.skip(message)


# Debian's Chromium; Playwright drives it, no downloaded browser.
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling home, which a closed
# network refuses many times a second.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def must_search(pattern: str, text: str) -> re.Match[str]:
    """``re.search`` that fails the test, showing the text, when nothing matches."""
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not found in {text[:2000]!r}"
    return found


def artifacts_dir() -> Path:
    """Where browser tests leave screenshots: ``test-artifacts/`` at the checkout's root."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def closed_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once): a server
    that is down, for tests of what happens then."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class CapturedMail:
    mail_from: str
    recipients: list[str]
    raw: bytes

    def message(self) -> object:
        """The parsed message (``email.message.EmailMessage``)."""
        import email
        import email.policy

        return email.message_from_bytes(self.raw, policy=email.policy.default)


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[CapturedMail] = []
        sink = self

        class _Handler:
            async def handle_DATA(self, server, session, envelope):  # aiosmtpd names it
                sink.messages.append(
                    CapturedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
                )
                return "250 OK"

        # The controller checks readiness by connecting to its port, so port 0 will not do:
        # ask the kernel for a free one first.
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(_Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def free_port() -> int:
    """A loopback port free now (the kernel's pick), for a server a test starts."""
    return closed_port()


def database_url_of(settings_dict: dict) -> str:
    """A PostgreSQL database's settings as a URL (``DATABASE_URL``), for child processes."""
    from urllib.parse import quote

    auth = quote(settings_dict["USER"] or "", safe="")
    if settings_dict["PASSWORD"]:
        auth += ":" + quote(settings_dict["PASSWORD"], safe="")
    host = settings_dict["HOST"] or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{quote(settings_dict['NAME'], safe='')}"


def process_table() -> dict[int, tuple[int, str]]:
    """Every live process: pid → (parent pid, state letter), from /proc (Linux)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited meanwhile
            continue
        # "pid (comm) S ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    """The live processes below ``pid`` (children, theirs, …)."""
    table = process_table()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, (parent, _) in table.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie waiting to be reaped is not)."""
    table = process_table()
    return {p for p in pids if p in table and table[p][1] not in {"Z", "X"}}


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class ServeProcess:
    """``manage.py serve`` as a real process tree (granian, its web workers, the worker),
    started with ``env`` on a free port; its output goes to ``log`` (a file)."""

    def __init__(self, env: dict[str, str], log: Path, web_workers: int = 1) -> None:
        import subprocess
        import sys

        self.port = free_port()
        self.log = log
        self.env = {**env, "FLORILEGE_HOST": "127.0.0.1", "FLORILEGE_PORT": str(self.port)}
        repo = Path(__file__).resolve().parent.parent
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--workers", str(web_workers)],
                cwd=repo,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,  # a file, never a pipe: a full pipe would block
            )
        self.base = f"http://127.0.0.1:{self.port}"
        self.seen: set[int] = set()  # every process of the tree ever listed

    def get(self, path: str, timeout: float = 5.0):
        import httpx

        return httpx.get(self.base + path, timeout=timeout)

    def wait_ready(self, path: str = "/", timeout: float = 60.0) -> None:
        import time

        import httpx

        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"serve exited:\n{self.output()}"
            try:
                if self.get(path).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"serve never answered:\n{self.output()}"
            time.sleep(0.2)

    def tree(self) -> set[int]:
        found = descendants(self.proc.pid)
        self.seen |= found
        return found

    def worker_pids(self) -> set[int]:
        return {p for p in self.tree() if command_line(p).endswith("manage.py worker ")}

    def port_open(self) -> bool:
        import socket

        with socket.socket() as probe:
            probe.settimeout(1)
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def output(self, tail: int | None = 6000) -> str:
        """What serve and its children wrote (the end of it, for failure messages)."""
        text = self.log.read_text(errors="replace")
        return text[-tail:] if tail else text

    def kill_tree(self) -> None:
        """Whatever is left, at the end of a test: never leave a server running."""
        import contextlib
        import os
        import signal

        pids = alive(self.tree() | self.seen | {self.proc.pid})
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
