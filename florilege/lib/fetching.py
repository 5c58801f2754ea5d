"""Django-side glue: build the guarded client's policy from settings."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from django.conf import settings

from florilege.lib.http import FetchPolicy, FetchResponse, GuardedClient


def own_origin(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


def policy_from_settings() -> FetchPolicy:
    cfg = settings.CONFIG
    return FetchPolicy(
        allow_networks=cfg.ALLOW_NETWORKS,
        allow_origins=frozenset({own_origin(cfg.BASE_URL)}),
        timeout=cfg.FETCH_TIMEOUT,
        max_bytes=cfg.FETCH_MAX_BYTES,
        max_redirects=cfg.FETCH_MAX_REDIRECTS,
        user_agent=f"Florilege/0.1 (+{cfg.BASE_URL})",
    )


def fetch_one(url: str, headers: dict[str, str] | None = None) -> FetchResponse:
    """Fetch a single URL from synchronous code (a view), with all guards."""

    async def go() -> FetchResponse:
        async with GuardedClient(policy_from_settings()) as client:
            return await client.get(url, headers)

    return asyncio.run(go())
