"""Django-side glue: build the guarded client's policy from settings."""

from __future__ import annotations

import asyncio

import httpx
from django.conf import settings

from florilege.lib.http import FetchPolicy, FetchResponse, GuardedClient


def own_origin(base_url: str) -> tuple[str, int]:
    """(host, port) as the client compares them: IDNA-encoded, lower case."""
    url = httpx.URL(base_url)
    return url.raw_host.decode("ascii").lower(), url.port or (443 if url.scheme == "https" else 80)


def policy_from_settings() -> FetchPolicy:
    cfg = settings.CONFIG
    return FetchPolicy(
        allow_networks=cfg.ALLOW_NETWORKS,
        allow_origins=frozenset({own_origin(cfg.BASE_URL)}),
        timeout=cfg.FETCH_TIMEOUT,
        max_bytes=cfg.FETCH_MAX_BYTES,
        max_redirects=cfg.FETCH_MAX_REDIRECTS,
        per_host=cfg.FETCH_PER_HOST,
        user_agent=f"Florilege/0.1 (+{cfg.BASE_URL})",
        ca_bundle=cfg.CA_BUNDLE,
    )


def fetch_one(url: str, headers: dict[str, str] | None = None) -> FetchResponse:
    """Fetch a single URL from synchronous code (a view), with all guards."""

    async def go() -> FetchResponse:
        async with GuardedClient(policy_from_settings()) as client:
            return await client.get(url, headers)

    return asyncio.run(go())
