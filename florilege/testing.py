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
