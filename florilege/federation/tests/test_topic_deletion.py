"""Deleting a topic takes its fediverse actor, followers and owed deliveries with it, and
the actor's documents answer 404 afterwards (no actor ``Delete`` is sent: none exists)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from florilege.curation.services.topics import delete_topic
from florilege.federation.models import Follower, LocalActor, RemoteActor
from florilege.federation.services.actors import topic_actor

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DOMAIN = "127.0.0.1:8000"  # FLORILEGE_BASE_URL's host in the test settings


def test_the_actor_and_its_followers_go_with_the_topic(client, topic, curator) -> None:
    actor = topic_actor(topic)
    remote = RemoteActor.objects.create(uri="https://m.example/users/x", domain="m.example")
    Follower.objects.create(actor=actor, remote=remote)
    actor_page = f"/t/{topic.slug}/"
    assert client.get(actor_page, HTTP_ACCEPT="application/activity+json").status_code == 200
    webfinger = f"/.well-known/webfinger?resource=acct:{topic.slug}@{DOMAIN}"
    assert client.get(webfinger).status_code == 200
    delete_topic(topic, curator, topic.title, NOW)
    assert not LocalActor.objects.filter(pk=actor.pk).exists()
    assert not Follower.objects.exists() and RemoteActor.objects.filter(pk=remote.pk).exists()
    assert client.get(actor_page, HTTP_ACCEPT="application/activity+json").status_code == 404
    assert client.get(webfinger).status_code == 404
