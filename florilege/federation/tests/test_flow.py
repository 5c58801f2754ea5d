"""Following, publishing, replying, reacting: the whole round trip with a peer on loopback."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from florilege.analytics.clicks import go_url
from florilege.curation.models import Scoop
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.models import Delivery, Follower, InboxItem, Reaction
from florilege.federation.services.actors import ensure_keys, topic_actor
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.documents import topic_document
from florilege.federation.services.inbox import process_cycle
from florilege.federation.worker import federation_cycle
from florilege.lib import media
from florilege.media.models import Picture
from florilege.media.services import process_now
from florilege.media.tests.helpers import picture_bytes, ready_picture
from florilege.publishing.models import Comment

pytestmark = pytest.mark.django_db


def follow(peer, client, topic, actor, n=1):
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.uri}/follows/{n}",
        "type": "Follow",
        "actor": actor.uri,
        "object": ids.topic_actor(topic.slug),
    }
    return peer.signed_post(client, "/ap/inbox", activity, actor=actor)


def publish(topic, curator, url="https://news.example/story", **kw):
    draft = ScoopDraft(
        url=url,
        title=kw.get("title", "A story worth reading"),
        insight=kw.get("insight", "Why it *matters*."),
        tags=kw.get("tags", ["open web", "ActivityPub"]),
        image_url=kw.get("image_url", "https://news.example/pic.jpg"),
        language="en",
    )
    return scoop_url(topic, curator, draft, timezone.now())


def test_follow_is_accepted_and_listed(client, topic, peer, alice):
    response = follow(peer, client, topic, alice)
    assert response.status_code == 202
    assert InboxItem.objects.count() == 1
    assert not Follower.objects.exists()  # processed later, not in the request

    report = federation_cycle()
    assert report.processed == 1
    follower = Follower.objects.get()
    assert follower.status == Follower.Status.ACCEPTED
    # The Accept went to alice's own inbox, signed by the topic's key.
    [accept] = peer.received
    assert accept.path == "/users/alice/inbox"
    assert accept.activity["type"] == "Accept"
    assert accept.activity["object"]["id"] == f"{alice.uri}/follows/1"
    peer.verify_all(ensure_keys(topic_actor(topic)).public_key_pem)
    assert accept.headers["signature"].startswith(f'keyId="{ids.topic_actor(topic.slug)}#main-key"')

    followers = client.get(f"/ap/topics/{topic.slug}/followers").json()
    assert followers["totalItems"] == 1
    page = client.get(f"/ap/topics/{topic.slug}/followers?page=1").json()
    assert page["orderedItems"] == [alice.uri]


def test_approving_topic_keeps_follow_pending_until_the_curator_approves(
    client_in, client, topic, peer, alice
):
    actor = topic_actor(topic)
    actor.approves_followers = True
    actor.save()
    follow(peer, client, topic, alice)
    federation_cycle()
    follower = Follower.objects.get()
    assert follower.status == Follower.Status.PENDING
    assert peer.received == []

    page = client_in.get(f"/curate/{topic.slug}/fediverse/")
    assert page.status_code == 200
    assert "@alice@127.0.0.1" in page.content.decode()
    client_in.post(
        f"/curate/{topic.slug}/fediverse/", {"action": "approve", "follower": follower.pk}
    )
    deliver_cycle()
    follower.refresh_from_db()
    assert follower.status == Follower.Status.ACCEPTED
    assert [r.activity["type"] for r in peer.received] == ["Accept"]


def test_curator_removes_a_follower_and_their_server_is_told(client_in, client, topic, peer, alice):
    follow(peer, client, topic, alice)
    federation_cycle()
    follower = Follower.objects.get()
    client_in.post(
        f"/curate/{topic.slug}/fediverse/", {"action": "remove", "follower": follower.pk}
    )
    deliver_cycle()
    assert not Follower.objects.exists()
    assert [r.activity["type"] for r in peer.received] == ["Accept", "Reject"]


def test_another_user_cannot_manage_followers(client, django_user_model, topic, peer, alice):
    follow(peer, client, topic, alice)
    process_cycle()
    follower = Follower.objects.get()
    other = django_user_model.objects.create_user("mallory", password="pw")
    client.force_login(other)
    page = f"/curate/{topic.slug}/fediverse/"
    assert client.get(page).status_code == 403
    for action in ("remove", "reject", "approve"):
        assert client.post(page, {"action": action, "follower": follower.pk}).status_code == 403
    assert client.post(page, {"action": "block", "target": "x.example"}).status_code == 403
    assert client.post(page, {"action": "approval", "value": "1"}).status_code == 403
    assert Follower.objects.filter(status="accepted").count() == 1


def test_bad_manage_input_is_a_message_not_an_error(client_in, topic):
    page = f"/curate/{topic.slug}/fediverse/"
    for data in ({"action": "remove", "follower": "abc"}, {"action": "nope"},
                 {"action": "block", "target": "not a domain"}):  # fmt: skip
        response = client_in.post(page, data, follow=True)
        assert response.status_code == 200
        assert response.context["messages"]


def test_undo_follow_and_block_remove_the_follower(client, topic, peer, alice):
    follow(peer, client, topic, alice)
    federation_cycle()
    undo = {
        "id": f"{alice.uri}/undo/1",
        "type": "Undo",
        "actor": alice.uri,
        "object": {"id": f"{alice.uri}/follows/1", "type": "Follow", "actor": alice.uri,
                   "object": ids.topic_actor(topic.slug)},
    }  # fmt: skip
    assert peer.signed_post(client, "/ap/inbox", undo, actor=alice).status_code == 202
    process_cycle()
    assert not Follower.objects.exists()

    follow(peer, client, topic, alice, n=2)
    process_cycle()
    assert Follower.objects.count() == 1
    block = {"id": f"{alice.uri}/blocks/1", "type": "Block", "actor": alice.uri,
             "object": ids.topic_actor(topic.slug)}  # fmt: skip
    peer.signed_post(client, "/ap/inbox", block, actor=alice)
    process_cycle()
    assert not Follower.objects.exists()


def test_published_scoop_reaches_followers_once_per_shared_inbox(
    client, topic, curator, peer, alice, django_capture_on_commit_callbacks
):
    bob = peer.add_actor("bob")
    follow(peer, client, topic, alice)
    follow(peer, client, topic, bob)
    federation_cycle()
    peer.received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        scoop = publish(topic, curator)
    assert Delivery.objects.filter(status="pending").count() == 1  # one shared inbox
    report = deliver_cycle()
    assert report.delivered == 1
    [create] = peer.received
    assert create.path == "/inbox"
    activity = create.activity
    assert activity["type"] == "Create"
    note = activity["object"]
    assert note["type"] == "Note"
    assert note["id"] == ids.scoop_object(scoop.pk)
    assert note["url"].endswith(scoop.get_absolute_url())
    # The article's link is the counted redirect to it (analytics: clicks out).
    assert f'href="{go_url(scoop.pk, "fediverse")}"' in note["content"]
    assert "<em>matters</em>" in note["content"]
    assert note["contentMap"] == {"en": note["content"]}
    assert {t["name"] for t in note["tag"]} == {"#OpenWeb", "#ActivityPub"}
    # The picture is made by the worker after the Note went out: none attached yet, and
    # never the address it came from.
    assert note["attachment"] == [] and "pic.jpg" not in json.dumps(note)
    assert "https://www.w3.org/ns/activitystreams#Public" in activity["to"]
    assert "digest" in create.headers
    peer.verify_all(topic_actor(topic).public_key_pem)

    # Running the hook again (a retry after a crash) sends nothing twice.
    from florilege.federation.services.outbox import publish_scoop

    assert publish_scoop(scoop.pk) is None
    assert deliver_cycle().leased == 0

    # The outbox lists it, paginated.
    outbox = client.get(f"/ap/topics/{topic.slug}/outbox").json()
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 1
    first = client.get(outbox["first"].removeprefix("http://127.0.0.1:8000")).json()
    assert first["orderedItems"][0]["object"]["id"] == note["id"]

    # Once made, the picture goes out as an Update of the Note: our JPEG, with its size,
    # and an ``updated`` time (Mastodon applies an Update only when it has one).
    peer.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        picture = ready_picture("https://news.example/pic.jpg", timezone.now())
    assert deliver_cycle().delivered == 1
    [update] = peer.received
    assert update.activity["type"] == "Update" and update.activity["object"]["updated"]
    large = picture.renditions["large"]
    assert update.activity["object"]["attachment"] == [{
        "type": "Image", "mediaType": "image/jpeg", "url": media.url_of(large["jpeg"]),
        "name": scoop.title, "width": large["width"], "height": large["height"],
    }]  # fmt: skip
    peer.verify_all(topic_actor(topic).public_key_pem)

    # Made again (manage.py remake_pictures) into the same large JPEG: nothing the servers
    # have changes, nothing is sent.
    peer.received.clear()
    Picture.objects.filter(pk=picture.pk).update(status="pending")
    picture.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        assert process_now(picture, picture_bytes(), timezone.now())
    assert Picture.objects.get(pk=picture.pk).renditions["large"] == large
    assert deliver_cycle().leased == 0 and peer.received == []


def test_edit_and_removal_send_update_and_delete(
    client, topic, curator, peer, alice, django_capture_on_commit_callbacks
):
    from florilege.federation.services.outbox import on_scoop_edited, on_scoop_removed

    follow(peer, client, topic, alice)
    with django_capture_on_commit_callbacks(execute=True):
        scoop = publish(topic, curator)
    federation_cycle()
    peer.received.clear()
    scoop.title = "A better title"
    scoop.updated_at = timezone.now() + timedelta(seconds=5)
    scoop.save()
    with django_capture_on_commit_callbacks(execute=True):
        on_scoop_edited(scoop)
        on_scoop_removed(scoop)
    deliver_cycle()
    kinds = [r.activity["type"] for r in peer.received]
    assert sorted(kinds) == ["Delete", "Update"]
    delete = next(r.activity for r in peer.received if r.activity["type"] == "Delete")
    assert delete["object"]["type"] == "Tombstone"
    assert delete["object"]["id"] == ids.scoop_object(scoop.pk)
    update = next(r.activity for r in peer.received if r.activity["type"] == "Update")
    assert "name" not in update["object"] and "A better title" in update["object"]["content"]


def test_reply_becomes_a_pending_comment_and_follows_edits_and_deletion(
    client, topic, curator, peer, alice
):
    scoop = publish(topic, curator)
    note = {
        "id": f"{alice.uri}/statuses/1",
        "type": "Note",
        "attributedTo": alice.uri,
        "inReplyTo": ids.scoop_object(scoop.pk),
        "content": "<p>Great find! <script>alert(1)</script></p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    create = {"id": f"{alice.uri}/statuses/1/activity", "type": "Create", "actor": alice.uri,
              "object": note}  # fmt: skip
    assert peer.signed_post(client, "/ap/inbox", create, actor=alice).status_code == 202
    # A redelivery of the same activity is absorbed.
    assert peer.signed_post(client, "/ap/inbox", create, actor=alice).status_code == 202
    process_cycle()
    comment = Comment.objects.get()
    assert comment.origin == Comment.Origin.FEDIVERSE
    assert comment.status == Comment.Status.PENDING
    assert comment.remote_id == note["id"]
    assert comment.scoop == scoop
    assert "<script>" not in comment.body_html and "Great find!" in comment.body_html
    assert comment.author_url == f"{peer.base}/@alice"

    update = {"id": f"{alice.uri}/statuses/1/edit", "type": "Update", "actor": alice.uri,
              "object": {**note, "content": "<p>Edited</p>"}}  # fmt: skip
    peer.signed_post(client, "/ap/inbox", update, actor=alice)
    process_cycle()
    comment.refresh_from_db()
    assert "Edited" in comment.body_html

    delete = {"id": f"{alice.uri}/statuses/1/delete", "type": "Delete", "actor": alice.uri,
              "object": note["id"]}  # fmt: skip
    peer.signed_post(client, "/ap/inbox", delete, actor=alice)
    process_cycle()
    assert not Comment.objects.exists()


def test_likes_and_boosts_are_counted_on_the_page_and_undone(client, topic, curator, peer, alice):
    scoop = publish(topic, curator)
    obj = ids.scoop_object(scoop.pk)
    like = {"id": f"{alice.uri}/likes/1", "type": "Like", "actor": alice.uri, "object": obj}
    boost = {"id": f"{alice.uri}/boosts/1", "type": "Announce", "actor": alice.uri, "object": obj}
    peer.signed_post(client, "/ap/inbox", like, actor=alice)
    peer.signed_post(client, "/ap/inbox", boost, actor=alice)
    process_cycle()
    assert Reaction.objects.count() == 2
    html = client.get(scoop.get_absolute_url()).content.decode()
    assert "1 like" in html and "1 boost" in html

    undo = {"id": f"{alice.uri}/undo/9", "type": "Undo", "actor": alice.uri, "object": like}
    peer.signed_post(client, "/ap/inbox", undo, actor=alice)
    process_cycle()
    assert list(Reaction.objects.values_list("kind", flat=True)) == ["announce"]


def test_failed_delivery_backs_off_and_dead_instance_is_skipped(
    client, topic, curator, peer, alice, django_capture_on_commit_callbacks
):
    follow(peer, client, topic, alice)
    process_cycle()
    peer.post_status["/users/alice/inbox"] = 503
    now = timezone.now()
    deliver_cycle(now)
    accept = Delivery.objects.get()
    assert accept.status == "pending" and accept.attempts == 1 and accept.last_status == 503
    assert accept.next_attempt_at == now + timedelta(minutes=1)
    # Not due yet: nothing is sent.
    assert deliver_cycle(now + timedelta(seconds=30)).leased == 0
    deliver_cycle(now + timedelta(minutes=2))
    deliver_cycle(now + timedelta(minutes=5))
    accept.refresh_from_db()
    assert accept.attempts == 3
    # Three failures in a row: the instance is skipped until its retry time.
    from florilege.federation.models import Instance

    instance = Instance.objects.get(domain="127.0.0.1")
    assert instance.retry_after is not None
    # A new delivery to the dead host (bob follows) waits instead of taking a worker slot.
    bob = peer.add_actor("bob")
    follow(peer, client, topic, bob)
    process_cycle(now + timedelta(minutes=5))
    assert Delivery.objects.filter(status="pending").count() == 2
    assert deliver_cycle(now + timedelta(minutes=5, seconds=10)).leased == 0
    peer.post_status.clear()
    report = deliver_cycle(now + timedelta(minutes=30))
    assert report.delivered == 2
    instance.refresh_from_db()
    assert instance.retry_after is None and instance.consecutive_failures == 0


def test_gone_inbox_is_given_up_at_once(client, topic, peer, alice):
    follow(peer, client, topic, alice)
    process_cycle()
    peer.post_status["/users/alice/inbox"] = 410
    deliver_cycle()
    assert Delivery.objects.get().status == "failed"


def test_a_crashed_worker_lease_expires_and_nothing_is_lost(client, topic, peer, alice):
    from florilege.federation.services.delivery import lease_due

    follow(peer, client, topic, alice)
    process_cycle()
    now = timezone.now()
    assert len(lease_due(now, 10, "crashed-worker")) == 1  # leased, then the worker died
    assert deliver_cycle(now + timedelta(minutes=1)).leased == 0  # still leased
    report = deliver_cycle(now + timedelta(minutes=6))
    assert report.delivered == 1
    assert len(peer.received) == 1


def test_scoop_object_is_served_and_html_readers_go_to_the_permalink(client, topic, curator):
    scoop = publish(topic, curator)
    doc = client.get(f"/ap/scoops/{scoop.pk}", headers={"Accept": "application/activity+json"})
    assert doc["Content-Type"] == "application/activity+json"
    assert json.loads(doc.content)["id"] == ids.scoop_object(scoop.pk)
    page = client.get(f"/ap/scoops/{scoop.pk}", headers={"Accept": "text/html"})
    assert page.status_code == 302 and page["Location"] == scoop.get_absolute_url()
    Scoop.objects.filter(pk=scoop.pk).update(published_at=timezone.now() + timedelta(days=1))
    assert client.get(f"/ap/scoops/{scoop.pk}").status_code == 404


def test_old_processed_activities_and_deliveries_are_purged(client, topic, peer, alice):
    from florilege.federation.worker import purge

    follow(peer, client, topic, alice)
    federation_cycle()
    assert InboxItem.objects.get().status == "done"
    assert Delivery.objects.get().status == "done"
    now = timezone.now()
    assert purge(now + timedelta(days=13)) == (0, 0)
    assert purge(now + timedelta(days=15)) == (1, 0)
    assert purge(now + timedelta(days=31)) == (0, 1)
    assert Follower.objects.count() == 1  # the follow itself is kept


def test_the_topic_header_is_the_latest_picture_still_shown(
    topic, curator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        scoop = publish(topic, curator, image_url="https://pics.example/header.png")
    picture = ready_picture("https://pics.example/header.png", timezone.now())
    Scoop.objects.filter(pk=scoop.pk).update(picture=picture)
    large = media.url_of(picture.renditions["large"]["jpeg"])

    def header() -> str | None:
        doc = topic_document(topic, topic_actor(topic))
        return doc["image"]["url"] if "image" in doc else None

    assert header() == large
    # Queued to be made again (manage.py remake_pictures): its thumbnails are still shown.
    Picture.objects.filter(pk=picture.pk).update(status="pending", remake="missing")
    assert header() == large
    # Failed (a first making that went wrong keeps no thumbnails to show): no header.
    Picture.objects.filter(pk=picture.pk).update(status="failed")
    assert header() is None
