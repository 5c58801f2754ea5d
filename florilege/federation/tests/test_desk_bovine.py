"""The engagement desk's fediverse reply, received by a real ActivityPub server:
bovine-herd (from PyPI) on 127.0.0.1, started as in ``test_interop_bovine``. bovine
replies to a scoop; the reply is on the desk; the curator answers from the desk and
bovine's inbox holds the topic's Note, threaded under its reply."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.curation.models import DeskItem
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.contexts import PUBLIC
from florilege.federation.models import Delivery, InboxItem
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.federation.tests.test_interop_bovine import (  # noqa: F401 - the fixture
    bovine_peer,
    peer_inbox,
    send,
    wait_for,
)

pytest.importorskip("bovine", reason="bovine-herd is in the dev extra")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_desk_reply_reaches_bovine_threaded_under_its_reply(
    live_server,
    settings,
    client,
    topic,
    curator,
    bovine_peer,  # noqa: F811 - the fixture
):
    settings.BASE_URL = live_server.url
    settings.CONFIG = replace(settings.CONFIG, BASE_URL=live_server.url)
    peer = bovine_peer
    topic_uri = ids.topic_actor(topic.slug)
    scoop = scoop_url(topic, curator, ScoopDraft(
        url="https://news.example/desk", title="Desk works", insight="Answer me."),
        timezone.now())  # fmt: skip
    note_id = ids.scoop_object(scoop.pk)

    status = send(peer, {
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
        "actor": peer["actor_id"], "to": [PUBLIC], "cc": [topic_uri],
        "object": {"type": "Note", "attributedTo": peer["actor_id"], "to": [PUBLIC],
                   "cc": [topic_uri], "inReplyTo": note_id,
                   "content": "<p>Is this article accurate?</p>"},
    })  # fmt: skip
    assert status in {200, 201, 202}
    wait_for(lambda: InboxItem.objects.filter(kind="Create").exists(), "bovine's reply", peer)
    process_cycle()
    item = DeskItem.objects.get(kind="reply")
    assert item.remote_actor == peer["actor_id"] and item.remote_id
    assert item.text == "Is this article accurate?"

    client.force_login(curator)
    url = reverse("curation:desk_action", args=[topic.slug, item.pk, "reply"])
    response = client.post(url, {"channel": "fediverse", "text": "Yes: we checked it twice."})
    assert response.status_code == 302
    report = deliver_cycle()
    assert report.delivered == 1, Delivery.objects.values_list("last_status", "last_error")

    def received_answer():
        for entry in peer_inbox(peer):
            obj = entry.get("object") if isinstance(entry, dict) else None
            if (
                entry.get("type") == "Create"
                and isinstance(obj, dict)
                and obj.get("inReplyTo") == item.remote_id
            ):
                return entry
        return None

    answer = wait_for(received_answer, "the desk's answer in bovine's inbox", peer)
    actor = answer["actor"]
    assert (actor.get("id") if isinstance(actor, dict) else actor) == topic_uri
    assert "Yes: we checked it twice." in answer["object"]["content"]
