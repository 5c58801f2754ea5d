"""A minimal ActivityPub peer for tests: a real HTTP server on 127.0.0.1 with actors whose
keys we hold, inboxes that record what they receive, and a way to sign requests to us."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.utils import timezone

from florilege.federation.contexts import CONTEXT
from florilege.federation.signatures import (
    generate_key_pair,
    load_private_key,
    parse_signature,
    sign_request,
    verify_request,
)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def activity(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class PeerActor:
    name: str
    uri: str
    private_pem: str
    public_pem: str

    @property
    def key_id(self) -> str:
        return f"{self.uri}#main-key"


@dataclass
class Peer:
    httpd: ThreadingHTTPServer
    base: str
    actors: dict[str, PeerActor] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    gets: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # path -> status answered to POSTs (default 202)
    post_status: dict[str, int] = field(default_factory=dict)
    shared: bool = True
    # path (with its query) -> a document served as is, whatever server it imitates
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # path -> (content type, body): web pages (an account's profile page)
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # seconds every GET waits before answering: a slow (or hostile) key server
    get_delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_actor(self, name: str, key: tuple[str, str] | None = None) -> PeerActor:
        private, public = key or generate_key_pair()
        actor = PeerActor(name, f"{self.base}/users/{name}", private, public)
        self.actors[name] = actor
        return actor

    def document(self, actor: PeerActor) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "@context": CONTEXT,
            "id": actor.uri,
            "type": "Person",
            "preferredUsername": actor.name,
            "name": actor.name.title(),
            "url": f"{self.base}/@{actor.name}",
            "inbox": f"{actor.uri}/inbox",
            "outbox": f"{actor.uri}/outbox",
            "publicKey": {"id": actor.key_id, "owner": actor.uri, "publicKeyPem": actor.public_pem},
        }
        if self.shared:
            doc["endpoints"] = {"sharedInbox": f"{self.base}/inbox"}
        return doc

    def signed_post(
        self,
        client: Any,
        path: str,
        activity: dict[str, Any],
        *,
        actor: PeerActor,
        now: datetime | None = None,
        body: bytes | None = None,
        key_pem: str | None = None,
    ) -> Any:
        raw = body if body is not None else json.dumps(activity).encode()
        headers = sign_request(
            "POST",
            f"http://testserver{path}",
            key_id=actor.key_id,
            private_key=load_private_key(key_pem or actor.private_pem),
            now=now or timezone.now(),
            body=raw,
        )
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        return client.post(path, data=raw, content_type="application/activity+json", headers=extra)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def verify_all(self, public_pem: str) -> None:
        """Every POST received is signed by ``public_pem`` with a matching digest."""
        for item in self.received:
            verify_request(
                "POST",
                item.path,
                item.headers,
                item.body,
                parse_signature(item.headers["signature"]),
                public_pem,
                timezone.now(),
            )


def start_peer() -> Peer:
    holder: dict[str, Peer] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, status: int, body: bytes = b"", ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def do_GET(self) -> None:
            peer = holder["peer"]
            peer.gets.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            with peer.lock:
                peer.in_flight += 1
                peer.max_in_flight = max(peer.max_in_flight, peer.in_flight)
            try:
                if peer.get_delay:
                    time.sleep(peer.get_delay)
                self._get(peer)
            finally:
                with peer.lock:
                    peer.in_flight -= 1

        def _get(self, peer: Peer) -> None:
            if self.path in peer.pages:
                ctype, page = peer.pages[self.path]
                self._reply(200, page, ctype)
                return
            if self.path in peer.documents:
                body = json.dumps(peer.documents[self.path]).encode()
                self._reply(200, body, "application/activity+json")
                return
            name = self.path.removeprefix("/users/")
            actor = peer.actors.get(name)
            if actor is None:
                self._reply(404, b"{}")
                return
            self._reply(200, json.dumps(peer.document(actor)).encode(), "application/activity+json")

        def do_POST(self) -> None:
            peer = holder["peer"]
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = peer.post_status.get(self.path, 202)
            if status < 300:
                peer.received.append(Received(self.path, headers, body))
            self._reply(status)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    peer = Peer(httpd, f"http://127.0.0.1:{httpd.server_address[1]}")
    holder["peer"] = peer
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return peer
