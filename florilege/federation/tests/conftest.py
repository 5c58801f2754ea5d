from __future__ import annotations

from collections.abc import Iterator

import pytest

from florilege.federation.tests.peer import Peer, start_peer
from florilege.topics.tests.team_fixtures import team  # noqa: F401 - the team fixture


@pytest.fixture
def peer() -> Iterator[Peer]:
    server = start_peer()
    yield server
    server.stop()


@pytest.fixture
def alice(peer):
    return peer.add_actor("alice")
