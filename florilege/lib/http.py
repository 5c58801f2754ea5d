"""The one guarded HTTP client every outgoing request goes through.

Guards, in order, for every hop of a redirect chain:

1. the URL: http or https only, a host, no user name or password, a valid port; numeric
   IPv4 spellings (``2130706433``, ``0x7f.0.0.1``, ``127.1``) are read the way browsers and
   ``inet_aton`` read them, so they cannot slip past the address check;
2. a slot among ``per_host`` simultaneous requests to that host (waiting for a slot does not
   use up the deadline: queueing behind our own fetches is not the server's slowness);
3. the *resolved* addresses: none may be loopback, private, link-local (cloud metadata lives
   there), multicast or reserved unless an operator listed its range;
4. DNS pinning: the connection goes to one of exactly those checked addresses (a network
   backend looks them up by host and port), never to a second resolution that a rebinding
   DNS server could point elsewhere; TLS SNI and the Host header keep the host name;
5. the body is streamed raw and inflated here with a ceiling on output, so a gzip or deflate
   bomb stops at the size cap without being expanded in memory first;
6. one overall deadline covers resolution, connection, redirects and the last byte, on top of
   httpx's connect and read timeouts.

Redirects are followed by hand (at most ``max_redirects``) so every hop passes all guards.
Status codes such as 410, 429 and 503 and their ``Retry-After`` are only reported: what they
mean for a source is the caller's decision.

A leaf module: no Django. Settings are passed in as a :class:`FetchPolicy`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ipaddress
import re
import select
import socket
import ssl
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote, urljoin

import httpcore
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
ACCEPTED_ENCODINGS = "gzip, deflate"


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
    # Simultaneous requests to one host name from one client: politeness towards small
    # servers, and a bound on what one slow host can hold of a worker's batch.
    per_host: int = 2
    # A PEM file of authorities trusted besides the usual ones (a private CA); "" for none.
    ca_bundle: str = ""


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
    except (socket.gaierror, UnicodeError) as exc:
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


# --- URL and host parsing -------------------------------------------------------------------

_NUMBER_LABEL = re.compile(r"(0[xX][0-9a-fA-F]*|[0-9]+)")


@dataclass(frozen=True)
class _Target:
    """One hop's destination, spelt exactly as httpx will hand it to the connection pool."""

    host: str  # ASCII (IDNA) host without brackets: the key the network backend receives
    port: int
    literal: str | None  # the IP address when the host is one, in any spelling


def _parse_target(url: str) -> _Target:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        raise FetchError("bad_url", f"This address is not valid: {url!r}.") from exc
    if parsed.scheme not in {"http", "https"}:
        raise FetchError("bad_url", f"Only http and https addresses can be fetched: {url!r}.")
    host = parsed.raw_host.decode("ascii").lower()
    if not host:
        raise FetchError("bad_url", f"This address has no host name: {url!r}.")
    if parsed.userinfo:
        raise FetchError("bad_url", "Addresses with a user name or password are refused.")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise FetchError("bad_url", f"This address has an invalid port: {url!r}.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return _Target(host, port, _ip_literal(host, url))


def _ip_literal(host: str, url: str) -> str | None:
    """The address ``host`` denotes if it is an IP literal, else None (a name to resolve)."""
    try:
        return str(ipaddress.ip_address(unquote(host)))
    except ValueError:
        pass
    # The URL standard reads a host whose last label is a number as IPv4, in decimal, octal
    # or hex, with 1 to 4 parts (so do inet_aton and every browser). An SSRF check that
    # treated "2130706433" as a name would ask DNS while the socket layer connects to
    # 127.0.0.1, so such hosts are parsed here and checked as the address they are.
    labels = host.removesuffix(".").split(".")
    if not _NUMBER_LABEL.fullmatch(labels[-1]):
        return None
    numbers = [_ipv4_part(label) for label in labels]
    if len(numbers) > 4 or any(n is None for n in numbers):
        raise FetchError("bad_url", f"This address has an invalid IP address: {url!r}.")
    parts = [n for n in numbers if n is not None]
    *head, last = parts
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(parts)):
        raise FetchError("bad_url", f"This address has an invalid IP address: {url!r}.")
    value = sum(n << (8 * (3 - i)) for i, n in enumerate(head)) + last
    return str(ipaddress.IPv4Address(value))


def _ipv4_part(label: str) -> int | None:
    if not _NUMBER_LABEL.fullmatch(label):
        return None
    if label[:2].lower() == "0x":
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8) if set(label) <= set("01234567") else None
    return int(label)


# --- DNS pinning ----------------------------------------------------------------------------

# (host, port) → the addresses checked for this request. A context variable, because each
# fetch runs in its own task and must connect to the addresses *it* checked.
_PINS: contextvars.ContextVar[Mapping[tuple[str, int], tuple[str, ...]]] = contextvars.ContextVar(
    "florilege_http_pins", default=MappingProxyType({})
)


class _QuickStream(httpcore.AsyncNetworkStream):
    """A connection whose "is the server gone?" check is one poll of a socket found once.

    httpcore asks every pooled connection that question each time it places a request, and
    the stock stream answers by building anyio's whole attribute table; with a pool of a
    few dozen connections that was most of the CPU of a refresh of unchanged feeds.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _QuickStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> object:
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket | None) -> bool:
    """Data (or the end of the stream) waiting to be read; a closed socket counts as readable,
    so the pool drops it."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the checked address pinned for (host, port), never to a fresh lookup.

    Only the TCP connection changes: httpcore still passes the host name to TLS (SNI and
    certificate check) and httpx still sends it in the Host header.
    """

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = _PINS.get().get((host.lower(), port))
        if not addresses:
            # Fail closed: a connection nobody checked is a bug, never a fallback to DNS.
            raise httpcore.ConnectError(f"{host}:{port} was not checked before connecting")
        failure: Exception | None = None
        for address in addresses:  # every one of them passed the check
            try:
                stream = await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _QuickStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("Unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@functools.cache
def _ssl_context(ca_bundle: str = "") -> ssl.SSLContext:
    """One verifying TLS context for every client (per extra bundle): building one loads the
    whole CA bundle, which costs more than a whole cycle of 304 answers. ``ca_bundle`` adds
    authorities to the usual ones rather than replacing them: an instance that trusts its
    private authority still federates with the public fediverse."""
    context = httpx.create_ssl_context(trust_env=False)
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool connecting through the pins."""

    def __init__(self, limits: httpx.Limits, context: ssl.SSLContext | None = None) -> None:
        context = context or _ssl_context()
        super().__init__(limits=limits, trust_env=False, verify=context)
        # httpx offers no way to choose httpcore's network backend, so the pool it built is
        # replaced by an identical one that has ours. The pinning tests fail if a future
        # httpx stops reading ``_pool``.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(),
        )


class _Lane:
    """A few connections to one origin, in a pool of their own, and how busy they are."""

    def __init__(self, size: int, ssl_context: ssl.SSLContext | None = None) -> None:
        self.size = size
        self.busy = 0
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        self.transport = PinnedTransport(limits, ssl_context)


class _Counted(httpx.AsyncByteStream):
    """A response body that gives its lane's slot back when it is closed."""

    def __init__(self, inner: httpx.AsyncByteStream, lane: _Lane) -> None:
        self._inner = inner
        self._lane: _Lane | None = lane

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            if self._lane is not None:
                self._lane.busy -= 1
                self._lane = None


class LaneTransport(httpx.AsyncBaseTransport):
    """Connection pools of at most ``LANE_SIZE`` connections, per origin.

    httpcore's pool looks at each of its connections, and at each pair of idle ones, every
    time it places or finishes a request: cheap for a handful, most of the CPU of a fetch
    cycle for the few dozen a worker keeps open. So each origin gets its own small pools
    ("lanes") and a request goes to the first lane of its origin with a free connection,
    opening another lane when all are full. Beyond ``max_origins``, the pools of the
    origins unused for the longest are closed.
    """

    LANE_SIZE = 4

    def __init__(self, max_origins: int = 256, ssl_context: ssl.SSLContext | None = None) -> None:
        self._origins: OrderedDict[tuple[str, str, int | None], list[_Lane]] = OrderedDict()
        self._max_origins = max_origins
        self._ssl_context = ssl_context

    def _lane(self, origin: tuple[str, str, int | None]) -> _Lane:
        lanes = self._origins.get(origin)
        if lanes is None:
            lanes = self._origins[origin] = []
        self._origins.move_to_end(origin)
        # First fit, not least busy: filling the first lanes reuses their open connections
        # instead of opening new ones in emptier lanes.
        for lane in lanes:
            if lane.busy < lane.size:
                return lane
        lane = _Lane(self.LANE_SIZE, self._ssl_context)
        lanes.append(lane)
        return lane

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        lane = self._lane((request.url.scheme, request.url.host, request.url.port))
        lane.busy += 1
        try:
            await self._forget_old_origins()
            response = await lane.transport.handle_async_request(request)
        except BaseException:
            lane.busy -= 1
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_Counted(response.stream, lane),
            extensions=response.extensions,
        )

    async def _forget_old_origins(self) -> None:
        while len(self._origins) > self._max_origins:
            origin, lanes = next(iter(self._origins.items()))
            if any(lane.busy for lane in lanes):
                self._origins.move_to_end(origin)
                return
            del self._origins[origin]
            for lane in lanes:
                await lane.transport.aclose()

    async def aclose(self) -> None:
        origins, self._origins = self._origins, OrderedDict()
        for lanes in origins.values():
            for lane in lanes:
                await lane.transport.aclose()


# --- decompression with a ceiling -----------------------------------------------------------


class _Inflater:
    """One gzip or deflate layer, never producing more than the caller has room for."""

    def __init__(self, coding: str) -> None:
        self._gzip = coding in {"gzip", "x-gzip"}
        self._obj: zlib._Decompress | None = (
            zlib.decompressobj(16 + zlib.MAX_WBITS) if self._gzip else None
        )
        self._head = b""

    def feed(self, data: bytes, room: int) -> bytes:
        """Inflate ``data``; more than ``room`` bytes back means the cap is exceeded."""
        if self._obj is None:
            data = self._sniff_deflate(data)
        out: list[bytes] = []
        size = 0
        while data and size <= room and self._obj is not None:
            if self._obj.eof:
                # Concatenated gzip members are one body; anything else after the end of
                # the stream is padding that other clients ignore too.
                if not (self._gzip and data[:2] == b"\x1f\x8b"):
                    break
                self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            piece = self._obj.decompress(data, room + 1 - size)
            out.append(piece)
            size += len(piece)
            data = self._obj.unconsumed_tail or self._obj.unused_data
        return b"".join(out)

    def finish(self) -> bytes:
        return self._obj.flush() if self._obj is not None else b""

    def _sniff_deflate(self, data: bytes) -> bytes:
        # "deflate" should be zlib-wrapped (RFC 9110) but servers also send raw deflate; the
        # two-byte zlib header tells them apart, so wait until two bytes are in.
        self._head += data
        if len(self._head) < 2:
            return b""
        first, second = self._head[0], self._head[1]
        wrapped = first & 0x0F == 8 and ((first << 8) | second) % 31 == 0
        self._obj = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        data, self._head = self._head, b""
        return data


class _Body:
    """Collects a raw body, undoing its content codings, and stops past ``limit`` bytes."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        for coding in codings:
            if coding not in {"gzip", "x-gzip", "deflate"}:
                raise FetchError(
                    "decoding",
                    f"The server compressed the response as {coding!r}, "
                    "which was not asked for and cannot be read.",
                )
        # Codings are listed in the order they were applied, so they come off in reverse.
        self._layers = [_Inflater(c) for c in reversed(codings)]
        self._limit = limit
        self._chunks: list[bytes] = []
        self._size = 0

    def feed(self, raw: bytes) -> None:
        self._keep(self._through(self._layers, raw))

    def finish(self) -> bytes:
        for index, layer in enumerate(self._layers):
            try:
                rest = layer.finish()
            except zlib.error as exc:
                raise FetchError("decoding", "The response could not be decompressed.") from exc
            self._keep(self._through(self._layers[index + 1 :], rest))
        return b"".join(self._chunks)

    def _through(self, layers: list[_Inflater], data: bytes) -> bytes:
        room = self._limit - self._size
        try:
            for layer in layers:
                # Inner layers are capped too: each is a decompression the cap applies to.
                data = layer.feed(data, room)
                if len(data) > room:
                    raise FetchError("too_large", _too_large(self._limit))
        except zlib.error as exc:
            raise FetchError("decoding", "The response could not be decompressed.") from exc
        return data

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise FetchError("too_large", _too_large(self._limit))
        if data:
            self._chunks.append(data)


# --- the client -----------------------------------------------------------------------------


class GuardedClient:
    """Use as ``async with GuardedClient(policy) as client: await client.get(url)``.

    A ``transport`` given by the caller replaces the pinned one (a test double that opens
    no sockets); every other guard still applies.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
        max_origins: int = 256,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``ssl_context``: the authorities to trust, when not the system's plus the
        policy's ``ca_bundle``; certificates are always verified against the host name."""
        self.policy = policy
        self._resolve = resolver
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": ACCEPTED_ENCODINGS},
            transport=transport
            or LaneTransport(max_origins, ssl_context or _ssl_context(policy.ca_bundle)),
            trust_env=False,
        )
        self._slots: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> GuardedClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def check_url(self, url: str) -> None:
        """Raise :class:`FetchError` unless ``url`` may be fetched under the policy."""
        await self._addresses(_parse_target(url))

    async def get(self, url: str, headers: dict[str, str] | None = None) -> FetchResponse:
        try:
            async with asyncio.timeout(self.policy.timeout) as deadline:
                return await self._follow(url, headers or {}, deadline)
        except TimeoutError as exc:
            raise FetchError(
                "timeout", f"No complete answer within {self.policy.timeout:g} s."
            ) from exc

    async def post(
        self,
        url: str,
        form: Mapping[str, str] | None = None,
        headers: dict[str, str] | None = None,
        *,
        content: bytes | None = None,
    ) -> FetchResponse:
        """POST a urlencoded form (or raw ``content``, e.g. a signed ActivityPub activity)
        under every guard; a redirect is returned, not followed."""
        try:
            async with asyncio.timeout(self.policy.timeout) as deadline:
                status, hdrs, body = await self._pinned(
                    url, headers or {}, deadline, method="POST", form=form, content=content
                )
        except TimeoutError as exc:
            raise FetchError(
                "timeout", f"No complete answer within {self.policy.timeout:g} s."
            ) from exc
        return FetchResponse(url, status, hdrs, body)

    async def _pinned(
        self,
        url: str,
        headers: dict[str, str],
        deadline: asyncio.Timeout,
        method: str = "GET",
        form: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request, connected only to the addresses checked for its host."""
        target = _parse_target(url)
        async with self._host_slot(target.host, deadline):
            addresses = await self._addresses(target)
            token = _PINS.set(
                MappingProxyType({**_PINS.get(), (target.host, target.port): addresses})
            )
            try:
                return await self._one(url, headers, method, form, content)
            finally:
                _PINS.reset(token)

    async def _follow(
        self, url: str, headers: dict[str, str], deadline: asyncio.Timeout
    ) -> FetchResponse:
        redirects: list[tuple[int, str]] = []
        permanent = ""
        all_permanent = True
        current = url
        for _ in range(self.policy.max_redirects + 1):
            status, resp_headers, body = await self._pinned(current, headers, deadline)
            if status in REDIRECT_STATUSES and "location" in resp_headers:
                target_url = urljoin(current, resp_headers["location"].strip())
                redirects.append((status, target_url))
                all_permanent = all_permanent and status in PERMANENT_REDIRECTS
                permanent = target_url if all_permanent else ""
                current = target_url
                continue
            return FetchResponse(current, status, resp_headers, body, permanent, redirects)
        raise FetchError(
            "redirects", f"More than {self.policy.max_redirects} redirects, starting at {url}."
        )

    @asynccontextmanager
    async def _host_slot(self, host: str, deadline: asyncio.Timeout) -> AsyncIterator[None]:
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = asyncio.Semaphore(max(1, self.policy.per_host))
        loop = asyncio.get_running_loop()
        when = deadline.when()
        remaining = None if when is None else when - loop.time()
        # The clock stops while queueing behind this client's other requests to the host.
        deadline.reschedule(None)
        try:
            await slot.acquire()
        finally:
            deadline.reschedule(None if remaining is None else loop.time() + remaining)
        try:
            yield
        finally:
            slot.release()

    async def _addresses(self, target: _Target) -> tuple[str, ...]:
        """The addresses this hop may connect to: checked, unless its origin is allowed."""
        if target.literal is not None:
            addresses = [target.literal]
        else:
            addresses = await self._resolve(target.host, target.port)
        if not addresses:
            raise FetchError("dns", f"The host name {target.host!r} has no address.")
        if (target.host, target.port) in self.policy.allow_origins:
            return tuple(addresses)
        for address in addresses:
            if not address_allowed(address, self.policy.allow_networks):
                raise FetchError(
                    "blocked",
                    f"{target.host} resolves to {address}, a private or reserved address "
                    "that this instance does not fetch.",
                )
        return tuple(addresses)

    async def _one(
        self,
        url: str,
        headers: dict[str, str],
        method: str = "GET",
        form: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        limit = self.policy.max_bytes
        data = dict(form) if form is not None else None
        try:
            async with self._client.stream(
                method, url, headers=headers, data=data, content=content
            ) as response:
                declared = response.headers.get("content-length", "").strip()
                if declared.isdigit() and int(declared) > limit:
                    raise FetchError("too_large", _too_large(limit))
                body = _Body(response.headers.get("content-encoding", ""), limit)
                # Raw bytes, inflated by _Body with a ceiling: httpx's own decoders would
                # expand a whole network chunk of a bomb before we could count it.
                async for chunk in response.aiter_raw():
                    body.feed(chunk)
                hdrs = {k.lower(): v for k, v in response.headers.items()}
                return response.status_code, hdrs, body.finish()
        except httpx.ConnectTimeout as exc:
            raise FetchError(
                "timeout",
                f"The server did not accept a connection within {self.policy.connect_timeout:g} s.",
            ) from exc
        except httpx.ReadTimeout as exc:
            raise FetchError("timeout", "The server stopped sending data.") from exc
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", "The server took too long to answer.") from exc
        except httpx.ConnectError as exc:
            tls = _tls_failure(exc)
            if tls is not None:
                raise FetchError("tls", tls) from exc
            raise FetchError("network", f"Could not connect to the server: {exc}".strip()) from exc
        except httpx.RemoteProtocolError as exc:
            if str(exc).startswith("Invalid URL in location header"):
                # httpx vets a redirect target even when it does not follow it.
                raise FetchError(
                    "bad_url", f"The server redirected to an invalid address: {exc}"
                ) from exc
            raise FetchError(
                "network", f"The server broke off or sent something that is not HTTP: {exc}"
            ) from exc
        except httpx.InvalidURL as exc:
            raise FetchError("bad_url", f"Invalid address: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(
                "network", f"Network error: {type(exc).__name__}: {exc}".strip()
            ) from exc


def _tls_failure(exc: BaseException) -> str | None:
    """Plain words for a failed TLS handshake, or None when the failure was not TLS."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = str(cause.verify_message or cause.reason or "not trusted").rstrip(".")
            return f"The server's certificate was refused: {reason}."
        if isinstance(cause, ssl.SSLError):
            return f"The secure connection failed: {str(cause.reason or cause).rstrip('.')}."
        cause = cause.__cause__ or cause.__context__
    return None


def _too_large(limit: int) -> str:
    return f"The response is larger than {limit // 1024} KB, the most this instance accepts."
