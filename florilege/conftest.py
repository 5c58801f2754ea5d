from __future__ import annotations

from collections.abc import Iterator

import pytest

from florilege.testing import LoopbackServer


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture
def curator(django_user_model):
    return django_user_model.objects.create_user("curator", password="a-long-test-password")


@pytest.fixture
def topic(curator):
    from florilege.curation.models import Topic

    return Topic.objects.create(
        title="Social networks",
        slug="social-networks",
        description="Fediverse, platforms and moderation.",
        languages=["en", "fr"],
        keywords=["mastodon", "fediverse", "modération"],
        owner=curator,
    )


@pytest.fixture
def client_in(client, curator):
    """The test client, logged in as the topic's curator."""
    client.force_login(curator)
    return client
