"""Where a stage's network work runs: one event loop and one guarded client per worker
process (connections and TLS set-up kept between cycles), or a fresh one per call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from florilege.lib.fetching import policy_from_settings
from florilege.lib.http import FetchPolicy, GuardedClient

ClientFactory = Callable[[], GuardedClient]
T = TypeVar("T")
Work = Callable[[GuardedClient], Awaitable[T]]


def default_client() -> GuardedClient:
    return GuardedClient(policy_from_settings())


class Network(Protocol):
    """``run(work)`` calls ``work(client)`` in an event loop and returns its result."""

    def run(self, work: Work[T]) -> T: ...


class PerCycle:
    """A fresh event loop and client for each call (tests, one-off commands)."""

    def __init__(self, factory: ClientFactory) -> None:
        self.factory = factory

    def run(self, work: Work[T]) -> T:
        async def once() -> T:
            async with self.factory() as client:
                return await work(client)

        return asyncio.run(once())


class WorkerRuntime:
    """One event loop and one guarded client for the life of a worker process, so
    connections stay open between cycles and pools and TLS set-up are built once. The
    client is rebuilt when the settings change its policy."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: GuardedClient | None = None
        self._policy: FetchPolicy | None = None

    def run(self, work: Work[T]) -> T:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        policy = policy_from_settings()
        if self._client is None or policy != self._policy:
            self.close_client()
            self._client, self._policy = GuardedClient(policy), policy
        return self._loop.run_until_complete(work(self._client))

    def close_client(self) -> None:
        if self._client is not None and self._loop is not None:
            self._loop.run_until_complete(self._client.__aexit__(None, None, None))
        self._client = None

    def close(self) -> None:
        self.close_client()
        if self._loop is not None:
            self._loop.close()
            self._loop = None
