"""Bad input at the inbox: each is refused with the right status and changes nothing."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.models import Block, InboxItem, Reaction, RemoteActor
from florilege.federation.services.inbox import process_cycle
from florilege.federation.services.keys import resolve_and_store
from florilege.federation.signatures import generate_key_pair
from florilege.publishing.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoop(topic, curator):
    draft = ScoopDraft(url="https://news.example/a", title="A", insight="Why.")
    return scoop_url(topic, curator, draft, timezone.now())


def like(actor, scoop, n=1):
    return {"id": f"{actor.uri}/likes/{n}", "type": "Like", "actor": actor.uri,
            "object": ids.scoop_object(scoop.pk)}  # fmt: skip


def nothing_stored():
    return not InboxItem.objects.exists() and not Reaction.objects.exists()


def test_unsigned_post_is_401(client, scoop, alice):
    body = json.dumps(like(alice, scoop))
    response = client.post("/ap/inbox", body, content_type="application/activity+json")
    assert response.status_code == 401
    assert nothing_stored()


@pytest.fixture
def known(peer, alice):
    """alice's key is already ours: her requests are checked in the request itself."""
    resolve_and_store([alice.key_id], timezone.now(), 5)
    peer.gets.clear()
    return alice


def test_unknown_key_is_checked_by_the_stage_not_the_request(client, scoop, peer, alice):
    response = peer.signed_post(client, "/ap/inbox", like(alice, scoop), actor=alice)
    assert response.status_code == 202
    assert peer.gets == []  # nothing fetched inside the request
    assert InboxItem.objects.get().status == InboxItem.Status.UNVERIFIED
    process_cycle()
    assert InboxItem.objects.get().status == InboxItem.Status.DONE
    assert Reaction.objects.count() == 1
    assert [p for p, _ in peer.gets] == ["/users/alice"]
    # Now known: the next one is checked at once, with no fetch.
    response = peer.signed_post(client, "/ap/inbox", like(alice, scoop, 2), actor=alice)
    assert response.status_code == 202
    assert InboxItem.objects.get(activity_id=f"{alice.uri}/likes/2").status == "pending"
    assert len(peer.gets) == 1


def test_signature_by_a_key_that_is_not_the_actors_is_refused(client, scoop, peer, alice):
    wrong_private, _ = generate_key_pair()
    response = peer.signed_post(client, "/ap/inbox", like(alice, scoop), actor=alice,
                                key_pem=wrong_private)  # fmt: skip
    assert response.status_code == 202  # unknown key: checked later
    process_cycle()
    assert InboxItem.objects.get().status == InboxItem.Status.REFUSED
    assert not Reaction.objects.exists()
    assert [p for p, _ in peer.gets] == ["/users/alice"]


def test_known_key_that_does_not_verify_is_refetched_once_then_refused(
    client, scoop, peer, known
):
    wrong_private, _ = generate_key_pair()
    response = peer.signed_post(client, "/ap/inbox", like(known, scoop), actor=known,
                                key_pem=wrong_private)  # fmt: skip
    assert response.status_code == 202
    assert peer.gets == []
    process_cycle()
    assert InboxItem.objects.get().status == InboxItem.Status.REFUSED
    assert not Reaction.objects.exists()
    # Fetched once more in case it had been rotated.
    assert [p for p, _ in peer.gets] == ["/users/alice"]


def test_rotated_key_is_refetched_once_and_accepted(client, scoop, peer, known):
    alice = known
    assert peer.signed_post(client, "/ap/inbox", like(alice, scoop), actor=alice).status_code == 202
    old = RemoteActor.objects.get(uri=alice.uri).public_key_pem
    alice.private_pem, alice.public_pem = generate_key_pair()  # the actor rotates its key
    response = peer.signed_post(client, "/ap/inbox", like(alice, scoop, 2), actor=alice)
    assert response.status_code == 202
    process_cycle()
    assert RemoteActor.objects.get(uri=alice.uri).public_key_pem != old
    assert list(InboxItem.objects.values_list("status", flat=True)) == ["done", "done"]


def test_replayed_request_older_than_12_hours_is_401(client, scoop, peer, alice, caplog):
    old = timezone.now() - timedelta(hours=13)
    response = peer.signed_post(client, "/ap/inbox", like(alice, scoop), actor=alice, now=old)
    assert response.status_code == 401
    assert b"12 hours" not in response.content  # the detail is logged, not told
    assert "12 hours" in caplog.text
    assert nothing_stored()
    assert peer.gets == []  # refused before any key is fetched


def test_ten_megabyte_activity_is_413_before_reading(client, scoop, peer, alice):
    activity = like(alice, scoop)
    activity["content"] = "x" * (10 * 1024 * 1024)
    response = peer.signed_post(client, "/ap/inbox", activity, actor=alice)
    assert response.status_code == 413
    assert nothing_stored()
    assert peer.gets == []


def test_create_whose_object_claims_another_origin_is_400(client, scoop, peer, known):
    alice = known
    note = {"id": "https://elsewhere.example/notes/1", "type": "Note",
            "attributedTo": "https://elsewhere.example/users/bob",
            "inReplyTo": ids.scoop_object(scoop.pk), "content": "forged"}  # fmt: skip
    create = {"id": f"{alice.uri}/c/1", "type": "Create", "actor": alice.uri, "object": note}
    response = peer.signed_post(client, "/ap/inbox", create, actor=alice)
    assert response.status_code == 400
    assert nothing_stored()
    assert not Comment.objects.exists()


def test_activity_by_another_actor_than_the_signer_is_401(client, scoop, peer, known):
    alice = known
    bob = peer.add_actor("bob")
    forged = {**like(alice, scoop), "actor": bob.uri}
    assert peer.signed_post(client, "/ap/inbox", forged, actor=alice).status_code == 401
    assert nothing_stored()


def test_delete_of_someone_elses_comment_is_refused(client, scoop, peer, known):
    alice = known
    Comment.objects.create(
        scoop=scoop, origin="fediverse", author_name="x", body="b", body_html="b",
        remote_id="https://elsewhere.example/notes/1",
    )  # fmt: skip
    delete = {"id": f"{alice.uri}/d/1", "type": "Delete", "actor": alice.uri,
              "object": "https://elsewhere.example/notes/1"}  # fmt: skip
    assert peer.signed_post(client, "/ap/inbox", delete, actor=alice).status_code == 400
    assert Comment.objects.count() == 1


def test_flood_of_likes_from_one_instance_is_rate_limited(client, scoop, peer, alice, settings):
    settings.CONFIG = replace(settings.CONFIG, FEDERATION_INBOX_RATE=50)
    started = time.monotonic()
    statuses = [
        peer.signed_post(client, "/ap/inbox", like(alice, scoop, n), actor=alice).status_code
        for n in range(1000)
    ]
    # The limit is per minute: on a slow machine the flood spans several windows.
    windows = math.ceil((time.monotonic() - started) / 60) + 1
    assert statuses[:50] == [202] * 50
    assert statuses[50] == 429
    assert set(statuses) == {202, 429}
    assert statuses.count(202) == InboxItem.objects.count() <= 50 * windows
    process_cycle()
    # One actor's Likes of one scoop are one like.
    assert Reaction.objects.count() == 1


def test_blocked_instance_and_actor_are_403(client, scoop, topic, peer, alice):
    Block.objects.create(domain="127.0.0.1")
    assert peer.signed_post(client, "/ap/inbox", like(alice, scoop), actor=alice).status_code == 403
    Block.objects.all().delete()
    from florilege.federation.services.actors import topic_actor

    Block.objects.create(actor=topic_actor(topic), actor_uri=alice.uri)
    path = f"/ap/topics/{topic.slug}/inbox"
    assert peer.signed_post(client, path, like(alice, scoop), actor=alice).status_code == 403
    assert nothing_stored()


def test_not_json_is_400(client, scoop, peer, alice):
    response = peer.signed_post(client, "/ap/inbox", {}, actor=alice, body=b"not json")
    assert response.status_code == 400
    assert nothing_stored()


def test_get_on_the_shared_inbox_is_405(client):
    assert client.get("/ap/inbox").status_code == 405
