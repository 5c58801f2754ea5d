"""The one guarded HTTP client every outgoing request goes through.

Guards, in order: scheme allow-list; the *resolved* address must not be loopback, private,
link-local (cloud metadata lives there), multicast or reserved unless an operator listed
its range; redirects are followed by hand so every hop is checked again; the body is
streamed and cut at a size cap counted after decompression (so a gzip bomb stops early);
one overall deadline covers connect, redirects and the last byte.

A leaf module: no Django. Settings are passed in as a :class:`FetchPolicy`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
PERMANENT_REDIRECTS = {301, 308}
# Cloud metadata endpoints that are not covered by the link-local check (AWS IPv6, Alibaba).
METADATA_ADDRESSES = {
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class FetchError(Exception):
    """A fetch that did not produce a usable response; ``message`` is for the user."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class FetchPolicy:
    allow_networks: Sequence[Network] = ()
    # (host, port) pairs always allowed whatever they resolve to: the instance's own
    # address, so the demo can fetch the feeds it serves without opening all of loopback.
    allow_origins: frozenset[tuple[str, int]] = frozenset()
    timeout: float = 20.0
    connect_timeout: float = 10.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "Florilege/0.1"


@dataclass
class FetchResponse:
    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    # Where a chain made only of permanent redirects ends, else "" (the source should move).
    permanent_url: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError("dns", f"The host name {host!r} could not be resolved.") from exc
    return [str(info[4][0]) for info in infos]


def address_allowed(address: str, allow: Sequence[Network]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allow):
        return True
    public = not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or ip in METADATA_ADDRESSES
    )
    # 100.64.0.0/10 (carrier-grade NAT) reports is_private=False yet is not public.
    return public and ip.is_global


class GuardedClient:
    """Use as ``async with GuardedClient(policy) as client: await client.get(url)``."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 50,
    ) -> None:
        self.policy = policy
        self._resolve = resolver
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
            trust_env=False,
        )

    async def __aenter__(self) -> GuardedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            raise FetchError("bad_url", f"Only http and https addresses can be fetched: {url!r}.")
        if not parts.hostname:
            raise FetchError("bad_url", f"This address has no host name: {url!r}.")
        if parts.username or parts.password:
            raise FetchError("bad_url", "Addresses with a user name or password are refused.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError("bad_url", f"This address has an invalid port: {url!r}.") from exc
        if (parts.hostname.lower(), port) in self.policy.allow_origins:
            return
        addresses = await self._resolve(parts.hostname, port)
        if not addresses:
            raise FetchError("dns", f"The host name {parts.hostname!r} has no address.")
        for address in addresses:
            if not address_allowed(address, self.policy.allow_networks):
                raise FetchError(
                    "blocked",
                    f"{parts.hostname} resolves to {address}, a private or reserved address "
                    "that this instance does not fetch.",
                )

    async def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResponse:
        try:
            async with asyncio.timeout(self.policy.timeout):
                return await self._follow(url, headers or {})
        except TimeoutError as exc:
            raise FetchError(
                "timeout", f"No complete answer within {self.policy.timeout:g} s."
            ) from exc

    async def _follow(self, url: str, headers: dict[str, str]) -> FetchResponse:
        redirects: list[tuple[int, str]] = []
        permanent = ""
        all_permanent = True
        current = url
        for _ in range(self.policy.max_redirects + 1):
            await self.check_url(current)
            status, resp_headers, body = await self._one(current, headers)
            if status in REDIRECT_STATUSES and "location" in resp_headers:
                target = urljoin(current, resp_headers["location"].strip())
                redirects.append((status, target))
                all_permanent = all_permanent and status in PERMANENT_REDIRECTS
                permanent = target if all_permanent else ""
                current = target
                continue
            return FetchResponse(current, status, resp_headers, body, permanent, redirects)
        raise FetchError(
            "redirects", f"More than {self.policy.max_redirects} redirects, starting at {url}."
        )

    async def _one(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        limit = self.policy.max_bytes
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError("too_large", _too_large(limit))
                chunks: list[bytes] = []
                size = 0
                # aiter_bytes yields decompressed bytes: counting them caps gzip bombs too.
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise FetchError("too_large", _too_large(limit))
                    chunks.append(chunk)
                hdrs = {k.lower(): v for k, v in response.headers.items()}
                return response.status_code, hdrs, b"".join(chunks)
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", "The server took too long to answer.") from exc
        except httpx.DecodingError as exc:
            raise FetchError("decoding", "The response could not be decompressed.") from exc
        except httpx.InvalidURL as exc:
            raise FetchError("bad_url", f"Invalid address: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(
                "network", f"Network error: {type(exc).__name__}: {exc}".strip()
            ) from exc


def _too_large(limit: int) -> str:
    return f"The response is larger than {limit // 1024} KB, the most this instance accepts."
