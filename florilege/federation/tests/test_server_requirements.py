"""Every document we serve or send, checked against what each family of fediverse server
requires to accept it and show it as meant (a post, not a content warning; a picture, not
a refused download). The requirements are data: one table per family below, each rule a
name from RULES; where each rule comes from is in fixtures/servers/README.md ("What each
family requires of our documents")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.curation.services.rescoop import rescoop
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import OutboxActivity, RemoteActor
from florilege.federation.services import documents
from florilege.federation.services.actors import curator_actor, instance_actor, topic_actor
from florilege.federation.services.handlers import answer_follow
from florilege.federation.services.outbox import publish_scoop, retract_scoop, update_scoop
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db

Doc = dict[str, Any]
RASTER = {"image/png", "image/jpeg", "image/webp", "image/gif"}
ACTOR_TYPES = {"Person", "Service", "Group", "Organization", "Application"}


def _host(url: object) -> str:
    return urlsplit(url).netloc if isinstance(url, str) else ""


def _id(value: object) -> str:
    return value.get("id", "") if isinstance(value, dict) else str(value or "")


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _note(activity: Doc) -> Doc:
    obj = activity.get("object")
    return obj if isinstance(obj, dict) else {}


# --- rules: one predicate per requirement, named as the tables use them ----------------------

RULES: dict[str, Callable[[Doc], bool]] = {
    # Actors
    "actor.type": lambda d: d.get("type") in ACTOR_TYPES,
    "actor.inbox": lambda d: _host(d.get("inbox")) == _host(d["id"]),
    "actor.outbox": lambda d: _host(d.get("outbox")) == _host(d["id"]),
    # A name of word characters, dots and dashes; an instance actor is named for its host.
    "actor.preferredUsername": lambda d: (
        bool(re.fullmatch(r"\w([\w.-]*\w)?", d.get("preferredUsername", "")))
        or d.get("preferredUsername") == _host(d["id"])
    ),
    "actor.publicKey": lambda d: (
        isinstance(d.get("publicKey"), dict)
        and d["publicKey"].get("owner") == d["id"]
        and _host(d["publicKey"].get("id")) == _host(d["id"])
        and "BEGIN PUBLIC KEY" in d["publicKey"].get("publicKeyPem", "")
    ),
    "actor.sharedInbox": lambda d: (
        _host(d.get("endpoints", {}).get("sharedInbox")) == _host(d["id"])
    ),
    "actor.followers": lambda d: _host(d.get("followers")) == _host(d["id"]),
    "actor.following": lambda d: _host(d.get("following")) == _host(d["id"]),
    "actor.featured": lambda d: _host(d.get("featured")) == _host(d["id"]),
    "actor.featuredTags": lambda d: _host(d.get("featuredTags")) == _host(d["id"]),
    "actor.flags": lambda d: all(
        isinstance(d.get(k), bool)
        for k in ("manuallyApprovesFollowers", "discoverable", "indexable")
    ),
    "actor.published": lambda d: bool(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]{8}Z", d["published"])),
    "actor.url": lambda d: urlsplit(d.get("url", "")).scheme in {"http", "https"},
    "actor.images_raster": lambda d: all(
        d[k].get("type") == "Image" and d[k].get("mediaType") in RASTER
        for k in ("icon", "image")
        if k in d
    ),
    "actor.name_and_summary": lambda d: (
        isinstance(d.get("name"), str) and isinstance(d.get("summary"), str)
    ),
    # Notes (in Create and Update)
    "note.no_title": lambda n: "name" not in n,
    "note.no_cw": lambda n: not n.get("summary") and n.get("sensitive") is False,
    "note.content_html": lambda n: isinstance(n.get("content"), str) and "<a href=" in n["content"],
    "note.attributedTo_actor": lambda n: n.get("attributedTo") == n.get("_actor"),
    "note.public": lambda n: PUBLIC in _list(n.get("to")),
    "note.url_string": lambda n: isinstance(n.get("url"), str),
    "note.attachments_media": lambda n: all(
        isinstance(a, dict) and a.get("type") in {"Image", "Document", "Video", "Audio"}
        for a in _list(n.get("attachment"))
    ),
    "note.attachments_raster": lambda n: all(
        a.get("mediaType") in RASTER and isinstance(a.get("url"), str)
        for a in _list(n.get("attachment"))
    ),
    "note.attachments_alt": lambda n: all(a.get("name") for a in _list(n.get("attachment"))),
    "note.hashtags": lambda n: all(
        t.get("type") == "Hashtag"
        and t.get("name", "").startswith("#")
        and urlsplit(t.get("href", "")).scheme in {"http", "https"}
        for t in _list(n.get("tag"))
    ),
    "note.hashtags_linked": lambda n: all(
        'class="mention hashtag" rel="tag">#<span>' + t["name"][1:] + "</span>" in n["content"]
        for t in _list(n.get("tag"))
    ),
    "note.updated_on_update": lambda n: n.get("_kind") != "Update" or bool(n.get("updated")),
    # Activities
    "activity.id_on_actor_host": lambda a: _host(a.get("id")) == _host(a.get("actor")),
    "activity.object_on_actor_host": lambda a: _host(_id(a.get("object"))) == _host(a["actor"]),
    "announce.object_id": lambda a: isinstance(a.get("object"), str),
    "delete.tombstone": lambda a: _note(a).get("type") == "Tombstone" and bool(_note(a).get("id")),
    "accept.follow": lambda a: (
        _note(a).get("type") == "Follow"
        and _note(a).get("object") == a["actor"]
        and bool(_note(a).get("id"))
    ),
    "accept.addressed": lambda a: _note(a).get("actor") in _list(a.get("to")),
    # Collections
    "collection.valid": lambda c: (
        c.get("type") == "OrderedCollection"
        and isinstance(c.get("totalItems"), int)
        and isinstance(c.get("orderedItems", []), list)
    ),
    # Discovery
    "webfinger.self": lambda w: any(
        link.get("rel") == "self"
        and link.get("type") == "application/activity+json"
        and link.get("href") in w.get("aliases", [])
        for link in w.get("links", [])
    ),
    "webfinger.subject": lambda w: bool(re.fullmatch(r"acct:[^@]+@[^@]+", w.get("subject", ""))),
    "nodeinfo.shape": lambda n: (
        n.get("protocols") == ["activitypub"]
        and isinstance(n.get("software", {}).get("name"), str)
        and isinstance(n.get("usage", {}).get("users", {}).get("total"), int)
        and isinstance(n.get("openRegistrations"), bool)
    ),
}

_ACTOR_BASE = ["actor.type", "actor.inbox", "actor.preferredUsername", "actor.publicKey"]
_NOTE_BASE = ["note.attributedTo_actor", "note.public", "note.content_html", "note.hashtags"]

# family: {document kind: rules}. Kinds: actor (topic and curator), instance, create,
# update, delete, announce, accept, featured, webfinger, nodeinfo.
REQUIREMENTS: dict[str, dict[str, list[str]]] = {
    "mastodon": {
        "actor": [*_ACTOR_BASE, "actor.outbox", "actor.sharedInbox", "actor.followers",
                  "actor.following", "actor.featured", "actor.featuredTags", "actor.flags",
                  "actor.published", "actor.url", "actor.images_raster",
                  "actor.name_and_summary"],
        "instance": _ACTOR_BASE,
        "create": [*_NOTE_BASE, "note.no_cw", "note.url_string", "note.attachments_media",
                   "note.attachments_alt", "note.hashtags_linked", "activity.id_on_actor_host",
                   "activity.object_on_actor_host"],
        "update": [*_NOTE_BASE, "note.no_cw", "note.updated_on_update",
                   "activity.object_on_actor_host"],
        "delete": ["delete.tombstone", "activity.object_on_actor_host"],
        "announce": ["announce.object_id", "activity.id_on_actor_host"],
        "accept": ["accept.follow", "activity.id_on_actor_host"],
        "featured": ["collection.valid"],
        "webfinger": ["webfinger.subject", "webfinger.self"],
        "nodeinfo": ["nodeinfo.shape"],
    },
    "gotosocial": {
        "actor": [*_ACTOR_BASE, "actor.outbox", "actor.featured", "actor.images_raster"],
        "instance": _ACTOR_BASE,
        "create": [*_NOTE_BASE, "note.no_title", "note.no_cw", "note.attachments_media",
                   "note.attachments_raster", "note.url_string"],
        "update": [*_NOTE_BASE, "note.no_title", "note.no_cw", "note.attachments_media",
                   "note.attachments_raster"],
        "delete": ["delete.tombstone", "activity.object_on_actor_host"],
        "announce": ["announce.object_id"],
        "accept": ["accept.follow"],
        "featured": ["collection.valid"],
        "webfinger": ["webfinger.subject", "webfinger.self"],
        "nodeinfo": ["nodeinfo.shape"],
    },
    "misskey": {
        "actor": [*_ACTOR_BASE, "actor.sharedInbox", "actor.featured", "actor.images_raster"],
        "instance": _ACTOR_BASE,
        "create": [*_NOTE_BASE, "note.no_title", "note.no_cw", "note.attachments_raster",
                   "activity.object_on_actor_host"],
        "update": [*_NOTE_BASE, "note.no_cw"],
        "delete": ["delete.tombstone"],
        "announce": ["announce.object_id"],
        "accept": ["accept.follow"],
        "featured": ["collection.valid"],
        "webfinger": ["webfinger.subject", "webfinger.self"],
        "nodeinfo": ["nodeinfo.shape"],
    },
    "pleroma": {
        "actor": [*_ACTOR_BASE, "actor.sharedInbox", "actor.followers", "actor.following",
                  "actor.featured"],
        "instance": _ACTOR_BASE,
        "create": [*_NOTE_BASE, "note.no_cw", "note.attachments_media",
                   "note.attachments_raster", "activity.object_on_actor_host"],
        "update": [*_NOTE_BASE, "note.no_cw", "note.updated_on_update"],
        "delete": ["delete.tombstone"],
        "announce": ["announce.object_id"],
        "accept": ["accept.follow", "accept.addressed"],
        "featured": ["collection.valid"],
        "webfinger": ["webfinger.subject", "webfinger.self"],
        "nodeinfo": ["nodeinfo.shape"],
    },
    "takahe": {
        "actor": [*_ACTOR_BASE, "actor.sharedInbox", "actor.images_raster"],
        "instance": _ACTOR_BASE,
        "create": [*_NOTE_BASE, "note.no_cw", "note.attachments_media",
                   "note.attachments_raster"],
        "update": [*_NOTE_BASE, "note.no_cw", "note.attachments_media"],
        "delete": ["delete.tombstone"],
        "announce": ["announce.object_id"],
        "accept": ["accept.follow"],
        "featured": ["collection.valid"],
        "webfinger": ["webfinger.subject", "webfinger.self"],
        "nodeinfo": ["nodeinfo.shape"],
    },
}  # fmt: skip


@pytest.fixture
def outgoing(topic, curator) -> dict[str, list[Doc]]:
    """One of every document we serve or send, for a scoop with an image, tags and a
    hashtag in its insight, edited, boosted from another topic and deleted."""
    now = timezone.now()
    draft = ScoopDraft(url="https://news.example/a", title="Open protocols win",
                       insight="Why it matters for #Fediverse readers.",
                       tags=["open web", "ActivityPub"],
                       image_url="https://news.example/a.png", language="en")  # fmt: skip
    scoop = scoop_url(topic, curator, draft, now)
    create = publish_scoop(scoop.pk, now + timedelta(seconds=1))
    Scoop.objects.filter(pk=scoop.pk).update(
        title="Open protocols still win", updated_at=now + timedelta(minutes=1)
    )
    update = update_scoop(scoop.pk, now + timedelta(minutes=1))
    elsewhere = Topic.objects.create(title="Elsewhere", slug="elsewhere", owner=curator)
    copy = rescoop(curator, scoop, elsewhere, "Also here.", "", now)
    announce = publish_scoop(copy.pk, now + timedelta(seconds=1))
    delete = retract_scoop(scoop.pk, topic.slug, now + timedelta(minutes=2))
    local = topic_actor(topic)
    remote = RemoteActor.objects.create(
        uri="https://m.example/users/bob", domain="m.example", username="bob",
        inbox="https://m.example/users/bob/inbox",
    )  # fmt: skip
    follow = {"id": "https://m.example/f/1", "type": "Follow", "actor": remote.uri,
              "object": ids.topic_actor(topic.slug)}  # fmt: skip
    answer_follow(local, remote, follow, "Accept", now)
    accept = OutboxActivity.objects.filter(kind="Accept").get()
    sent = [a for a in (create, update, announce, delete) if a is not None]
    assert [a.kind for a in sent] == ["Create", "Update", "Announce", "Delete"]
    create, update, announce, delete = sent

    accounts = (f"acct:{topic.slug}@{ids.domain()}", f"acct:{ids.domain()}@{ids.domain()}")
    webfingers = [doc for doc in map(documents.webfinger, accounts) if doc is not None]
    assert len(webfingers) == len(accounts)

    def with_kind(activity: OutboxActivity) -> Doc:
        # The Note, marked with what the rules need to know about where it travels.
        return {**activity.payload["object"], "_kind": activity.kind,
                "_actor": activity.payload["actor"]}  # fmt: skip

    return {
        "actor": [documents.topic_document(topic, local),
                  documents.curator_document(curator, curator_actor(curator))],
        "instance": [documents.instance_document(instance_actor())],
        "create": [with_kind(create), create.payload],
        "update": [with_kind(update), update.payload],
        "delete": [delete.payload],
        "announce": [announce.payload],
        "accept": [accept.payload],
        "featured": [documents.featured(local, "featured"),
                     documents.featured(local, "featuredTags"),
                     documents.following(local, None)],
        "webfinger": webfingers,
        "nodeinfo": [documents.nodeinfo("2.0"), documents.nodeinfo("2.1")],
    }  # fmt: skip


def _applies(rule: str, doc: Doc) -> bool:
    # Note rules read the Note; activity rules the activity around it.
    is_note = doc.get("type") == "Note"
    return is_note == rule.startswith("note.") or not rule.startswith(("note.", "activity."))


@pytest.mark.parametrize("family", sorted(REQUIREMENTS))
def test_every_outgoing_document_meets_what_each_family_requires(family, outgoing):
    failures = []
    for kind, rules in REQUIREMENTS[family].items():
        assert outgoing[kind], kind
        for doc in outgoing[kind]:
            for rule in rules:
                if _applies(rule, doc) and not RULES[rule](doc):
                    failures.append(f"{kind}: {rule} ({doc.get('id') or doc.get('subject')})")
    assert not failures, f"{family} would refuse or misshow: {failures}"


def test_every_rule_is_used_and_documented():
    used = {rule for family in REQUIREMENTS.values() for rules in family.values() for rule in rules}
    assert used == set(RULES)
    readme = ids.__file__.rsplit("/", 1)[0] + "/tests/fixtures/servers/README.md"
    with open(readme, encoding="utf-8") as handle:
        text = handle.read()
    missing = [rule for rule in RULES if f"`{rule}`" not in text]
    assert not missing, f"rules without a source in the README: {missing}"


def test_the_rules_catch_what_servers_refused(outgoing):
    """The rules are not vacuous: the Note we used to send breaks them."""
    note = {**outgoing["create"][0], "name": "A title",
            "attachment": [{"type": "Image", "mediaType": "image/svg+xml",
                            "url": "https://x.example/a.svg", "name": "A title"},
                           {"type": "Link", "href": "https://news.example/a"}]}  # fmt: skip
    assert not RULES["note.no_title"](note)
    assert not RULES["note.attachments_media"](note)
    assert not RULES["note.attachments_raster"](note)
    actor = {k: v for k, v in outgoing["actor"][0].items() if k != "featured"}
    assert not RULES["actor.featured"](actor)
