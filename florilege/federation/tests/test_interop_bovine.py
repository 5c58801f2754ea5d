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

from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import Delivery, Follower, InboxItem
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.publishing.models import Comment

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
    from bovine import BovineClient

    async def go() -> int:
        async with BovineClient(
            domain=peer["domain"], actor_id=peer["actor_id"], secret=peer["secret"]
        ) as client:
            response = await client.send_to_outbox(activity)
            return response.status

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
def test_bovine_follows_receives_a_scoop_and_replies(
    live_server, settings, topic, curator, bovine_peer
):
    settings.BASE_URL = live_server.url
    settings.CONFIG = replace(settings.CONFIG, BASE_URL=live_server.url)
    topic_uri = ids.topic_actor(topic.slug)
    peer = bovine_peer

    # 1. bovine follows the topic; we store the Follow, process it, and deliver the Accept.
    status = send(peer, {
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
