"""The engagement desk's fediverse answer, received by the second real ActivityPub server:
the Fedify peer of ``test_interop_fedify`` (npm ``@fedify/fedify``, over TLS). The peer
replies to a scoop; the reply is on the desk; the curator answers from the desk and the
peer's inbox (which only sees activities whose signature Fedify verified) holds the
topic's Note, in reply to the peer's post and addressed to its author."""

from __future__ import annotations

import pytest
from django.utils import timezone

from florilege.curation.models import DeskItem, DeskReply
from florilege.curation.services import desk
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import ids
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.inbox import process_cycle
from florilege.federation.tests.test_interop_fedify import (  # noqa: F401 - the fixtures
    authority,
    fedify_peer,
    florilege_over_tls,
    inbox_items,
    inbox_report,
    received,
    wait_for,
)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_desk_answer_reaches_the_fedify_peer(
    fedify_peer,  # noqa: F811 - the fixture
    florilege_over_tls,  # noqa: F811 - the fixture
    topic,
    curator,
):
    peer = fedify_peer
    topic_uri = ids.topic_actor(topic.slug)
    scoop = scoop_url(topic, curator, ScoopDraft(
        url="https://news.example/fedify-desk", title="Desk and Fedify", insight="Answer me."),
        timezone.now())  # fmt: skip
    note_id = ids.scoop_object(scoop.pk)
    peer.call("reply", to=topic_uri, object=note_id, content="<p>Where is the source?</p>")
    wait_for(lambda: inbox_items("Create"), "the reply", peer)
    process_cycle()
    item = DeskItem.objects.filter(kind="reply").first()
    assert item is not None, inbox_report()
    assert item.remote_actor == peer.actor and item.text == "Where is the source?"

    desk.reply(curator, item, "fediverse", "In the second paragraph.", timezone.now())
    assert deliver_cycle().delivered == 1
    answer_id = DeskReply.objects.get().reference
    create = wait_for(lambda: received(peer, "Create", answer_id), "the desk's answer", peer)
    note = create["raw"]["object"]
    assert create["raw"]["actor"] == topic_uri
    assert note["inReplyTo"] == item.remote_id
    assert peer.actor in (note["to"] if isinstance(note["to"], list) else [note["to"]])
    assert "In the second paragraph." in note["content"]
