"""From the curation services to the fediverse: what each way of publishing, editing and
taking down a scoop delivers to a follower's inbox. Every step goes through the services a
curator's click runs (scooping, approval, scheduling, edit, unpublish, delete, rescoop);
the federation hooks hang off their signals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from florilege.curation.services import publication
from florilege.curation.services.publication import PublishPlan, ScoopEdit
from florilege.curation.services.rescoop import rescoop
from florilege.curation.services.scooping import (
    ScoopDraft,
    draft_from_suggestion,
    scoop_suggestion,
    scoop_url,
)
from florilege.curation.tests.flow_helpers import make_suggestion
from florilege.federation import ids
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import Delivery, OutboxActivity
from florilege.federation.services.actors import ensure_keys, topic_actor
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.federation.services.outbox import publish_scoop
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_hooks(django_capture_on_commit_callbacks):
    """The services hand federation its work after their commit; run those callbacks (and
    the ones they register) as a real commit would."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def followed_by(peer, client, topic, actor) -> None:
    """``actor`` of the peer follows ``topic`` through our inbox; the Accept is sent."""
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{actor.uri}/follows/{topic.slug}",
        "type": "Follow",
        "actor": actor.uri,
        "object": ids.topic_actor(topic.slug),
    }
    assert peer.signed_post(client, "/ap/inbox", follow, actor=actor).status_code == 202
    process_cycle()
    deliver_cycle()
    peer.received.clear()


def sent(kind: str, inbox: str | None = None):
    rows = Delivery.objects.filter(activity__kind=kind)
    return rows.filter(inbox=inbox) if inbox else rows


def received(peer, kind: str) -> list[dict]:
    return [r.activity for r in peer.received if r.activity["type"] == kind]


def draft(n: int = 1, **fields) -> ScoopDraft:
    return ScoopDraft(
        url=f"https://news.example/story-{n}",
        title=fields.pop("title", f"Story {n}"),
        insight=fields.pop("insight", "Why it *matters*."),
        language="en",
        **fields,
    )


@pytest.fixture
def reader(peer, client, topic):
    """A fediverse account following the topic, with an inbox of its own."""
    peer.shared = False
    ann = peer.add_actor("ann")
    followed_by(peer, client, topic, ann)
    return ann


# --- each way into "published" ---------------------------------------------------------------


def test_editor_scooping_a_suggestion_or_a_url_sends_a_create(run_hooks, team, topic, peer, reader):
    editor = team["editor"]
    suggestion = make_suggestion(topic)
    chosen = draft_from_suggestion(suggestion)
    chosen.insight = "Worth it."
    from_queue = run_hooks(scoop_suggestion, suggestion, editor, chosen, timezone.now())
    from_url = run_hooks(scoop_url, topic, editor, draft(2), timezone.now())

    creates = sent("Create", f"{reader.uri}/inbox")
    assert creates.count() == 2
    assert {d.activity.scoop_id for d in creates} == {from_queue.pk, from_url.pk}
    assert deliver_cycle().delivered == 2
    notes = {a["object"]["id"] for a in received(peer, "Create")}
    assert notes == {ids.scoop_object(from_queue.pk), ids.scoop_object(from_url.pk)}
    peer.verify_all(topic_actor(topic).public_key_pem)


def test_a_proposal_is_sent_only_once_an_editor_approves_it(run_hooks, team, topic, peer, reader):
    proposal = run_hooks(scoop_url, topic, team["contributor"], draft(), timezone.now())
    assert proposal.status == "awaiting"
    assert not OutboxActivity.objects.filter(scoop=proposal).exists()
    assert not sent("Create").exists()
    # Sent back and proposed again: still nothing leaves.
    run_hooks(publication.send_back, proposal, team["editor"], "Shorter, please.", timezone.now())
    run_hooks(publication.submit, proposal, team["contributor"], timezone.now())
    assert not sent("Create").exists()

    run_hooks(publication.approve, proposal, team["editor"], timezone.now())
    [create] = sent("Create", f"{reader.uri}/inbox")
    assert create.activity.scoop_id == proposal.pk
    deliver_cycle()
    [activity] = received(peer, "Create")
    assert activity["object"]["id"] == ids.scoop_object(proposal.pk)


def test_a_scheduled_scoop_is_sent_when_publish_due_runs_at_its_time(
    run_hooks, team, topic, reader
):
    now = timezone.now()
    at = now + timedelta(hours=2)
    plan = PublishPlan(publication.AT, at=at)
    scheduled = run_hooks(scoop_url, topic, team["editor"], draft(), now, plan)
    approved_later = run_hooks(scoop_url, topic, team["contributor"], draft(2), now)
    run_hooks(publication.approve, approved_later, team["editor"], now, plan)
    assert not sent("Create").exists()

    assert run_hooks(publication.publish_due, now + timedelta(hours=1)) == 0
    assert not sent("Create").exists()
    assert run_hooks(publication.publish_due, at) == 2
    creates = sent("Create", f"{reader.uri}/inbox")
    assert {d.activity.scoop_id for d in creates} == {scheduled.pk, approved_later.pk}
    # A second worker running the same stage announces nothing twice.
    assert run_hooks(publication.publish_due, at) == 0
    assert sent("Create").count() == 2


def test_editing_a_published_scoop_sends_an_update(run_hooks, team, topic, peer, reader):
    scoop = run_hooks(scoop_url, topic, team["editor"], draft(), timezone.now())
    changes = ScoopEdit(title="A better title", excerpt="", insight="Sharper.", tags=["web"])
    later = timezone.now() + timedelta(minutes=1)
    run_hooks(publication.edit, scoop, team["editor"], changes, later)
    [update] = sent("Update", f"{reader.uri}/inbox")
    assert update.activity.scoop_id == scoop.pk
    deliver_cycle(later)
    [activity] = received(peer, "Update")
    note = activity["object"]
    assert note["id"] == ids.scoop_object(scoop.pk)
    assert "A better title" in note["content"] and "Sharper." in note["content"]
    assert "updated" in note

    # A draft's edits are nobody's business on the fediverse.
    other = run_hooks(scoop_url, topic, team["contributor"], draft(2), timezone.now())
    run_hooks(publication.edit, other, team["contributor"], changes, later)
    assert sent("Update").count() == 1


def test_unpublishing_and_deleting_send_a_delete_with_a_tombstone(
    run_hooks, team, topic, peer, reader
):
    editor = team["editor"]
    first = run_hooks(scoop_url, topic, editor, draft(1), timezone.now())
    second = run_hooks(scoop_url, topic, editor, draft(2), timezone.now())
    deliver_cycle()
    peer.received.clear()

    run_hooks(publication.unpublish, first, editor, timezone.now())
    second_id = ids.scoop_object(second.pk)
    run_hooks(publication.delete, second, editor, timezone.now())
    assert sent("Delete", f"{reader.uri}/inbox").count() == 2
    deliver_cycle()
    tombstones = {a["object"]["id"]: a["object"] for a in received(peer, "Delete")}
    assert set(tombstones) == {ids.scoop_object(first.pk), second_id}
    assert all(t["type"] == "Tombstone" and t["formerType"] == "Note" for t in tombstones.values())
    peer.verify_all(topic_actor(topic).public_key_pem)
    # Its object is gone for remote servers too.
    assert publish_scoop(first.pk) is None
    # A scheduled scoop taken back before its time was never sent: no Delete for it.
    tomorrow = PublishPlan(publication.AT, at=timezone.now() + timedelta(days=1))
    later = run_hooks(scoop_url, topic, editor, draft(3), timezone.now(), tomorrow)
    run_hooks(publication.unpublish, later, editor, timezone.now())
    assert sent("Delete").count() == 2


# --- a rescoop is a boost ---------------------------------------------------------------------


@pytest.fixture
def other_topic(team):
    """Topic B, run by the same editor, with its own fediverse follower."""
    return Topic.objects.create(title="Open web", slug="open-web", owner=team["editor"])


def test_a_rescoop_is_an_announce_of_the_original_note(
    run_hooks, client, team, topic, other_topic, peer, reader
):
    bob = peer.add_actor("bob")
    followed_by(peer, client, other_topic, bob)
    original = run_hooks(scoop_url, topic, team["editor"], draft(insight="The original view."),
                         timezone.now())  # fmt: skip
    deliver_cycle()
    peer.received.clear()

    copy = run_hooks(rescoop, team["editor"], original, other_topic, "My own take.", "",
                     timezone.now())  # fmt: skip
    assert copy.rescooped_from == original
    assert not OutboxActivity.objects.filter(scoop=copy, kind="Create").exists()
    [boost] = sent("Announce")
    assert boost.inbox == f"{bob.uri}/inbox"  # topic B's followers, not A's

    assert deliver_cycle().delivered == 1
    [announce] = received(peer, "Announce")
    b_uri, a_uri = ids.topic_actor(other_topic.slug), ids.topic_actor(topic.slug)
    assert announce["actor"] == b_uri
    assert announce["object"] == ids.scoop_object(original.pk)
    assert announce["to"] == [PUBLIC]
    assert announce["cc"] == [f"{b_uri}/followers", a_uri]
    peer.verify_all(ensure_keys(topic_actor(other_topic)).public_key_pem)

    # What a remote server fetches at that id is topic A's Note, with A's insight.
    fetched = client.get(announce["object"], headers={"Accept": "application/activity+json"})
    note = fetched.json()
    assert note["id"] == announce["object"] and note["attributedTo"] == a_uri
    assert "The original view." in note["content"] and "My own take." not in note["content"]
    # B's outbox lists the boost; running the hook again sends nothing twice.
    outbox = client.get(f"/ap/topics/{other_topic.slug}/outbox?page=1").json()
    assert [i["type"] for i in outbox["orderedItems"]] == ["Announce"]
    assert publish_scoop(copy.pk) is None
    # Editing the rescoop changes nothing remote servers hold: it has no Note of its own.
    run_hooks(publication.edit, copy, team["editor"],
              ScoopEdit(title=copy.title, excerpt="", insight="Changed.", tags=[]),
              timezone.now())  # fmt: skip
    assert not sent("Update").exists()


def test_the_originals_update_and_delete_reach_the_boosters_followers(
    run_hooks, client, team, topic, other_topic, peer, reader
):
    bob = peer.add_actor("bob")
    followed_by(peer, client, other_topic, bob)
    editor = team["editor"]
    original = run_hooks(scoop_url, topic, editor, draft(), timezone.now())
    run_hooks(rescoop, editor, original, other_topic, "Also here.", "", timezone.now())
    deliver_cycle()
    peer.received.clear()

    later = timezone.now() + timedelta(minutes=1)
    changes = ScoopEdit(title="Corrected", excerpt="", insight="Fixed.", tags=[])
    run_hooks(publication.edit, original, editor, changes, later)
    run_hooks(publication.delete, original, editor, later)
    for kind in ("Update", "Delete"):
        inboxes = set(sent(kind).values_list("inbox", flat=True))
        assert inboxes == {f"{reader.uri}/inbox", f"{bob.uri}/inbox"}, kind
    deliver_cycle(later)
    assert {r.activity["actor"] for r in peer.received} == {ids.topic_actor(topic.slug)}


def test_unpublishing_a_rescoop_undoes_the_boost_and_republishing_boosts_again(
    run_hooks, client, team, topic, other_topic, peer, reader
):
    bob = peer.add_actor("bob")
    followed_by(peer, client, other_topic, bob)
    editor = team["editor"]
    original = run_hooks(scoop_url, topic, editor, draft(), timezone.now())
    copy = run_hooks(rescoop, editor, original, other_topic, "Also here.", "", timezone.now())
    deliver_cycle()

    run_hooks(publication.unpublish, copy, editor, timezone.now())
    deliver_cycle()
    [announce] = received(peer, "Announce")
    [undo] = received(peer, "Undo")
    assert undo["actor"] == ids.topic_actor(other_topic.slug)
    assert undo["object"]["id"] == announce["id"] and undo["object"]["type"] == "Announce"
    # Undoing the boost deletes nothing: the original Note is topic A's and stays.
    assert not sent("Delete").exists()
    assert client.get(announce["object"], headers={"Accept": "application/json"}).status_code == 200

    run_hooks(publication.publish, copy, editor, timezone.now())
    assert sent("Announce").count() == 2
    # Deleted, the rescoop undoes its boost once more (found by its own id).
    run_hooks(publication.delete, copy, editor, timezone.now())
    assert sent("Undo").count() == 2
    assert not sent("Delete").exists()


def test_a_rescoop_whose_original_is_gone_goes_out_as_its_own_note(
    run_hooks, client, team, topic, other_topic, peer, reader
):
    bob = peer.add_actor("bob")
    followed_by(peer, client, other_topic, bob)
    editor = team["editor"]
    original = run_hooks(scoop_url, topic, editor, draft(), timezone.now())
    copy = run_hooks(rescoop, editor, original, other_topic, "Also here.", "", timezone.now())
    run_hooks(publication.unpublish, copy, editor, timezone.now())
    run_hooks(publication.unpublish, original, editor, timezone.now())
    # The original's Note is no longer served: boosting it would point at nothing.
    run_hooks(publication.publish, copy, editor, timezone.now())
    [create] = sent("Create", f"{bob.uri}/inbox")
    assert create.activity.scoop_id == copy.pk
    assert create.activity.payload["object"]["attributedTo"] == ids.topic_actor(other_topic.slug)
