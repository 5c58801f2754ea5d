"""The fediverse as it is: our instance actor on WebFinger, the statuses inboxes answer,
hostile actor documents, slow key servers, the inbox as a network probe, absurd nesting."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from django.utils import timezone

from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.models import Delivery, Follower, InboxItem, Reaction, RemoteActor
from florilege.federation.services import inbox, keys
from florilege.federation.services.actors import topic_actor
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.federation.signatures import sign_request
from florilege.publishing.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoop(topic, curator):
    draft = ScoopDraft(url="https://news.example/a", title="A", insight="Why.")
    return scoop_url(topic, curator, draft, timezone.now())


def like(actor, scoop, n=1):
    return {"id": f"{actor.uri}/likes/{n}", "type": "Like", "actor": actor.uri,
            "object": ids.scoop_object(scoop.pk)}  # fmt: skip


def follow(actor, topic):
    return {"id": f"{actor.uri}/follows/1", "type": "Follow", "actor": actor.uri,
            "object": ids.topic_actor(topic.slug)}  # fmt: skip


# --- 2. the instance actor answers WebFinger -------------------------------------------------


@pytest.mark.parametrize("resource", ["acct:{d}@{d}", "{actor}"])
def test_instance_actor_answers_webfinger_as_host_at_host(client, resource):
    domain = ids.domain()
    query = resource.format(d=domain, actor=ids.instance_actor())
    response = client.get("/.well-known/webfinger", {"resource": query})
    assert response.status_code == 200
    doc = response.json()
    assert doc["subject"] == f"acct:{domain}@{domain}"
    selves = [link["href"] for link in doc["links"] if link["rel"] == "self"]
    assert selves == [ids.instance_actor()]
    # Its actor document agrees: preferredUsername is the host.
    actor = client.get("/ap/instance", HTTP_ACCEPT="application/activity+json").json()
    assert actor["preferredUsername"] == domain


# --- 9. deliveries record what the inbox answered --------------------------------------------


def test_delivery_records_the_status_the_inbox_answered(client, topic, peer, alice):
    response = peer.signed_post(client, "/ap/inbox", follow(alice, topic), actor=alice)
    assert response.status_code == 202
    process_cycle()
    assert deliver_cycle().delivered == 1  # the Accept; the peer answers 202 (GoToSocial does)
    assert Delivery.objects.get().last_status == 202


# --- 14. hostile URLs in actor documents ------------------------------------------------------


def hostile(peer, alice) -> None:
    doc = peer.document(alice)
    doc["url"] = "javascript:alert(document.cookie)"
    doc["endpoints"] = {"sharedInbox": "data:text/html,<script>alert(1)</script>"}
    peer.documents["/users/alice"] = doc


def test_actor_url_that_is_not_http_is_not_stored(client, topic, peer, alice):
    hostile(peer, alice)
    peer.signed_post(client, "/ap/inbox", follow(alice, topic), actor=alice)
    process_cycle()
    remote = RemoteActor.objects.get()
    assert remote.url == "" and remote.shared_inbox == ""
    assert remote.inbox == f"{alice.uri}/inbox"


def test_stored_javascript_urls_never_reach_an_href(client_in, topic, scoop, curator):
    """Rows stored before the check (or by any other way in) are escaped at output too."""
    remote = RemoteActor.objects.create(uri="https://m.example/users/x", domain="m.example",
                                        url="javascript:alert(1)")  # fmt: skip
    Follower.objects.create(actor=topic_actor(topic), remote=remote)
    page = client_in.get(f"/curate/{topic.slug}/fediverse/").content.decode()
    assert "m.example/users/x" in page and "javascript:" not in page
    Comment.objects.create(
        scoop=scoop, origin=Comment.Origin.FEDIVERSE, author_name="X", body="Hi",
        body_html="<p>Hi</p>", author_url="javascript:alert(1)",
        status=Comment.Status.APPROVED, remote_id="https://m.example/notes/1",
    )  # fmt: skip
    page = client_in.get(scoop.get_absolute_url()).content.decode()
    assert "<p>Hi</p>" in page and "javascript:" not in page


def test_reply_by_an_actor_with_a_javascript_url_gets_no_author_link(
    client, topic, scoop, peer, alice
):
    hostile(peer, alice)
    note = {"id": f"{alice.uri}/notes/1", "type": "Note", "attributedTo": alice.uri,
            "inReplyTo": ids.scoop_object(scoop.pk), "content": "<p>Nice</p>"}  # fmt: skip
    create = {"id": f"{alice.uri}/notes/1/create", "type": "Create", "actor": alice.uri,
              "object": note}  # fmt: skip
    peer.signed_post(client, "/ap/inbox", create, actor=alice)
    process_cycle()
    assert Comment.objects.get().author_url == alice.uri


# --- 15. no key fetch inside a request -------------------------------------------------------


def test_unknown_key_on_a_slow_host_costs_the_request_nothing(client, scoop, peer, alice):
    peer.get_delay = 3.0
    started = time.monotonic()
    statuses = [
        peer.signed_post(client, "/ap/inbox", like(alice, scoop, n), actor=alice).status_code
        for n in range(5)
    ]
    assert time.monotonic() - started < 2.0
    assert statuses == [202] * 5
    assert peer.gets == []
    assert InboxItem.objects.filter(status=InboxItem.Status.UNVERIFIED).count() == 5


def test_unverified_activities_count_towards_the_per_host_rate(client, scoop, peer, alice,
                                                               settings):  # fmt: skip
    settings.CONFIG = replace(settings.CONFIG, FEDERATION_INBOX_RATE=3)
    statuses = [
        peer.signed_post(client, "/ap/inbox", like(alice, scoop, n), actor=alice).status_code
        for n in range(5)
    ]
    assert statuses == [202, 202, 202, 429, 429]
    assert peer.gets == []


def test_stage_caps_key_fetches_per_host(client, scoop, peer, settings):
    settings.CONFIG = replace(settings.CONFIG, FEDERATION_KEY_FETCHES_PER_HOST=2)
    peer.get_delay = 0.3
    actors = [peer.add_actor(f"a{n}") for n in range(inbox.KEYS_PER_HOST_PER_CYCLE + 2)]
    for actor in actors:
        response = peer.signed_post(client, "/ap/inbox", like(actor, scoop), actor=actor)
        assert response.status_code == 202
    process_cycle()
    assert peer.max_in_flight == 2
    # A cycle fetches at most KEYS_PER_HOST_PER_CYCLE keys of one host; the rest wait.
    assert len(peer.gets) == inbox.KEYS_PER_HOST_PER_CYCLE
    assert InboxItem.objects.filter(status="unverified").count() == 2
    process_cycle()
    assert Reaction.objects.count() == len(actors)


def test_signed_get_with_an_unknown_key_on_a_slow_host_is_bounded(client, topic, peer, alice,
                                                                  settings):  # fmt: skip
    settings.CONFIG = replace(settings.CONFIG, FEDERATION_AUTHORIZED_FETCH=True)
    peer.get_delay = 5.0
    path = f"/ap/topics/{topic.slug}/outbox"
    headers = sign_request("GET", f"http://testserver{path}", key_id=alice.key_id,
                           private_key=_key(alice), now=timezone.now())  # fmt: skip
    started = time.monotonic()
    response = client.get(path, headers=headers)
    assert time.monotonic() - started < keys.SYNC_TIMEOUT + 1.0
    assert response.status_code == 401


def _key(actor):
    from florilege.federation.signatures import load_private_key

    return load_private_key(actor.private_pem)


# --- 16. the inbox is no network probe -------------------------------------------------------


def test_inbox_answers_the_same_whatever_the_key_url_does(client, scoop, peer, alice):
    """A key id that 404s, is not JSON, or points at a closed port: the caller cannot tell
    (the request never fetches; the stage logs the detail)."""
    peer.documents["/notjson"] = "not an actor"
    answers = set()
    for key_id in (f"{peer.base}/missing#k", f"{peer.base}/notjson#k",
                   "http://127.0.0.1:9/users/x#main-key"):  # fmt: skip
        actor = key_id.split("#")[0]
        activity = {**like(alice, scoop), "id": f"{actor}/like", "actor": actor}
        response = _post_with_key(peer, client, activity, alice, key_id)
        answers.add((response.status_code, response.content))
    assert answers == {(202, b"")}
    process_cycle()
    errors = list(InboxItem.objects.values_list("status", flat=True))
    assert errors == ["refused"] * 3


def _post_with_key(peer, client, activity, actor, key_id):
    raw = json.dumps(activity).encode()
    headers = sign_request("POST", "http://testserver/ap/inbox", key_id=key_id,
                           private_key=_key(actor), now=timezone.now(), body=raw)  # fmt: skip
    extra = {k: v for k, v in headers.items() if k != "Content-Type"}
    return client.post("/ap/inbox", data=raw, content_type="application/activity+json",
                       headers=extra)  # fmt: skip


def test_refusals_say_nothing_of_the_reason(client, scoop, peer, alice):
    keys.resolve_and_store([alice.key_id], timezone.now(), 5)
    bob = peer.add_actor("bob")
    forged = {**like(alice, scoop), "actor": bob.uri}  # signed by alice
    response = peer.signed_post(client, "/ap/inbox", forged, actor=alice)
    assert response.status_code == 401
    assert response.json() == {"error": inbox.PUBLIC_MESSAGES[401]}
    body = json.dumps(like(alice, scoop)).encode()
    response = peer.signed_post(client, "/ap/inbox", {}, actor=alice, body=body[:-1])
    assert response.json() == {"error": inbox.PUBLIC_MESSAGES[400]}


# --- 17. absurd nesting -----------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 200])
def test_deeply_nested_activity_is_400(client, scoop, peer, alice, depth):
    keys.resolve_and_store([alice.key_id], timezone.now(), 5)
    head = json.dumps(like(alice, scoop))[:-1]
    body = f'{head}, "tag": {"[" * depth}{"]" * depth}}}'.encode()
    response = peer.signed_post(client, "/ap/inbox", {}, actor=alice, body=body)
    assert response.status_code == 400
    assert not InboxItem.objects.exists()


def test_backlog_of_unverified_activities_is_bounded(client, scoop, peer, alice, monkeypatch):
    monkeypatch.setattr(inbox, "MAX_UNVERIFIED", 2)
    statuses = [
        peer.signed_post(client, "/ap/inbox", like(alice, scoop, n), actor=alice).status_code
        for n in range(3)
    ]
    assert statuses == [202, 202, 429]


def test_an_actor_cannot_claim_a_key_of_another_server(peer, alice):
    doc = peer.document(alice)
    doc["publicKey"]["id"] = "https://victim.example/users/v#main-key"
    from florilege.federation.services.actors import store_actor

    stored = store_actor(alice.uri, doc, timezone.now())
    assert stored.key_id == "" and stored.public_key_pem == ""
    assert keys.cached_actor("https://victim.example/users/v#main-key") is None
