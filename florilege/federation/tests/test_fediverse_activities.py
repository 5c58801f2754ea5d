"""The documents each family of fediverse server really sends, received end to end.

For every family of fixtures/servers/ (see its README.md for where each shape comes from),
each activity is signed the way that family signs, with a key generated for the test and
published in that family's actor document on a loopback peer, POSTed to the topic's inbox,
and run through the inbox stage; then its effect is checked: a follower accepted and
removed, counts up and down, a reply stored as a pending comment, rendered safely on the
Readers page, edited and deleted. The family's WebFinger and NodeInfo documents go through
the lookups that read them."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation import signatures as sig
from florilege.federation.models import (
    Delivery,
    Follower,
    InboxItem,
    OutboxActivity,
    Reaction,
    ReplyAuthor,
)
from florilege.federation.services import interaction
from florilege.federation.services.actors import actor_uri, topic_actor
from florilege.federation.services.counts import with_reaction_counts
from florilege.federation.services.following import resolve_account
from florilege.federation.services.inbox import process_cycle
from florilege.federation.tests.test_fediverse_servers import (
    FAMILIES,
    SERVERS,
    _fill,
    post,
    serve,
    sign_as,
)
from florilege.lib.http import FetchPolicy, GuardedClient
from florilege.publishing.models import Comment

pytestmark = pytest.mark.django_db
FAMILY_NAMES = sorted(FAMILIES)
# What a hostile reply adds to its HTML: none of it may reach the Readers page as markup.
HOSTILE = (
    '<script>alert("x")</script><img src="x" onerror="alert(1)"><a href="javascript:alert(2)">y</a>'
)


def test_at_least_eleven_families_with_every_document():
    assert len(FAMILY_NAMES) >= 11
    for family in FAMILY_NAMES:
        docs = json.loads((SERVERS / family / "activities.json").read_text())
        # Every family replies, edits, deletes, follows and unfollows; Like, Announce and
        # their Undo only where the family has them (README.md says which do not).
        assert {"reply", "update", "delete", "follow", "undo_follow"} <= docs.keys(), family
        for kind in ("like", "announce"):
            assert (kind in docs) == (f"undo_{kind}" in docs), family
        assert (SERVERS / family / "webfinger.json").exists()
        assert (SERVERS / family / "nodeinfo.json").exists()


@dataclass
class Remote:
    """One account of one family, sending to our topic's inbox."""

    family: str
    actor: str
    key_id: str
    private: str
    docs: dict[str, dict[str, Any]]
    client: Any
    path: str

    def send(self, doc: dict[str, Any]) -> InboxItem:
        body = json.dumps(doc).encode()
        headers = sign_as(self.family, body, self.key_id, self.private, self.path)
        response = post(self.client, body, headers, self.path)
        assert response.status_code == 202, response.content
        process_cycle()
        item = InboxItem.objects.get(activity_id=doc["id"])
        assert item.status != InboxItem.Status.FAILED, item.error
        return item

    def deliver(self, name: str) -> InboxItem:
        return self.deliver_doc(self.docs[name])

    def deliver_doc(self, doc: dict[str, Any]) -> InboxItem:
        item = self.send(doc)
        assert item.status == InboxItem.Status.DONE, (doc["type"], item.status, item.error)
        return item


@pytest.fixture
def scoop(topic, curator):
    draft = ScoopDraft(url="https://news.example/a", title="A", insight="Why.")
    return scoop_url(topic, curator, draft, timezone.now())


@pytest.fixture
def remote(client, topic, scoop, peer) -> Callable[[str], Remote]:
    def make(family: str) -> Remote:
        private, public = sig.generate_key_pair()
        actor, key_id = serve(family, peer, public)
        names = {
            "base": peer.base,
            "host": urlsplit(peer.base).netloc,
            "scoop": ids.scoop_object(scoop.pk),
            "topic": actor_uri(topic_actor(topic)),
        }
        docs = _fill(json.loads((SERVERS / family / "activities.json").read_text()), names)
        path = urlsplit(actor_uri(topic_actor(topic))).path + "/inbox"
        return Remote(family, actor, key_id, private, docs, client, path)

    return make


def counts(scoop) -> tuple[int, int]:
    # The counts the scoop cards show (annotations the stubs cannot see: read as the
    # template tag reads them).
    annotated = with_reaction_counts(Scoop.objects.filter(pk=scoop.pk)).get()
    return getattr(annotated, "like_count"), getattr(annotated, "boost_count")  # noqa: B009


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_follow_is_accepted_and_undone(family, remote, topic, peer):
    sender = remote(family)
    sender.deliver("follow")
    follower = Follower.objects.get()
    assert (follower.remote.uri, follower.status) == (sender.actor, Follower.Status.ACCEPTED)
    assert follower.follow_id == sender.docs["follow"]["id"]
    accept = OutboxActivity.objects.get(kind="Accept")
    assert accept.payload["object"]["id"] == sender.docs["follow"]["id"]
    inbox = Delivery.objects.get(activity=accept).inbox
    assert inbox.startswith(peer.base + "/") and "inbox" in inbox
    sender.deliver("undo_follow")
    assert not Follower.objects.exists()


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_likes_and_boosts_count_and_their_undo_uncounts(family, remote, scoop):
    sender = remote(family)
    kinds = [k for k in ("like", "announce") if k in sender.docs]
    for kind in kinds:
        sender.deliver(kind)
    expected = (int("like" in kinds), int("announce" in kinds))
    assert counts(scoop) == expected
    assert set(Reaction.objects.values_list("actor_uri", flat=True)) == {sender.actor}
    for kind in kinds:
        sender.deliver(f"undo_{kind}")
    assert counts(scoop) == (0, 0)


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_reply_is_moderated_rendered_safely_edited_and_deleted(
    family, remote, client, curator, topic, scoop
):
    sender = remote(family)
    create = copy.deepcopy(sender.docs["reply"])
    create["object"]["content"] += HOSTILE
    sender.send(create)
    comment = Comment.objects.get()
    assert comment.scoop_id == scoop.pk
    assert comment.status == Comment.Status.PENDING
    assert comment.origin == Comment.Origin.FEDIVERSE
    assert comment.remote_id == create["object"]["id"]
    assert "Worth reading, thanks" in comment.body_html
    assert ReplyAuthor.objects.get(comment=comment).actor_uri == sender.actor

    client.force_login(curator)
    page = client.get(f"/curate/t/{topic.slug}/readers/").content.decode()
    assert "Worth reading, thanks" in page
    assert comment.author_name in page
    for bad in ("<script>alert", "onerror", "javascript:alert"):
        assert bad not in page, bad

    sender.deliver("update")
    comment.refresh_from_db()
    assert "(edited)" in comment.body and "(edited)" in comment.body_html
    assert comment.status == Comment.Status.PENDING
    sender.deliver("delete")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("family", FAMILY_NAMES)
@pytest.mark.parametrize("visibility", ["followers", "direct"])
def test_a_reply_not_made_public_never_becomes_a_comment(family, visibility, remote):
    sender = remote(family)
    create = copy.deepcopy(sender.docs["reply"])
    topic = sender.docs["follow"]["object"]
    # Each family's own reply, addressed as its followers-only or private-mention form.
    to = [f"{sender.actor}/followers"] if visibility == "followers" else [topic]
    for doc in (create, create["object"]):
        doc["to"], doc["cc"] = to, [topic] if visibility == "followers" else []
    assert sender.send(create).status == InboxItem.Status.IGNORED
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("family", "name", "counted"),
    [
        # Pleroma's emoji reaction, under its own type: not a Like we count; nothing fails.
        ("pleroma", "emoji_react", (0, 0)),
        # Lemmy's downvote: never counted as a like.
        ("lemmy", "dislike", (0, 0)),
        # Misskey sends every reaction as a Like, a custom emoji one included: a like.
        ("misskey", "custom_emoji_like", (1, 0)),
    ],
)
def test_the_families_own_reactions(family, name, counted, remote, scoop):
    sender = remote(family)
    item = sender.send(sender.docs[name])
    assert item.status == (InboxItem.Status.DONE if any(counted) else InboxItem.Status.IGNORED)
    assert counts(scoop) == counted


# --- the reply's author alone may edit or delete it ------------------------------------------


def test_another_account_on_the_same_server_cannot_edit_or_delete_a_reply(remote, peer):
    alice = remote("mastodon")
    alice.send(alice.docs["reply"])
    comment = Comment.objects.get()
    # Bob lives on Alice's server, with his own key: the origin checks let him through.
    private, public = sig.generate_key_pair()
    bob_doc = json.loads(json.dumps(peer.documents["/users/alice"]).replace("/alice", "/bob"))
    bob_doc["publicKey"]["publicKeyPem"] = public
    peer.documents["/users/bob"] = bob_doc
    bob = Remote("mastodon", bob_doc["id"], bob_doc["publicKey"]["id"], private,
                 {}, alice.client, alice.path)  # fmt: skip
    reply_id = comment.remote_id
    edit = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{bob.actor}#updates/1",
        "type": "Update",
        "actor": bob.actor,
        "object": {"id": reply_id, "type": "Note", "attributedTo": bob.actor,
                   "inReplyTo": alice.docs["reply"]["object"]["inReplyTo"],
                   "content": "<p>Bob's words in Alice's mouth.</p>"},
    }  # fmt: skip
    assert bob.send(edit).status == InboxItem.Status.IGNORED
    for n, obj in enumerate([reply_id, {"id": reply_id, "type": "Tombstone"}]):
        delete = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Delete",
                  "id": f"{bob.actor}#delete-{n}", "actor": bob.actor, "object": obj}  # fmt: skip
        assert bob.send(delete).status == InboxItem.Status.IGNORED
    comment.refresh_from_db()
    assert "Worth reading" in comment.body and "Bob" not in comment.body
    # Alice herself still can.
    alice.deliver("update")
    alice.deliver("delete")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("family", ["mastodon", "misskey", "pleroma", "gotosocial"])
def test_a_deleted_account_takes_its_replies_away(family, remote, peer):
    sender = remote(family)
    sender.deliver("reply")
    sender.deliver("like")
    # Someone else's reply on the same scoop stays.
    Comment.objects.create(scoop_id=Comment.objects.get().scoop_id, author_name="Site reader",
                           body="Mine", body_html="<p>Mine</p>")  # fmt: skip
    gone = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Delete",
            "id": f"{sender.actor}#delete", "actor": sender.actor, "object": sender.actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"]}  # fmt: skip
    sender.deliver_doc(gone)
    assert list(Comment.objects.values_list("author_name", flat=True)) == ["Site reader"]
    assert not Reaction.objects.exists()


# --- WebFinger and NodeInfo ------------------------------------------------------------------

# The follow page our follow box finds for a visitor of each family's server (from its
# WebFinger subscribe template, else its NodeInfo software name), "" where there is none.
FOLLOW_PAGE = {
    "mastodon": "https://{host}/authorize_interaction?uri=acct%3Atopic%40our.example",
    "misskey": "https://{host}/authorize-follow?acct=acct%3Atopic%40our.example",
    "pleroma": "https://{host}/ostatus_subscribe?acct=acct%3Atopic%40our.example",
    "friendica": "https://{host}/contact/follow?url=acct%3Atopic%40our.example",
}


def _client(routes: dict[str, Any]) -> GuardedClient:
    async def handle(request: httpx.Request) -> httpx.Response:
        answer = routes.get(request.url.path)
        if answer is None:
            return httpx.Response(404, stream=httpx.ByteStream(b""))
        return httpx.Response(200, stream=httpx.ByteStream(json.dumps(answer).encode()))

    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]  # a public address: the client's guards let it through

    return GuardedClient(FetchPolicy(timeout=10), resolver=resolve,
                         transport=httpx.MockTransport(handle))  # fmt: skip


def _well_known(family: str, base: str, host: str) -> dict[str, Any]:
    names = {"base": base, "host": host}
    webfinger = _fill(json.loads((SERVERS / family / "webfinger.json").read_text()), names)
    nodeinfo = json.loads((SERVERS / family / "nodeinfo.json").read_text())
    rel = f"http://nodeinfo.diaspora.software/ns/schema/{nodeinfo['version']}"
    return {
        "/.well-known/webfinger": webfinger,
        "/.well-known/nodeinfo": {"links": [{"rel": rel, "href": f"{base}/nodeinfo/x"}]},
        "/nodeinfo/x": nodeinfo,
    }


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_webfinger_and_nodeinfo_give_the_follow_page(family):
    cache.clear()
    host = f"{family}.example"
    routes = _well_known(family, f"https://{host}", host)
    found = interaction.remote_follow_url(f"@alice@{host}", "topic@our.example", _client(routes))
    assert found == FOLLOW_PAGE.get(family, "").format(host=host)
    nodeinfo = routes["/nodeinfo/x"]
    assert nodeinfo["protocols"] and "activitypub" in nodeinfo["protocols"]
    assert isinstance(nodeinfo["software"]["name"], str)
    cache.clear()


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_webfinger_self_link_resolves_the_account(family, peer):
    host = urlsplit(peer.base).netloc
    query = urlencode({"resource": f"acct:alice@{host}"})
    wellknown = _well_known(family, peer.base, host)
    peer.documents[f"/.well-known/webfinger?{query}"] = wellknown["/.well-known/webfinger"]
    actor_path = FAMILIES[family][0].format(host=host)
    try:
        assert resolve_account(f"@alice@{host}") == peer.base + actor_path
    except ValidationError as exc:  # pragma: no cover - the message says why
        pytest.fail(str(exc))


# --- replies received before authors were recorded -------------------------------------------

BEFORE_AUTHORS = [("federation", "0005_followed_posts_for_edits_and_deletions")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_finds_the_author_of_earlier_replies(topic, curator):
    try:
        _migrate(BEFORE_AUTHORS)
        loader = MigrationExecutor(connection).loader
        state = [*BEFORE_AUTHORS, *loader.graph.leaf_nodes("publishing")]
        old = loader.project_state(state).apps
        scoop = old.get_model("curation", "Scoop").objects.create(
            topic_id=topic.pk, curator_id=curator.pk, url="https://news.example/a", title="A"
        )
        comment_model = old.get_model("publishing", "Comment")
        made = {}
        for n, author in enumerate(["https://a.example/users/ann", ""]):
            remote_id = f"https://a.example/notes/{n}"
            made[remote_id] = comment_model.objects.create(
                scoop_id=scoop.pk, origin="fediverse", author_name="Ann", remote_id=remote_id,
                body="Hi", body_html="Hi",
            ).pk  # fmt: skip
            if author:  # the second reply's Create is no longer stored
                old.get_model("federation", "InboxItem").objects.create(
                    remote_uri=author, domain="a.example", kind="Create", status="done",
                    payload={"type": "Create", "object": {"id": remote_id}},
                    received_at=timezone.now(),
                )  # fmt: skip
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    authors = dict(ReplyAuthor.objects.values_list("comment_id", "actor_uri"))
    assert authors == {made["https://a.example/notes/0"]: "https://a.example/users/ann"}


def test_a_reply_from_the_fediverse_keeps_no_picture() -> None:
    from florilege.federation.services.handlers import _comment_html

    # The permalink shows replies: a picture from the replier's server would be loaded
    # by every reader's browser.
    html = _comment_html('<p>Hi <img src="https://masto.example/e.png" alt=":wave:"></p>')
    assert "<img" not in html and 'href="https://masto.example/e.png"' in html
