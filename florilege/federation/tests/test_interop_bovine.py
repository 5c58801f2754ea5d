"""Interop with a real ActivityPub server: bovine-herd (from PyPI) started on 127.0.0.1.

The peer follows a topic, receives a scoop, replies, and the reply becomes a comment.
Every request on the way is signed both ways: bovine requires signed GETs, so it fetches
our actors with its key and we fetch its actor with our instance actor's key.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from django.utils import timezone

from florilege.curation.services.publication import ScoopEdit, edit, unpublish
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import Delivery, Follower, InboxItem, Reaction, RemoteFollow
from florilege.federation.services import following
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.publishing.models import Comment
from florilege.sources.models import Entry

bovine = pytest.importorskip("bovine", reason="bovine-herd is in the dev extra")
REPO = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def bovine_peer(tmp_path):
    port = free_port()
    log = (tmp_path / "bovine.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "florilege.federation.tests.bovine_peer", str(port), str(tmp_path)],
        # bovine writes a JSON-LD cache in its working folder: keep it out of the checkout.
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=log, stderr=log,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (tmp_path / "peer.json").exists():
                try:
                    urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/.well-known/nodeinfo", timeout=2
                    )
                    break
                except OSError:
                    pass
            if proc.poll() is not None:
                pytest.fail("bovine-herd exited: " + (tmp_path / "bovine.log").read_text()[-2000:])
            time.sleep(0.2)
        else:
            pytest.fail("bovine-herd did not start within 60 s")
        info = json.loads((tmp_path / "peer.json").read_text())
        info["domain"] = f"http://127.0.0.1:{port}"
        info["log"] = tmp_path / "bovine.log"
        yield info
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def send(peer: dict, activity: dict) -> int:
    return post(peer, activity)[0]


def post(peer: dict, activity: dict) -> tuple[int, str]:
    """Posts to bovine's outbox, which gives the activity its id, signs it and delivers it:
    (status, the activity's id from ``Location``)."""
    from bovine import BovineClient

    async def go() -> tuple[int, str]:
        async with BovineClient(
            domain=peer["domain"], actor_id=peer["actor_id"], secret=peer["secret"]
        ) as client:
            response = await client.send_to_outbox(activity)
            return response.status, response.headers.get("location", "")

    return asyncio.run(go())


def peer_inbox(peer: dict) -> list[dict]:
    from bovine import BovineClient

    async def go() -> list[dict]:
        async with BovineClient(
            domain=peer["domain"], actor_id=peer["actor_id"], secret=peer["secret"]
        ) as client:
            items = []
            async for item in client.inbox():
                items.append(item)
                if len(items) > 20:
                    break
            return items

    return asyncio.run(go())


def wait_for(predicate, what: str, peer: dict, seconds: float = 45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}; bovine log:\n" + peer["log"].read_text()[-3000:])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_bovine_follows_a_topic_reacts_and_leaves(
    live_server, settings, topic, curator, bovine_peer
):
    settings.BASE_URL = live_server.url
    settings.CONFIG = replace(settings.CONFIG, BASE_URL=live_server.url)
    topic_uri = ids.topic_actor(topic.slug)
    peer = bovine_peer

    # 1. bovine follows the topic; we store the Follow, process it, and deliver the Accept.
    status, follow_id = post(peer, {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
        "actor": peer["actor_id"], "object": topic_uri, "to": [topic_uri],
    })  # fmt: skip
    assert status in {200, 201, 202}
    wait_for(lambda: InboxItem.objects.filter(kind="Follow").exists(), "the Follow", peer)
    process_cycle()
    follower = Follower.objects.get()
    assert follower.remote.uri == peer["actor_id"]
    assert deliver_cycle().delivered == 1  # the Accept, signed, taken by bovine

    # 2. A published scoop reaches bovine as a Create of a Note.
    scoop = scoop_url(topic, curator, ScoopDraft(
        url="https://news.example/interop", title="Interop works", insight="Tested *live*.",
        tags=["fediverse"]), timezone.now())  # fmt: skip
    report = deliver_cycle()
    assert report.delivered == 1, Delivery.objects.values_list("last_status", "last_error")
    note_id = ids.scoop_object(scoop.pk)

    def received_create():
        for item in peer_inbox(peer):
            obj = item.get("object") if isinstance(item, dict) else None
            if item.get("type") == "Create" and isinstance(obj, dict) and obj.get("id") == note_id:
                return item
            if item.get("type") == "Create" and obj == note_id:
                return item
        return None

    create = wait_for(received_create, "the Create in bovine's inbox", peer)
    actor = create["actor"]
    # bovine's inbox view embeds the actor it fetched (signed) from us.
    assert (actor.get("id") if isinstance(actor, dict) else actor) == topic_uri

    # 3. bovine replies; the reply becomes a comment awaiting moderation.
    status = send(peer, {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
        "actor": peer["actor_id"], "to": [PUBLIC], "cc": [topic_uri],
        "object": {"type": "Note", "attributedTo": peer["actor_id"], "to": [PUBLIC],
                   "cc": [topic_uri],
                   "inReplyTo": note_id, "content": "<p>Nice scoop from bovine</p>"},
    })  # fmt: skip
    assert status in {200, 201, 202}
    wait_for(lambda: InboxItem.objects.filter(kind="Create").exists(), "the reply", peer)
    process_cycle()
    comment = Comment.objects.get()
    assert comment.scoop == scoop
    assert comment.origin == Comment.Origin.FEDIVERSE
    assert comment.status == Comment.Status.PENDING
    assert "Nice scoop from bovine" in comment.body_html

    # 4. bovine likes and boosts the scoop: the counts go up; its Undo brings them down.
    reactions = []
    for kind in ("Like", "Announce"):
        status, activity_id = post(peer, {
            "@context": "https://www.w3.org/ns/activitystreams", "type": kind,
            "actor": peer["actor_id"], "object": note_id, "to": [topic_uri],
        })  # fmt: skip
        assert status in {200, 201, 202} and activity_id
        reactions.append((kind, activity_id))
    wait_for(lambda: inbox_count("Like", "Announce") == 2, "the Like and the Announce", peer)
    process_cycle()
    assert counts(scoop.pk) == (1, 1), inbox_report()
    for kind, activity_id in reactions:
        send(peer, {
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Undo",
            "actor": peer["actor_id"], "to": [topic_uri],
            "object": {"type": kind, "id": activity_id, "actor": peer["actor_id"],
                       "object": note_id},
        })  # fmt: skip
    wait_for(lambda: inbox_count("Undo") == 2, "the two Undo", peer)
    process_cycle()
    assert counts(scoop.pk) == (0, 0), inbox_report()

    # 5. An edit reaches bovine as an Update, unpublishing as a Delete.
    edit(scoop, curator, ScoopEdit(title="Interop works, edited", excerpt=scoop.excerpt,
                                   insight="Tested *live*, twice.", tags=["fediverse"]),
         timezone.now())  # fmt: skip
    assert deliver_cycle().delivered == 1
    wait_for(lambda: received(peer, "Update", note_id), "the Update in bovine's inbox", peer)
    unpublish(scoop, curator, timezone.now())
    assert deliver_cycle().delivered == 1
    wait_for(lambda: received(peer, "Delete", note_id), "the Delete in bovine's inbox", peer)

    # 6. bovine unfollows: the follower is gone.
    send(peer, {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Undo",
        "actor": peer["actor_id"], "to": [topic_uri],
        "object": {"type": "Follow", "id": follow_id, "actor": peer["actor_id"],
                   "object": topic_uri},
    })  # fmt: skip
    wait_for(lambda: inbox_count("Undo") == 3, "the Undo of the Follow", peer)
    process_cycle()
    assert not Follower.objects.exists(), inbox_report()

    # 7. The topic follows bovine's account (by its address); bovine's user accepts (bovine
    # leaves that to its client, as a locked account's owner would).
    remote_follow = following.follow_account(curator, topic, peer["actor_id"], timezone.now())
    assert deliver_cycle().delivered == 1
    send(peer, {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Accept",
        "actor": peer["actor_id"], "to": [topic_uri],
        "object": {"type": "Follow", "id": remote_follow.follow_id, "actor": topic_uri,
                   "object": peer["actor_id"]},
    })  # fmt: skip
    wait_for(lambda: inbox_count("Accept"), "bovine's Accept", peer)
    process_cycle()
    remote_follow.refresh_from_db()
    assert remote_follow.status == RemoteFollow.Status.ACCEPTED, inbox_report()

    # 8. Its public post becomes an entry of the topic's source, titled by its text. (bovine
    # keeps no followers for an Accept its client sent, so the post names the topic.)
    status = send(peer, {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
        "actor": peer["actor_id"], "to": [PUBLIC], "cc": [topic_uri],
        "object": {"type": "Note", "attributedTo": peer["actor_id"], "to": [PUBLIC],
                   "cc": [topic_uri],
                   "content": "<p>Bovine speaks. A second sentence follows.</p>"},
    })  # fmt: skip
    assert status in {200, 201, 202}
    wait_for(lambda: inbox_count("Create") == 2, "bovine's post", peer)
    process_cycle()
    assert remote_follow.source_id is not None
    entry = Entry.objects.get(source_id=remote_follow.source_id)
    assert entry.title == "Bovine speaks.", entry.title

    # 9. The topic unfollows: bovine receives the Undo of the Follow.
    following.unfollow_account(curator, topic, remote_follow.pk, timezone.now())
    assert deliver_cycle().delivered == 1
    assert not RemoteFollow.objects.filter(pk=remote_follow.pk).exists()


def inbox_count(*kinds: str) -> int:
    return InboxItem.objects.filter(kind__in=kinds).count()


def inbox_report() -> list[tuple[str, str, str]]:
    return list(InboxItem.objects.values_list("kind", "status", "error"))


def counts(scoop_pk: int) -> tuple[int, int]:
    rows = Reaction.objects.filter(scoop_id=scoop_pk)
    return rows.filter(kind="like").count(), rows.filter(kind="announce").count()


def received(peer: dict, kind: str, object_id: str) -> dict | None:
    for item in peer_inbox(peer):
        obj = item.get("object") if isinstance(item, dict) else None
        oid = obj.get("id") if isinstance(obj, dict) else obj
        if item.get("type") == kind and oid == object_id:
            return item
    return None
