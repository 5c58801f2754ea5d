"""A topic following fediverse accounts: the source when the server advertises no feed
(the outbox), titles of posts, edits and deletions of followed posts, unfollowing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation.models import FollowedPost, RemoteFollow
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion
from florilege.topics.models import TopicSource
from florilege.topics.tests.team_fixtures import PASSWORD

pytestmark = pytest.mark.django_db
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def note(actor, n: int, content: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"{actor.uri}/statuses/{n}", "type": "Note", "attributedTo": actor.uri,
            "url": f"{actor.uri.replace('/users/', '/@')}/statuses/{n}", "content": content,
            "published": timezone.now().isoformat(), "to": [PUBLIC], **extra}  # fmt: skip


def create(actor, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{obj['id']}/activity", "type": "Create", "actor": actor.uri, "object": obj}


def follow(client_in, topic, actor) -> RemoteFollow:
    response = client_in.post(
        f"/curate/{topic.slug}/fediverse/", {"action": "follow", "account": actor.uri}
    )
    assert response.status_code == 302
    return RemoteFollow.objects.get(remote__uri=actor.uri)


def accept(peer, client, actor, follow_id: str) -> None:
    answer = {"id": f"{actor.uri}/accepts/{follow_id[-6:]}", "type": "Accept",
              "actor": actor.uri, "object": follow_id}  # fmt: skip
    assert peer.signed_post(client, "/ap/inbox", answer, actor=actor).status_code == 202
    process_cycle()


def test_an_account_without_a_feed_is_read_from_its_outbox(client_in, topic, peer, alice):
    # GoToSocial without RSS: no feed on the account's page; its outbox is read, signed.
    peer.pages["/@alice"] = ("text/html", b"<html><head><title>alice</title></head></html>")
    bob = peer.add_actor("bob")
    posts = [
        note(alice, 1, "<p>Hello from the outbox. And more.</p>"),
        note(alice, 2, "<p>A spoiler.</p>", summary="Film ending"),
        note(alice, 3, "<p>Only for followers.</p>", to=[f"{alice.uri}/followers"]),
        note(bob, 4, "<p>Forged into alice's outbox.</p>"),
    ]
    outbox = f"{alice.uri}/outbox"
    peer.documents["/users/alice/outbox"] = {
        "id": outbox, "type": "OrderedCollection", "totalItems": 4, "first": f"{outbox}?page=1",
    }  # fmt: skip
    peer.documents["/users/alice/outbox?page=1"] = {
        "id": f"{outbox}?page=1", "type": "OrderedCollectionPage",
        "orderedItems": [create(alice, p) for p in posts],
    }  # fmt: skip
    row = follow(client_in, topic, alice)
    source = row.source
    assert source is not None and source.url == alice.uri and not source.enabled
    assert TopicSource.objects.filter(topic=topic, source=source).exists()
    titles = sorted(Entry.objects.filter(source=source).values_list("title", flat=True))
    # The content warning, else the first sentence; never the post's address.
    assert titles == ["Film ending", "Hello from the outbox."]
    paths = [path for path, _ in peer.gets]
    assert "/users/alice/outbox?page=1" in paths
    assert not any(p.endswith(".rss") for p in paths)  # nothing guessed
    outbox_get = next(h for p, h in peer.gets if p == "/users/alice/outbox")
    assert "signature" in outbox_get


def followed_post(client_in, client, topic, peer, alice) -> Entry:
    advertise = '<link rel="alternate" type="application/rss+xml" href="/@alice/feed.rss">'
    peer.pages["/@alice"] = ("text/html", f"<html><head>{advertise}</head></html>".encode())
    row = follow(client_in, topic, alice)
    deliver_cycle()
    accept(peer, client, alice, row.follow_id)
    obj = note(alice, 7, "<p>First version. Details.</p>")
    peer.signed_post(client, "/ap/inbox", create(alice, obj), actor=alice)
    process_cycle()
    entry = Entry.objects.get()
    assert entry.title == "First version."
    return entry


def test_edits_of_a_followed_post_update_its_entry_by_its_author_only(
    client_in, client, topic, peer, alice
):
    entry = followed_post(client_in, client, topic, peer, alice)
    bob = peer.add_actor("bob")  # same server, not the author
    forged = {k: v for k, v in note(alice, 7, "<p>Bob's version.</p>").items()
              if k != "attributedTo"}  # fmt: skip
    peer.signed_post(client, "/ap/inbox", {"id": f"{bob.uri}/u/1", "type": "Update",
                     "actor": bob.uri, "object": forged}, actor=bob)  # fmt: skip
    process_cycle()
    entry.refresh_from_db()
    assert entry.title == "First version."
    edited = note(alice, 7, "<p>Second version. Details.</p>", updated=timezone.now().isoformat())
    update = {"id": f"{alice.uri}/u/1", "type": "Update", "actor": alice.uri, "object": edited}
    peer.signed_post(client, "/ap/inbox", update, actor=alice)
    process_cycle()
    entry.refresh_from_db()
    assert entry.title == "Second version." and "Second version" in entry.content


def delete(actor, object_id: str, n: int = 1, tombstone: bool = True) -> dict[str, Any]:
    obj: Any = {"id": object_id, "type": "Tombstone"} if tombstone else object_id
    return {"id": f"{actor.uri}/d/{n}", "type": "Delete", "actor": actor.uri, "object": obj,
            "to": [PUBLIC]}  # fmt: skip


def test_a_deleted_post_is_withdrawn_from_the_suggestions(client_in, client, topic, peer, alice):
    entry = followed_post(client_in, client, topic, peer, alice)
    Suggestion.objects.create(topic=topic, entry=entry)
    bob = peer.add_actor("bob")
    peer.signed_post(client, "/ap/inbox", delete(bob, f"{alice.uri}/statuses/7"), actor=bob)
    process_cycle()
    assert Entry.objects.filter(pk=entry.pk).exists()  # not bob's to delete
    peer.signed_post(client, "/ap/inbox", delete(alice, f"{alice.uri}/statuses/7"), actor=alice)
    process_cycle()
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert not Suggestion.objects.exists() and not FollowedPost.objects.exists()
    assert Source.objects.get(pk=entry.source_id).entry_count == 0


def test_a_deleted_post_already_scooped_stays_and_is_flagged(
    client_in, client, topic, curator, peer, alice
):
    entry = followed_post(client_in, client, topic, peer, alice)
    Suggestion.objects.create(topic=topic, entry=entry, status=Suggestion.Status.SCOOPED)
    draft = ScoopDraft(url=entry.url, title=entry.title, insight="Worth reading.")
    scoop = scoop_url(topic, curator, draft, timezone.now())
    Scoop.objects.filter(pk=scoop.pk).update(entry=entry)
    peer.signed_post(
        client, "/ap/inbox", delete(alice, f"{alice.uri}/statuses/7", tombstone=False), actor=alice
    )
    process_cycle()
    assert Scoop.objects.filter(pk=scoop.pk, entry=entry).exists()
    assert FollowedPost.objects.get().deleted_at is not None
    page = client_in.get(f"/curate/{topic.slug}/fediverse/").content.decode()
    assert "Scooped posts deleted by their authors" in page and "First version." in page


def test_unfollow_sends_undo_of_the_original_follow_and_refollow_works(
    client_in, client, topic, peer, alice
):
    peer.pages["/@alice"] = ("text/html", b"<html></html>")
    row = follow(client_in, topic, alice)
    deliver_cycle()
    accept(peer, client, alice, row.follow_id)
    first_follow = peer.received[-1].activity
    assert first_follow["type"] == "Follow" and first_follow["id"] == row.follow_id
    response = client_in.post(
        f"/curate/{topic.slug}/fediverse/", {"action": "unfollow", "follow": str(row.pk)}
    )
    assert response.status_code == 302
    deliver_cycle()
    undo = peer.received[-1].activity
    assert undo["type"] == "Undo" and undo["actor"] == first_follow["actor"]
    assert undo["object"]["id"] == row.follow_id and undo["object"]["type"] == "Follow"
    assert undo["object"]["object"] == alice.uri
    assert not RemoteFollow.objects.exists()
    assert not TopicSource.objects.filter(topic=topic, source=row.source).exists()
    # Following again sends a new Follow, with a new id, which the server accepts anew.
    again = follow(client_in, topic, alice)
    deliver_cycle()
    refollow = peer.received[-1].activity
    assert refollow["type"] == "Follow" and refollow["id"] == again.follow_id != row.follow_id
    accept(peer, client, alice, again.follow_id)
    assert RemoteFollow.objects.get().status == RemoteFollow.Status.ACCEPTED
    # Following an account already followed says so and sends nothing.
    sent = len(peer.received)
    page = client_in.post(
        f"/curate/{topic.slug}/fediverse/",
        {"action": "follow", "account": alice.uri},
        follow=True,
    ).content.decode()
    assert "already follows" in page
    deliver_cycle()
    assert len(peer.received) == sent


def test_unfollow_needs_the_curate_role_and_a_csrf_token(client, topic, team, peer, alice):
    peer.pages["/@alice"] = ("text/html", b"<html></html>")
    owner = Client()
    owner.force_login(team["owner"])
    row = follow(owner, topic, alice)
    deliver_cycle()
    sent = len(peer.received)
    url = f"/curate/{topic.slug}/fediverse/"
    for name in ("contributor", "viewer", "outsider"):
        other = Client()
        other.login(username=name, password=PASSWORD)
        other.post(url, {"action": "unfollow", "follow": str(row.pk)})
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(team["owner"])
    assert strict.post(url, {"action": "unfollow", "follow": str(row.pk)}).status_code == 403
    deliver_cycle()
    assert len(peer.received) == sent and RemoteFollow.objects.filter(pk=row.pk).exists()
