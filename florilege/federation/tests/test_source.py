"""The fediverse as a source: a topic follows a remote account; its public posts arrive
as entries of the topic's sources, and from there as suggestions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from florilege.federation import ids
from florilege.federation.models import RemoteFollow
from florilege.federation.services.delivery import deliver_cycle
from florilege.federation.services.following import follow_account
from florilege.federation.services.inbox import process_cycle
from florilege.sources.models import Entry
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def advertise_feed(peer, name: str, path: str) -> str:
    """The account's page links to its feed, as Mastodon, GoToSocial and Takahē do."""
    html = (f'<html><head><link rel="alternate" type="application/rss+xml" href="{path}">'
            f"</head><body>@{name}</body></html>")  # fmt: skip
    peer.pages[f"/@{name}"] = ("text/html; charset=utf-8", html.encode())
    return f"{peer.base}{path}"


def test_topic_follows_an_account_and_its_public_posts_become_entries(
    client_in, client, topic, curator, peer, alice
):
    feed = advertise_feed(peer, "alice", "/@alice/feed.rss")
    response = client_in.post(
        f"/curate/{topic.slug}/fediverse/", {"action": "follow", "account": alice.uri}
    )
    assert response.status_code == 302
    follow = RemoteFollow.objects.get()
    assert follow.status == RemoteFollow.Status.PENDING
    # The feed the account's page advertises is the source (GoToSocial's path here; never
    # a guessed /@alice.rss), followed by the topic.
    assert follow.source is not None
    assert follow.source.url == feed
    assert TopicSource.objects.filter(topic=topic, source=follow.source).exists()
    deliver_cycle()
    [sent] = peer.received
    assert sent.activity["type"] == "Follow" and sent.activity["object"] == alice.uri
    assert sent.activity["actor"] == ids.topic_actor(topic.slug)

    accept = {"id": f"{alice.uri}/accepts/1", "type": "Accept", "actor": alice.uri,
              "object": sent.activity["id"]}  # fmt: skip
    assert peer.signed_post(client, "/ap/inbox", accept, actor=alice).status_code == 202
    process_cycle()
    follow.refresh_from_db()
    assert follow.status == RemoteFollow.Status.ACCEPTED

    def post(n: int, audience: list[str]) -> dict:
        note = {"id": f"{alice.uri}/statuses/{n}", "type": "Note", "attributedTo": alice.uri,
                "url": f"{peer.base}/@alice/{n}", "content": f"<p>Post {n} #fediverse</p>",
                "published": timezone.now().isoformat(), "to": audience,
                "tag": [{"type": "Hashtag", "name": "#fediverse"}],
                "contentMap": {"en": f"<p>Post {n}</p>"}}  # fmt: skip
        return {"id": f"{note['id']}/activity", "type": "Create", "actor": alice.uri,
                "object": note}  # fmt: skip

    peer.signed_post(client, "/ap/inbox", post(1, [PUBLIC]), actor=alice)
    peer.signed_post(client, "/ap/inbox", post(2, [f"{alice.uri}/followers"]), actor=alice)
    process_cycle()
    entry = Entry.objects.get()  # the followers-only post stays private
    assert entry.url == f"{peer.base}/@alice/1"
    assert entry.title == "Post 1 #fediverse"  # its first sentence, not its address
    assert entry.source == follow.source
    assert entry.categories == ["fediverse"]
    assert entry.suggested_at is None  # the suggestion stage picks it up next
    # Counted on the source, whose fetch state (the worker polls the account's feed too,
    # and may hold its lease right now) is left alone.
    from florilege.sources.models import Source

    Source.objects.filter(pk=follow.source.pk).update(lease_owner="worker-1", etag='"e"')
    peer.signed_post(client, "/ap/inbox", post(3, [PUBLIC]), actor=alice)
    process_cycle()
    source = Source.objects.get(pk=follow.source.pk)
    assert source.entry_count == Entry.objects.count() == 2
    assert (source.lease_owner, source.etag) == ("worker-1", '"e"')


def test_following_an_unreachable_account_is_a_clear_error(topic, curator):
    with pytest.raises(ValidationError):
        follow_account(curator, topic, "http://127.0.0.1:9/users/nobody", timezone.now())
    with pytest.raises(ValidationError):
        follow_account(curator, topic, "not an account", timezone.now())
    assert not RemoteFollow.objects.exists()
