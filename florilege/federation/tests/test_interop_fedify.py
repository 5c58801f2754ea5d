"""Interop with a second real ActivityPub implementation: a small server written with Fedify
(npm ``@fedify/fedify`` 1.10.12, ``tests/peers/fedify/peer.mjs``), run by Node.js.

Unlike bovine-herd it shares none of our conventions: its key id is a path
(``https://127.0.0.2:<port>/users/alice/main-key``, answered by an actor stub whose
``publicKey`` names its ``owner``, as GoToSocial does), it looks our topic up by WebFinger
over HTTPS only, and it signs with Fedify's default: RFC 9421 HTTP Message Signatures
first (``rsa-v1_5-sha256``, with ``Content-Digest``), falling back to draft-cavage
(``rsa-sha256``) only when a server refuses it, plus an RsaSignature2017 Linked Data
signature and an Ed25519 Object Integrity Proof (FEP-8b32, key ``<actor>#key-2``) in the
body. We accept RFC 9421, so it never falls back (the test checks the
first activity's headers). We sign with draft-cavage, which Fedify verifies.

Two hosts over TLS with a test certificate authority made here: Florilège behind a TLS
front at ``https://localhost:<port>`` and the peer at ``https://127.0.0.2:<port>`` (its own
loopback address; an IP, as our client resolves names with the system resolver and the
test cannot add a host name without editing ``/etc/hosts``). Node trusts the authority
through ``NODE_EXTRA_CA_CERTS``; our client through its TLS context.

The test drives the peer through its control API and reads what it received from
``/_control/inbox``. On the code before path-style key ids were resolved it fails at the
first step, as GoToSocial's Follow did.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from florilege.analytics.clicks import go_url
from florilege.curation.services.publication import ScoopEdit, edit, unpublish
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.models import Follower, InboxItem, Reaction, RemoteFollow
from florilege.federation.services import following
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.publishing.models import Comment
from florilege.sources.models import Entry

PEER_DIR = Path(__file__).resolve().parent / "peers" / "fedify"
PEER_ADDRESS = "127.0.0.2"


def peer_missing() -> str:
    """Why the Fedify peer cannot run here, or "" when it can."""
    if shutil.which("node") is None:
        return "Node.js is not installed (the Fedify peer needs it)"
    if not (PEER_DIR / "node_modules" / "@fedify" / "fedify").is_dir():
        return f"the Fedify peer is not installed: run `make fedify-peer` (npm ci in {PEER_DIR})"
    return ""


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


# --- a test certificate authority -----------------------------------------------------------


@dataclass
class Authority:
    ca_pem: bytes
    folder: Path

    def issue(self, name: str, hosts: list[str]) -> tuple[Path, Path]:
        """A server certificate for ``hosts`` (names or IPs): (certificate, key) files."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        ca_key = serialization.load_pem_private_key(
            (self.folder / "ca.key").read_bytes(), password=None
        )
        ca = x509.load_pem_x509_certificate(self.ca_pem)
        key = ec.generate_private_key(ec.SECP256R1())
        sans: list[x509.GeneralName] = []
        for host in hosts:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                sans.append(x509.DNSName(host))
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
        )
        cert_path, key_path = self.folder / f"{name}.pem", self.folder / f"{name}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ))  # fmt: skip
        return cert_path, key_path


def make_authority(folder: Path) -> Authority:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Florilège test authority")])
    now = dt.datetime.now(dt.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    (folder / "ca.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))  # fmt: skip
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    (folder / "ca.pem").write_bytes(ca_pem)
    return Authority(ca_pem, folder)


def trust_in_our_client(authority: Authority, settings: Any) -> None:
    """Our guarded client trusts the test authority: through the CA bundle setting (issue
    12, item 8) when this code has it, else by adding it to the client's shared TLS context
    (the authority is made for this test and expires in a day: trusting it for the rest of
    the run opens nothing)."""
    if hasattr(settings.CONFIG, "CA_BUNDLE"):
        bundle = str(authority.folder / "ca.pem")
        settings.CONFIG = replace(settings.CONFIG, CA_BUNDLE=bundle)
        return
    from florilege.lib import http as guarded

    guarded._ssl_context().load_verify_locations(cadata=authority.ca_pem.decode())


# --- Florilège over TLS ----------------------------------------------------------------------


class TlsFront:
    """TLS in front of the live server (plain HTTP), so our ids are ``https://`` and the
    peer's WebFinger lookup, which is HTTPS only, reaches us as it would in production."""

    def __init__(self, backend_port: int, cert: Path, key: Path) -> None:
        self.port = free_port("127.0.0.1")
        self._backend = backend_port
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(cert, key)
        self._loop = asyncio.new_event_loop()
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        started.wait(10)

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(
            self._relay, "127.0.0.1", self.port, ssl=self._context))  # fmt: skip
        started.set()
        self._loop.run_forever()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._backend)
        except OSError:
            writer.close()
            return

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))

    async def _shutdown(self) -> None:
        """Close the listener and every open relay, so no coroutine outlives the loop."""
        self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


# --- the peer ----------------------------------------------------------------------------------


@dataclass
class FedifyPeer:
    origin: str
    context: ssl.SSLContext
    log: Path

    @property
    def actor(self) -> str:
        return f"{self.origin}/users/alice"

    @property
    def handle(self) -> str:
        return f"@alice@{self.origin.removeprefix('https://')}"

    def call(self, action: str, **payload: Any) -> Any:
        request = urllib.request.Request(
            f"{self.origin}/_control/{action}",
            data=json.dumps(payload).encode() if payload else None,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60, context=self.context) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            log = self.log.read_text()[-3000:]
            pytest.fail(f"peer {action} failed ({exc.code}): {detail[:2000]}\npeer log:\n{log}")

    def document(self, url: str) -> Any:
        request = urllib.request.Request(url, headers={"Accept": "application/activity+json"})
        with urllib.request.urlopen(request, timeout=30, context=self.context) as response:
            return json.loads(response.read())

    def inbox(self) -> list[dict[str, Any]]:
        return list(self.call("inbox"))


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return make_authority(tmp_path)


@pytest.fixture
def fedify_peer(tmp_path: Path, authority: Authority) -> Iterator[FedifyPeer]:
    missing = peer_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing + " (make test installs it)")
        pytest.skip(missing)
    port = free_port(PEER_ADDRESS)
    origin = f"https://{PEER_ADDRESS}:{port}"
    cert, key = authority.issue("peer", [PEER_ADDRESS])
    log_path = tmp_path / "fedify.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        ["node", "peer.mjs"], cwd=PEER_DIR, stdout=log, stderr=log,
        env={**os.environ, "PEER_ORIGIN": origin, "PEER_BIND": PEER_ADDRESS,
             "PEER_PORT": str(port), "PEER_CERT": str(cert), "PEER_KEY": str(key),
             "NODE_EXTRA_CA_CERTS": str(authority.folder / "ca.pem"),
             "PEER_LOG_LEVEL": os.environ.get("PEER_LOG_LEVEL", "info")},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while "ready" not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Fedify peer did not start:\n" + log_path.read_text()[-3000:])
            time.sleep(0.1)
        context = ssl.create_default_context(cadata=authority.ca_pem.decode())
        yield FedifyPeer(origin, context, log_path)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def wait_for(predicate: Any, what: str, peer: FedifyPeer, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; peer log:\n" + peer.log.read_text()[-3000:])


def received(peer: FedifyPeer, kind: str, object_id: str = "") -> dict[str, Any] | None:
    for item in peer.inbox():
        raw = item.get("raw") or {}
        obj = raw.get("object")
        oid = obj.get("id") if isinstance(obj, dict) else obj
        if item["type"] == kind and (not object_id or oid == object_id):
            return item
    return None


def inbox_items(kind: str) -> int:
    return InboxItem.objects.filter(kind=kind).count()


def inbox_report() -> list[tuple[str, str, str]]:
    """What our inbox made of each activity: shown when a step fails."""
    return list(InboxItem.objects.values_list("kind", "status", "error"))


def counts(scoop_pk: int) -> tuple[int, int]:
    rows = Reaction.objects.filter(scoop_id=scoop_pk)
    return rows.filter(kind="like").count(), rows.filter(kind="announce").count()


@pytest.fixture
def florilege_over_tls(live_server, settings, authority: Authority) -> Iterator[str]:
    cert, key = authority.issue("florilege", ["localhost"])
    front = TlsFront(int(live_server.url.rsplit(":", 1)[1]), cert, key)
    base = f"https://localhost:{front.port}"
    settings.BASE_URL = base
    settings.CONFIG = replace(settings.CONFIG, BASE_URL=base)
    trust_in_our_client(authority, settings)
    yield base
    front.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fedify_peer_follows_reacts_unfollows_and_is_followed(
    fedify_peer, florilege_over_tls, topic, curator
):
    peer = fedify_peer
    topic_uri = ids.topic_actor(topic.slug)
    assert topic_uri.startswith("https://localhost:")
    key_id = f"{peer.actor}/main-key"
    # 1. The peer finds the topic by WebFinger (HTTPS) and follows it; we accept.
    follow = peer.call("follow", handle=f"@{topic.slug}@{ids.domain()}")
    assert follow["actor"] == topic_uri
    wait_for(lambda: inbox_items("Follow"), "the Follow", peer)
    item = InboxItem.objects.get(kind="Follow")
    assert item.key_id == key_id  # a path-style key id, resolved through its owner
    stub = peer.document(key_id)  # GoToSocial's shape: the actor stub, with the key's owner
    key = stub["publicKey"]
    assert (stub["id"], key["id"], key["owner"]) == (peer.actor, key_id, peer.actor)
    # Fedify's first knock is RFC 9421 (headers are kept while the key is unknown), and
    # the body carries an Object Integrity Proof by alice's Ed25519 key, which we ignore.
    assert "signature-input" in item.headers
    assert item.payload["proof"]["verificationMethod"] == f"{peer.actor}#key-2"
    process_cycle()
    follower = Follower.objects.get()
    assert (follower.remote.uri, follower.status) == (peer.actor, Follower.Status.ACCEPTED)
    assert deliver_cycle().delivered == 1
    accept = wait_for(lambda: received(peer, "Accept"), "the Accept", peer)
    assert accept["raw"]["actor"] == topic_uri

    # 2. A scoop reaches the peer's inbox as a Create of a Note (Fedify verified our
    # signature: its listeners only see verified activities).
    scoop = scoop_url(topic, curator, ScoopDraft(
        url="https://news.example/fedify", title="Fedify interop", insight="Tested *live*.",
        tags=["fediverse"]), timezone.now())  # fmt: skip
    assert deliver_cycle().delivered == 1
    note_id = ids.scoop_object(scoop.pk)
    create = wait_for(lambda: received(peer, "Create", note_id), "the scoop", peer)
    note = create["raw"]["object"]
    assert note["type"] in {"Note", "Article"} and note["attributedTo"] == topic_uri
    assert not note.get("summary")  # no content warning the curator did not choose
    # The link, readable in the post: the counted redirect to the article (clicks out).
    assert f'href="{go_url(scoop.pk, "fediverse")}"' in note["content"]
    assert not note.get("name"), "a title in `name` is shown as a content warning"
    assert not any(a.get("type") == "Link" for a in note.get("attachment") or []), (
        "a `Link` attachment is refused by GoToSocial"
    )

    # 3. A reply becomes a comment awaiting moderation.
    peer.call("reply", to=topic_uri, object=note_id, content="<p>Nice, from Fedify</p>")
    wait_for(lambda: inbox_items("Create"), "the reply", peer)
    process_cycle()
    comment = Comment.objects.first()
    assert comment is not None, inbox_report()
    assert (comment.scoop, comment.status) == (scoop, Comment.Status.PENDING)
    assert comment.origin == Comment.Origin.FEDIVERSE and "Nice, from Fedify" in comment.body_html

    # 4. Like and boost count up, and their Undo counts them back down.
    like = peer.call("like", to=topic_uri, object=note_id)
    boost = peer.call("announce", to=topic_uri, object=note_id)
    wait_for(lambda: inbox_items("Like") and inbox_items("Announce"), "like and boost", peer)
    process_cycle()
    assert counts(scoop.pk) == (1, 1), inbox_report()
    peer.call("undo", to=topic_uri, id=like["id"])
    peer.call("undo", to=topic_uri, id=boost["id"])
    wait_for(lambda: inbox_items("Undo") == 2, "the two Undo", peer)
    process_cycle()
    assert counts(scoop.pk) == (0, 0), inbox_report()

    # 5. An edit reaches the peer as an Update, unpublishing as a Delete.
    edit(scoop, curator, ScoopEdit(title="Fedify interop, edited", excerpt=scoop.excerpt,
                                   insight="Tested *live*, twice.", tags=["fediverse"]),
         timezone.now())  # fmt: skip
    assert deliver_cycle().delivered == 1
    update = wait_for(lambda: received(peer, "Update", note_id), "the Update", peer)
    assert "twice" in update["raw"]["object"]["content"]
    unpublish(scoop, curator, timezone.now())
    assert deliver_cycle().delivered == 1
    wait_for(lambda: received(peer, "Delete", note_id), "the Delete", peer)

    # 6. Unfollowing removes the follower.
    peer.call("unfollow", handle=f"@{topic.slug}@{ids.domain()}")
    wait_for(lambda: inbox_items("Undo") == 3, "the Undo of the Follow", peer)
    process_cycle()
    assert not Follower.objects.exists(), inbox_report()

    # 7. The topic follows alice by her handle; the peer accepts at once.
    remote_follow = following.follow_account(curator, topic, peer.handle, timezone.now())
    assert remote_follow.remote.uri == peer.actor
    assert deliver_cycle().delivered == 1
    assert peer.call("followers") == [topic_uri]
    wait_for(lambda: inbox_items("Accept"), "the peer's Accept", peer)
    process_cycle()
    remote_follow.refresh_from_db()
    assert remote_follow.status == RemoteFollow.Status.ACCEPTED, inbox_report()
    source = remote_follow.source
    assert source is not None
    assert not source.url.endswith("/@alice.rss"), "a guessed feed path (the peer has none)"

    # 8. Her public post becomes an entry of the topic's source (then a suggestion).
    post = peer.call("post", content="<p>A post from the Fedify peer. #fediverse</p>")
    assert post["recipients"] == 1
    wait_for(lambda: inbox_items("Create") == 2, "alice's post", peer)
    process_cycle()
    entry = Entry.objects.get()
    assert entry.source_id == remote_follow.source_id
    assert "A post from the Fedify peer" in entry.content
    # The same post is in her outbox, for a reader that walks it.
    outbox = peer.document(f"{peer.actor}/outbox")
    assert [c["object"]["id"] for c in outbox["orderedItems"]] == [post["note"]]
    assert entry.title and entry.title != entry.url, "a post is titled by its text"

    # 9. She edits, then deletes, the post.
    peer.call("edit", note=post["note"], content="<p>An edited post from the peer.</p>")
    wait_for(lambda: inbox_items("Update"), "alice's Update", peer)
    process_cycle()
    entry.refresh_from_db()
    assert "edited post" in entry.content, inbox_report()
    peer.call("delete", note=post["note"])
    wait_for(lambda: inbox_items("Delete"), "alice's Delete", peer)
    process_cycle()
    # Never scooped, so the entry goes: nothing left for a curator to scoop.
    assert not Entry.objects.filter(pk=entry.pk).exists(), inbox_report()

    # 10. The topic unfollows her: the peer no longer counts it among her followers.
    following.unfollow_account(curator, topic, remote_follow.pk, timezone.now())
    assert deliver_cycle().delivered == 1
    wait_for(lambda: peer.call("followers") == [], "the topic's Undo of its Follow", peer)

    # Every activity the peer sent was verified, signed with its path-style key id.
    assert {i.status for i in InboxItem.objects.all()} <= {"done", "ignored"}, inbox_report()
    signers = set(InboxItem.objects.values_list("kind", "key_id"))
    assert {signer for _, signer in signers} == {key_id}, signers
