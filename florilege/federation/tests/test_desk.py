"""The fediverse on the engagement desk, with a peer on loopback: replies, mentions, likes
and boosts become desk items; the desk answers as the topic's actor, threaded under the
original, delivered by the ``deliver`` stage and signed with the topic's key."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.curation.models import DeskItem, DeskReply
from florilege.curation.services import desk
from florilege.federation import ids
from florilege.federation.activities import ACTIVITY_JSON
from florilege.federation.contexts import PUBLIC
from florilege.federation.services.actors import ensure_keys, topic_actor
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.federation.tests.test_flow import publish
from florilege.publishing.models import Comment

pytestmark = pytest.mark.django_db


def reply_from(peer, client, actor, scoop, content: str, n: int = 1) -> dict:
    note = {
        "id": f"{actor.uri}/statuses/{n}",
        "type": "Note",
        "attributedTo": actor.uri,
        "inReplyTo": ids.scoop_object(scoop.pk),
        "content": content,
        "to": [PUBLIC],
    }
    create = {"id": f"{note['id']}/activity", "type": "Create", "actor": actor.uri, "object": note}
    assert peer.signed_post(client, "/ap/inbox", create, actor=actor).status_code == 202
    process_cycle()
    return note


def test_a_reply_is_on_the_desk_and_the_answer_goes_back_threaded(
    client, client_in, topic, curator, peer, alice
) -> None:
    scoop = publish(topic, curator)
    note = reply_from(peer, client, alice, scoop, "<p>This is <b>misleading</b> and wrong.</p>")
    item = DeskItem.objects.get(kind="reply")
    assert (item.remote_id, item.remote_actor) == (note["id"], alice.uri)
    assert item.channels == "site fediverse" and item.text == "This is misleading and wrong."
    assert item.needs_attention and item.attention_reason == "words: misleading, wrong"

    # Answered from the desk's page, on the fediverse.
    url = reverse("curation:desk_action", args=[topic.slug, item.pk, "reply"])
    response = client_in.post(url, {"channel": "fediverse", "text": "Thanks, we fixed it."})
    assert response.status_code == 302
    assert deliver_cycle().delivered == 1
    [sent] = peer.received
    assert sent.path == "/users/alice/inbox"
    activity = sent.activity
    assert activity["type"] == "Create" and activity["actor"] == ids.topic_actor(topic.slug)
    reply = activity["object"]
    assert reply["inReplyTo"] == note["id"]
    assert reply["attributedTo"] == ids.topic_actor(topic.slug)
    assert reply["to"] == [alice.uri] and PUBLIC in reply["cc"]
    [tag] = reply["tag"]
    assert tag["type"] == "Mention" and tag["href"] == alice.uri
    assert tag["name"] == "@alice@127.0.0.1" and "@alice@127.0.0.1" in reply["content"]
    assert "Thanks, we fixed it." in reply["content"]
    peer.verify_all(ensure_keys(topic_actor(topic)).public_key_pem)
    item.refresh_from_db()
    assert item.status == "done"
    assert DeskReply.objects.get().reference == reply["id"]

    # The reply's id answers: the same Note for servers, the scoop's page for browsers.
    address = urlsplit(reply["id"]).path
    fetched = client.get(address, HTTP_ACCEPT="application/activity+json")
    assert fetched.status_code == 200 and fetched["Content-Type"].startswith(ACTIVITY_JSON)
    assert {k: v for k, v in fetched.json().items() if k != "@context"} == reply
    browser = client.get(address, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert browser.status_code == 302 and browser["Location"] == scoop.get_absolute_url()
    assert client.get(address[:-4] + "beef").status_code == 404

    # The author deletes the reply: it leaves the desk with the comment.
    delete = {
        "id": f"{note['id']}/delete",
        "type": "Delete",
        "actor": alice.uri,
        "object": note["id"],
    }
    peer.signed_post(client, "/ap/inbox", delete, actor=alice)
    process_cycle()
    assert not Comment.objects.filter(origin="fediverse").exists()
    assert not DeskItem.objects.filter(kind="reply").exists()
    assert client.get(address, HTTP_ACCEPT=ACTIVITY_JSON).status_code == 404


def test_a_redelivered_or_edited_reply_changes_the_item_it_made(
    client, topic, curator, peer, alice
):
    scoop = publish(topic, curator)
    note = reply_from(peer, client, alice, scoop, "<p>Nice</p>")
    reply_from(peer, client, alice, scoop, "<p>Nice</p>")
    assert DeskItem.objects.filter(kind="reply").count() == 1
    update = {"id": f"{note['id']}/edit", "type": "Update", "actor": alice.uri,
              "object": {**note, "content": "<p>Actually, pure propaganda</p>"}}  # fmt: skip
    peer.signed_post(client, "/ap/inbox", update, actor=alice)
    process_cycle()
    item = DeskItem.objects.get(kind="reply")
    assert item.text == "Actually, pure propaganda" and item.needs_attention


def test_a_public_mention_of_the_topic_is_on_its_desk_and_answerable(
    client, topic, curator, peer, alice
) -> None:
    topic_uri = ids.topic_actor(topic.slug)
    mention = {"type": "Mention", "href": topic_uri, "name": f"@{topic.slug}@testserver"}
    post = {"id": f"{alice.uri}/statuses/7", "type": "Note", "attributedTo": alice.uri,
            "content": "<p>@social-networks have you seen this?</p>", "to": [PUBLIC],
            "cc": [topic_uri], "tag": [mention], "url": f"{peer.base}/@alice/7"}  # fmt: skip
    private = {**post, "id": f"{alice.uri}/statuses/8", "to": [topic_uri], "cc": []}
    for n, obj in enumerate((post, private)):
        create = {"id": f"{alice.uri}/c/{n}", "type": "Create", "actor": alice.uri, "object": obj}
        peer.signed_post(client, "/ap/inbox", create, actor=alice)
    process_cycle()
    item = DeskItem.objects.get()  # the private mention is not on the desk
    assert (item.kind, item.channels, item.remote_id) == ("mention", "fediverse", post["id"])
    assert (
        item.link == f"{peer.base}/@alice/7" and item.text == "@social-networks have you seen this?"
    )
    desk.reply(curator, item, "fediverse", "Yes, scooped it!", timezone.now())
    assert deliver_cycle().delivered == 1
    assert peer.received[0].activity["object"]["inReplyTo"] == post["id"]


def test_likes_and_boosts_are_one_summary_per_scoop(client, topic, curator, peer, alice):
    bob = peer.add_actor("bob")
    scoop = publish(topic, curator)
    obj = ids.scoop_object(scoop.pk)
    for who in (alice, bob):
        like = {"id": f"{who.uri}/likes/1", "type": "Like", "actor": who.uri, "object": obj}
        peer.signed_post(client, "/ap/inbox", like, actor=who)
    boost = {"id": f"{bob.uri}/boosts/1", "type": "Announce", "actor": bob.uri, "object": obj}
    peer.signed_post(client, "/ap/inbox", boost, actor=bob)
    process_cycle()
    item = DeskItem.objects.get()
    assert (item.kind, item.key, item.likes, item.boosts) == (
        "reactions",
        f"reactions:{scoop.pk}",
        2,
        1,
    )
    assert item.channels == ""  # nothing to answer
    undo = {"id": f"{bob.uri}/undo/1", "type": "Undo", "actor": bob.uri,
            "object": {"id": f"{bob.uri}/likes/1", "type": "Like"}}  # fmt: skip
    peer.signed_post(client, "/ap/inbox", undo, actor=bob)
    process_cycle()
    item.refresh_from_db()
    assert (item.likes, item.boosts) == (1, 1)


def test_backfill_puts_earlier_replies_and_reactions_on_the_desk(
    client, topic, curator, peer, alice
) -> None:
    scoop = publish(topic, curator)
    reply_from(peer, client, alice, scoop, "<p>Hello</p>")
    like = {
        "id": f"{alice.uri}/likes/1",
        "type": "Like",
        "actor": alice.uri,
        "object": ids.scoop_object(scoop.pk),
    }
    peer.signed_post(client, "/ap/inbox", like, actor=alice)
    process_cycle()
    DeskItem.objects.all().delete()
    desk.backfill(timezone.now())
    reply = DeskItem.objects.get(kind="reply")
    assert reply.remote_actor == alice.uri and reply.channels == "site fediverse"
    assert DeskItem.objects.get(kind="reactions").likes == 1
