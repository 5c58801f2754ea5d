from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from florilege.api import tokens
from florilege.topics.tests.team_fixtures import (
    NOW,
    team,  # noqa: F401 - the team fixture
)


@pytest.fixture
def token_for() -> Callable[..., str]:
    """A new token of ``user`` with ``scope``: the raw value to send."""

    def make(user, scope: str = "admin", days: int = 0, now=NOW) -> str:
        return tokens.create(user, "test", scope, days, now).raw

    return make


@pytest.fixture
def api(client: Client) -> Callable[..., object]:
    """Call the API: ``api("get", "/topics", token)``; JSON bodies as ``json=``."""

    def call(method: str, path: str, token: str | None = None, json=None, **headers):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if token:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        kwargs = {"data": json, "content_type": "application/json"} if json is not None else {}
        return getattr(client, method)("/api/v1" + path, **kwargs, **extra)

    return call
