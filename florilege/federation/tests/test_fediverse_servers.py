"""Signed activities from each family of fediverse server, in its own shapes: its actor
document (fixtures/servers/<family>/), its key id, the headers it signs and the algorithm
name it sends. See fixtures/servers/README.md for where each shape comes from."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.utils import timezone

from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation import signatures as sig
from florilege.federation.models import InboxItem, Reaction, RemoteActor
from florilege.federation.services.inbox import process_cycle

pytestmark = pytest.mark.django_db
SERVERS = Path(__file__).parent / "fixtures" / "servers"

# family: (actor path, key id path, extra key document path or "", algorithm, signed headers)
FAMILIES: dict[str, tuple[str, str, str, str, str]] = {
    "gotosocial": ("/users/alice", "/users/alice/main-key", "/users/alice/main-key",
                   "hs2019", "(request-target) host date digest"),
    "mastodon": ("/users/alice", "/users/alice#main-key", "",
                 "rsa-sha256", "(request-target) host date digest content-type"),
    "misskey": ("/users/9f3k2a1b0c", "/users/9f3k2a1b0c#main-key", "",
                "rsa-sha256", "(request-target) date host digest"),
    "pleroma": ("/users/alice", "/users/alice#main-key", "",
                "rsa-sha256", "(request-target) content-length date digest host"),
    "lemmy": ("/u/alice", "/u/alice#main-key", "",
              "hs2019", "(request-target) content-type date digest host"),
    "peertube": ("/accounts/alice", "/accounts/alice#main-key", "",
                 "rsa-sha256", "(request-target) host date digest"),
    "takahe": ("/@alice@{host}/", "/@alice@{host}/#main-key", "",
               "rsa-sha256", "(request-target) host date digest content-type"),
    "wordpress": ("/?author=1", "/?author=1#main-key", "",
                  "rsa-sha256", "(request-target) host date digest"),
    "pixelfed": ("/users/alice", "/users/alice#main-key", "",
                 "rsa-sha256", "(request-target) date host digest content-type user-agent"),
    "friendica": ("/profile/alice", "/profile/alice#main-key", "",
                  "rsa-sha256", "(request-target) date host digest"),
    "hollo": ("/@alice", "/@alice#main-key", "",
              "rsa-sha256", "(request-target) host date digest"),
}  # fmt: skip


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, text in names.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def load(family: str, name: str, peer, pem: str) -> dict[str, Any]:
    host = urlsplit(peer.base).netloc
    doc = json.loads((SERVERS / family / f"{name}.json").read_text())
    return _fill(doc, {"base": peer.base, "host": host, "pem": pem})


def sign_as(
    family: str, body: bytes, key_id: str, private_pem: str, path: str = "/ap/inbox"
) -> dict[str, str]:
    """The headers ``family`` sends with a POST to our inbox at ``path``."""
    algorithm, names = FAMILIES[family][3], FAMILIES[family][4].split()
    headers = {
        "Host": "testserver",
        "Date": sig.http_date(timezone.now()),
        "Digest": sig.digest_header(body),
        "Content-Type": "application/activity+json",
        "Content-Length": str(len(body)),
        # Pixelfed signs its User-Agent too.
        "User-Agent": "(Pixelfed/0.12.4; +https://pixelfed.example)",
    }
    text = sig.signing_string("POST", path, headers, tuple(names))
    raw = sig.load_private_key(private_pem).sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{algorithm}",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(raw).decode()}"'
    )
    return headers


def post(client, body: bytes, headers: dict[str, str], path: str = "/ap/inbox"):
    extra = {k: v for k, v in headers.items() if k not in {"Content-Type", "Content-Length"}}
    return client.post(path, data=body, content_type="application/activity+json",
                       headers=extra)  # fmt: skip


@pytest.fixture
def scoop(topic, curator):
    draft = ScoopDraft(url="https://news.example/a", title="A", insight="Why.")
    return scoop_url(topic, curator, draft, timezone.now())


def serve(family: str, peer, public_pem: str) -> tuple[str, str]:
    """Serve ``family``'s documents on the peer; (actor id, key id)."""
    host = urlsplit(peer.base).netloc
    actor_path, key_path, key_doc_path = (p.format(host=host) for p in FAMILIES[family][:3])
    peer.documents[actor_path] = load(family, "actor", peer, public_pem)
    if key_doc_path:
        peer.documents[key_doc_path] = load(family, "main-key", peer, public_pem)
    return peer.base + actor_path, peer.base + key_path


def like(actor: str, scoop, n: int = 1) -> bytes:
    activity = {"@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{peer_base(actor)}/activities/like-{n}", "type": "Like",
                "actor": actor, "object": ids.scoop_object(scoop.pk)}  # fmt: skip
    return json.dumps(activity).encode()


def peer_base(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_server_family_is_accepted(family, client, scoop, peer):
    private, public = sig.generate_key_pair()
    actor, key_id = serve(family, peer, public)
    body = like(actor, scoop)
    assert post(client, body, sign_as(family, body, key_id, private)).status_code == 202
    process_cycle()
    item = InboxItem.objects.get()
    assert item.status == InboxItem.Status.DONE, item.error
    assert Reaction.objects.get().actor_uri == actor
    remote = RemoteActor.objects.get()
    assert (remote.uri, remote.key_id, remote.username) == (actor, key_id, "alice")
    assert remote.public_key_pem.strip() == public.strip()
    # Known now: the next activity is verified in the request, with no fetch.
    fetched = len(peer.gets)
    body = like(actor, scoop, 2)
    assert post(client, body, sign_as(family, body, key_id, private)).status_code == 202
    assert InboxItem.objects.get(activity_id__endswith="like-2").status == "pending"
    assert len(peer.gets) == fetched


def test_gotosocial_key_is_resolved_through_its_owner(client, scoop, peer):
    private, public = sig.generate_key_pair()
    actor, key_id = serve("gotosocial", peer, public)
    body = like(actor, scoop)
    post(client, body, sign_as("gotosocial", body, key_id, private))
    process_cycle()
    # The key path first (a stub naming its owner), then the owner's full document.
    assert [p for p, _ in peer.gets] == ["/users/alice/main-key", "/users/alice"]
    assert RemoteActor.objects.get().inbox == f"{peer.base}/users/alice/inbox"


def refused(client, scoop, peer, actor: str, key_id: str, private: str) -> InboxItem:
    body = like(actor, scoop)
    assert post(client, body, sign_as("gotosocial", body, key_id, private)).status_code == 202
    process_cycle()
    assert not Reaction.objects.exists()
    return InboxItem.objects.get()


def test_key_whose_owner_lists_another_key_is_refused(client, scoop, peer):
    private, public = sig.generate_key_pair()
    actor, key_id = serve("gotosocial", peer, public)
    # The owner publishes another PEM under the same key id: the key document lies.
    _, other = sig.generate_key_pair()
    peer.documents["/users/alice"] = load("gotosocial", "actor", peer, other)
    item = refused(client, scoop, peer, actor, key_id, private)
    assert item.status == InboxItem.Status.REFUSED
    assert "does not list the key" in item.error


def test_key_whose_owner_does_not_claim_it_is_refused(client, scoop, peer):
    private, public = sig.generate_key_pair()
    actor, key_id = serve("gotosocial", peer, public)
    doc = peer.documents["/users/alice"]
    doc["publicKey"]["id"] = f"{actor}#another-key"
    item = refused(client, scoop, peer, actor, key_id, private)
    assert item.status == InboxItem.Status.REFUSED
    assert "does not list the key" in item.error


def test_key_owned_by_an_actor_on_another_server_is_refused(client, scoop, peer):
    private, public = sig.generate_key_pair()
    actor, key_id = serve("gotosocial", peer, public)
    stub = peer.documents["/users/alice/main-key"]
    stub["id"] = stub["publicKey"]["owner"] = "https://elsewhere.example/users/alice"
    item = refused(client, scoop, peer, actor, key_id, private)
    assert item.status == InboxItem.Status.REFUSED
    assert "on its own server" in item.error
    assert [p for p, _ in peer.gets] == ["/users/alice/main-key"]  # the other host: never


def test_key_document_that_does_not_publish_the_key_is_refused(client, scoop, peer):
    private, public = sig.generate_key_pair()
    actor, key_id = serve("gotosocial", peer, public)
    peer.documents["/users/alice/main-key"]["publicKey"]["id"] = f"{actor}/other-key"
    item = refused(client, scoop, peer, actor, key_id, private)
    assert item.status == InboxItem.Status.REFUSED
    assert "does not publish the key" in item.error
