"""Outgoing JSON uses only the ActivityStreams vocabulary (and the extensions our inline
context declares); the bundled contexts cover every term of the W3C examples; nothing
is ever fetched for a context."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from florilege.curation.services.rescoop import rescoop
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import activities, contexts, ids
from florilege.federation.models import OutboxActivity
from florilege.federation.services.actors import topic_actor
from florilege.federation.services.documents import outbox, topic_document
from florilege.federation.services.outbox import publish_scoop, retract_scoop, scoop_note
from florilege.testing import shared_data, skip_or_fail_without
from florilege.topics.models import Topic

AS2_DIR = shared_data("activitypub")


def _examples() -> list[tuple[str, Any]]:
    skip_or_fail_without(AS2_DIR, "the ActivityStreams examples")
    docs = []
    for path in sorted([*AS2_DIR.glob("as2/*.json"), *AS2_DIR.glob("spec-examples/*.json")]):
        try:
            docs.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except ValueError:
            continue  # vocabulary-ex196 is not strict JSON (the corpus README says so)
    return docs


def keys_and_types(doc: Any, keys: set[str], types: set[str], in_map: bool = False) -> None:
    if isinstance(doc, list):
        for item in doc:
            keys_and_types(item, keys, types)
    elif isinstance(doc, dict):
        for key, value in doc.items():
            if key == "@context":
                continue
            if not in_map:
                keys.add(key)
            if key == "type":
                types.update(value if isinstance(value, list) else [value])
            # Language maps (contentMap, nameMap) have language tags for keys.
            keys_and_types(value, keys, types, in_map=key.endswith("Map"))


def payload(activity: OutboxActivity | None) -> dict[str, Any]:
    assert activity is not None, "nothing was sent"
    return activity.payload


def test_bundled_context_defines_every_term_of_the_w3c_examples() -> None:
    keys: set[str] = set()
    types: set[str] = set()
    docs = _examples()
    assert len(docs) > 200
    for _, doc in docs:
        keys_and_types(doc, keys, types)
    defined = contexts.terms(contexts.AS2)
    # Prefixed (ext:term) and absolute terms belong to the examples' own extensions.
    plain = {k for k in keys | types if ":" not in k and k not in {"en", "fr", "sp", "ga", "und"}}
    assert plain - defined == set()


def test_unknown_context_is_refused_never_fetched() -> None:
    with pytest.raises(contexts.UnknownContext):
        contexts.document("https://evil.example/context.jsonld")
    assert contexts.document(contexts.AS2)["@context"]["Note"] == "as:Note"


@pytest.mark.django_db
def test_everything_we_send_or_serve_uses_the_vocabulary(topic, curator):
    now = timezone.now()
    draft = ScoopDraft(url="https://news.example/v", title="Vocabulary", insight="Checked.",
                       tags=["json ld"], image_url="https://news.example/v.png",
                       language="fr")  # fmt: skip
    scoop = scoop_url(topic, curator, draft, now)
    actor = topic_actor(topic)
    actor_uri = ids.topic_actor(topic.slug)
    create = payload(publish_scoop(scoop.pk, now + timedelta(seconds=1)))
    elsewhere = Topic.objects.create(title="Elsewhere", slug="elsewhere", owner=curator)
    copy = rescoop(curator, scoop, elsewhere, "Also here.", "", now)
    announce = payload(publish_scoop(copy.pk, now + timedelta(seconds=1)))
    undo = payload(retract_scoop(copy.pk, elsewhere.slug, now + timedelta(seconds=2)))
    delete = payload(retract_scoop(scoop.pk, topic.slug, now + timedelta(seconds=2)))
    assert (announce["type"], undo["type"], delete["type"]) == ("Announce", "Undo", "Delete")
    follow = {"id": "https://m.example/f/1", "type": "Follow", "actor": "https://m.example/u",
              "object": actor_uri}  # fmt: skip
    docs = [
        topic_document(topic, actor),
        scoop_note(scoop),
        create,
        announce,
        undo,
        delete,
        activities.wrap("Accept", actor_uri, follow, now=now, to=["https://m.example/u"]),
        outbox(actor, None),
        outbox(actor, "1"),
    ]
    allowed_keys = contexts.known_terms()
    allowed_types = contexts.terms(contexts.AS2) | {"Hashtag"}
    for doc in docs:
        assert doc["@context"] == contexts.CONTEXT
        keys: set[str] = set()
        types: set[str] = set()
        keys_and_types(doc, keys, types)
        assert keys - allowed_keys == set(), doc["type"]
        assert types - allowed_types == set(), doc["type"]
    # Every @context entry is bundled or inline: a JSON-LD reader needs no network.
    for entry in contexts.CONTEXT:
        if isinstance(entry, str):
            assert contexts.document(entry)
