"""The guarded client against hostile servers and hostile addresses, on real sockets.

Servers that misbehave below HTTP (endless or slow bodies, silence, garbage) are small
asyncio servers run in the test's own event loop on 127.0.0.1; well-behaved ones use the
shared threaded :class:`LoopbackServer`. Every hostile case must end as a ``FetchError``
with a plain message, and the same client must then fetch a good URL.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import threading
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler

import httpcore
import pytest

from florilege.lib.http import (
    FetchError,
    FetchPolicy,
    FetchResponse,
    GuardedClient,
    PinnedBackend,
    Resolver,
    _Inflater,
    _ip_literal,
    system_resolver,
)
from florilege.testing import LoopbackServer, Reply

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
GOOD = b"<rss><channel><title>fine</title></channel></rss>"

Behaviour = Callable[[asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(scope="module")
def _shared_server() -> Iterator[LoopbackServer]:
    # One server for the module: stopping one costs half a second (its poll interval).
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture
def loopback(_shared_server: LoopbackServer) -> LoopbackServer:
    """The shared loopback server, emptied for this test (overrides the conftest one)."""
    _shared_server.routes.clear()
    _shared_server.requests.clear()
    return _shared_server


# --- a raw server for misbehaviour below HTTP -----------------------------------------------


async def _good(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(GOOD), GOOD))
    await writer.drain()


async def _endless_chunks(writer: asyncio.StreamWriter, pause: float = 0.0) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"<item>news</item>" * 1000
    while not writer.is_closing():
        writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        await writer.drain()
        await asyncio.sleep(pause)


async def _slow_chunks(writer: asyncio.StreamWriter) -> None:
    await _endless_chunks(writer, pause=0.05)


async def _slowloris(writer: asyncio.StreamWriter) -> None:
    # Each byte comes well within the read timeout; only the overall deadline can stop it.
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while not writer.is_closing():
        writer.write(b"x")
        await writer.drain()
        await asyncio.sleep(0.05)


async def _silent(writer: asyncio.StreamWriter) -> None:
    await asyncio.sleep(3600)


async def _claims_two_gigabytes(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\n" + b"x" * 1000)
    await writer.drain()
    await asyncio.sleep(3600)


async def _not_http(writer: asyncio.StreamWriter) -> None:
    writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
    await writer.drain()


async def _cut_short(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
    await writer.drain()


RAW_ROUTES: dict[str, Behaviour] = {
    "/ok": _good,
    "/endless": _endless_chunks,
    "/slow-endless": _slow_chunks,
    "/slowloris": _slowloris,
    "/silent": _silent,
    "/two-gigabytes": _claims_two_gigabytes,
    "/not-http": _not_http,
    "/cut-short": _cut_short,
}


@asynccontextmanager
async def raw_server() -> AsyncIterator[str]:
    """Serve RAW_ROUTES on 127.0.0.1 in the running loop; yields the base URL."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            await RAW_ROUTES[path](writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: that is what these servers wait for
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


def hostile_then_good(
    path: str, timeout: float = FetchPolicy.timeout, max_bytes: int = FetchPolicy.max_bytes
) -> FetchError:
    """Fetch a hostile path, then /ok with the same client; return the hostile error."""

    async def go() -> tuple[FetchError, FetchResponse]:
        async with raw_server() as base:
            settings = FetchPolicy(allow_networks=LOOPBACK, timeout=timeout, max_bytes=max_bytes)
            async with GuardedClient(settings) as client:
                with pytest.raises(FetchError) as err:
                    await client.get(base + path)
                return err.value, await client.get(base + "/ok")

    error, good = asyncio.run(go())
    assert good.status == 200 and good.content == GOOD
    assert error.message and not error.message.startswith("Network error")
    return error


# --- hostile bodies -------------------------------------------------------------------------


def test_claimed_two_gigabytes_is_refused_before_reading() -> None:
    assert hostile_then_good("/two-gigabytes").kind == "too_large"


def test_endless_chunked_stream_is_cut_at_the_size_cap() -> None:
    assert hostile_then_good("/endless", max_bytes=200_000).kind == "too_large"


def test_slow_endless_stream_is_cut_by_the_deadline() -> None:
    error = hostile_then_good("/slow-endless", timeout=0.5, max_bytes=10**9)
    assert error.kind == "timeout"


def test_slowloris_body_loses_to_the_overall_deadline() -> None:
    error = hostile_then_good("/slowloris", timeout=0.6)
    assert error.kind == "timeout"
    # The per-read timeout never fires (a byte arrives every 50 ms): the deadline did this.
    assert error.message == "No complete answer within 0.6 s."


def test_server_that_never_answers_times_out() -> None:
    assert hostile_then_good("/silent", timeout=0.5).kind == "timeout"


def test_server_speaking_something_else_is_a_network_error() -> None:
    error = hostile_then_good("/not-http")
    assert error.kind == "network"
    assert "not HTTP" in error.message


def test_body_cut_short_is_a_network_error() -> None:
    assert hostile_then_good("/cut-short").kind == "network"


# --- compression ----------------------------------------------------------------------------

ZEROS = b"\0" * 20_000_000


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", _raw_deflate),
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
    ],
    ids=["gzip", "deflate", "raw-deflate", "gzip-twice"],
)
def test_compression_bombs_stop_at_the_cap(
    loopback: LoopbackServer, encoding: str, pack: Callable[[bytes], bytes]
) -> None:
    bomb = pack(ZEROS)
    assert len(bomb) < 1_000_000  # the compressed body alone would pass the cap
    loopback.routes["/bomb"] = Reply(200, bomb, {"Content-Encoding": encoding})
    loopback.routes["/ok"] = Reply(200, GOOD)
    policy = FetchPolicy(allow_networks=LOOPBACK, max_bytes=1_000_000)

    async def go() -> FetchResponse:
        async with GuardedClient(policy) as client:
            with pytest.raises(FetchError) as err:
                await client.get(loopback.url("/bomb"))
            assert err.value.kind == "too_large"
            return await client.get(loopback.url("/ok"))

    assert asyncio.run(go()).content == GOOD


def test_inflating_never_produces_more_than_the_room_left() -> None:
    inflater = _Inflater("gzip")
    # One network read of a bomb would expand to 20 MB if inflated without a ceiling.
    assert len(inflater.feed(gzip.compress(ZEROS), 1000)) == 1001


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(GOOD)),
        ("x-gzip", gzip.compress(GOOD)),
        ("deflate", zlib.compress(GOOD)),
        ("deflate", _raw_deflate(GOOD)),
        ("gzip", gzip.compress(GOOD[:20]) + gzip.compress(GOOD[20:])),  # two gzip members
        ("identity", GOOD),
        ("", GOOD),
    ],
)
def test_honest_compressed_bodies_are_decoded(
    loopback: LoopbackServer, encoding: str, body: bytes
) -> None:
    loopback.routes["/f"] = Reply(200, body, {"Content-Encoding": encoding} if encoding else {})
    assert _get(loopback.url("/f")).content == GOOD


def test_corrupt_gzip_is_a_decoding_error(loopback: LoopbackServer) -> None:
    loopback.routes["/f"] = Reply(200, b"\x1f\x8b" + b"garbage" * 100, {"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as err:
        _get(loopback.url("/f"))
    assert err.value.kind == "decoding"


def test_an_encoding_we_did_not_ask_for_is_refused(loopback: LoopbackServer) -> None:
    loopback.routes["/f"] = Reply(200, b"\x0b\x02\x80hi\x03", {"Content-Encoding": "br"})
    with pytest.raises(FetchError) as err:
        _get(loopback.url("/f"))
    assert err.value.kind == "decoding"
    assert "'br'" in err.value.message


def test_accept_encoding_names_only_what_we_inflate(loopback: LoopbackServer) -> None:
    loopback.routes["/f"] = Reply(200, GOOD)
    _get(loopback.url("/f"))
    assert loopback.requests[0][1]["accept-encoding"] == "gzip, deflate"


# --- redirects and addresses ----------------------------------------------------------------


def _get(
    url: str, policy: FetchPolicy | None = None, resolver: Resolver = system_resolver
) -> FetchResponse:
    async def go() -> FetchResponse:
        policy_ = policy or FetchPolicy(allow_networks=LOOPBACK)
        async with GuardedClient(policy_, resolver=resolver) as client:
            return await client.get(url)

    return asyncio.run(go())


async def _hermetic_resolver(host: str, port: int) -> list[str]:
    """Answers like a resolver would for localhost, and never for a literal address."""
    if host == "localhost":
        return ["127.0.0.1", "::1"]
    raise AssertionError(f"{host!r} is an address, not a name: it must not be resolved")


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "blocked"),
        ("http://[::1]:{port}/ok", "blocked"),
        ("http://[::ffff:127.0.0.1]:{port}/ok", "blocked"),
        ("http://0.0.0.0:{port}/ok", "blocked"),
        ("http://2130706433:{port}/ok", "blocked"),
        ("http://0x7f.0.0.1:{port}/ok", "blocked"),
        ("http://0x7f000001:{port}/ok", "blocked"),
        ("http://127.1:{port}/ok", "blocked"),
        ("http://127.0.0.1.:{port}/ok", "blocked"),
        ("http://localhost:{port}/ok", "blocked"),
        ("http://0177.0.0.1:{port}/ok", "bad_url"),  # httpx refuses leading zeros
        ("http://1.2.3.4.5:{port}/ok", "bad_url"),
        ("http://feeds.123:{port}/ok", "bad_url"),  # a numeric last label means IPv4
        ("gopher://127.0.0.1:{port}/ok", "bad_url"),
    ],
)
def test_redirect_to_a_forbidden_address_is_refused_before_connecting(
    loopback: LoopbackServer, target: str, kind: str
) -> None:
    loopback.routes["/r"] = Reply(302, b"", {"Location": target.format(port=loopback.port)})
    loopback.routes["/ok"] = Reply(200, GOOD)
    # Only the starting origin is allowed; every other spelling of loopback must be caught.
    policy = FetchPolicy(allow_origins=frozenset({("127.0.0.1", loopback.port)}))
    with pytest.raises(FetchError) as err:
        _get(loopback.url("/r"), policy, _hermetic_resolver)
    assert err.value.kind == kind
    assert [path for path, _headers in loopback.requests] == ["/r"]


@pytest.mark.parametrize("host", ["2130706433", "0x7f.0.0.1", "0x7f000001", "127.1", "127.0.0.1."])
def test_numeric_ip_spellings_connect_where_they_were_checked(
    loopback: LoopbackServer, host: str
) -> None:
    loopback.routes["/ok"] = Reply(200, GOOD)
    response = _get(f"http://{host}:{loopback.port}/ok", resolver=_hermetic_resolver)
    assert response.content == GOOD
    assert loopback.requests[0][1]["host"] == f"{host}:{loopback.port}"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0xa9fea9fe", "169.254.169.254"),
        ("::1", "::1"),
        ("feeds.example", None),
        ("1x.example", None),
    ],
)
def test_ip_literal_spellings(host: str, address: str | None) -> None:
    assert _ip_literal(host, "http://" + host) == address


@pytest.mark.parametrize("host", ["256.0.0.1", "1.2.3.4.5", "0x1ffffffff", "09.0.0.1", "a.0x"])
def test_malformed_numeric_hosts_are_bad_urls(host: str) -> None:
    with pytest.raises(FetchError) as err:
        _ip_literal(host, "http://" + host)
    assert err.value.kind == "bad_url"


def test_permanent_redirect_loop_is_a_redirect_error(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = Reply(301, b"", {"Location": "/a"})
    with pytest.raises(FetchError) as err:
        _get(loopback.url("/a"))
    assert err.value.kind == "redirects"
    assert len(loopback.requests) == 6  # the first request and five redirects, no more


def test_permanent_url_only_for_an_all_permanent_chain(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = Reply(308, b"", {"Location": "/b"})
    loopback.routes["/b"] = Reply(301, b"", {"Location": "/c"})
    loopback.routes["/c"] = Reply(200, GOOD)
    loopback.routes["/x"] = Reply(301, b"", {"Location": "/y"})
    loopback.routes["/y"] = Reply(307, b"", {"Location": "/c"})
    assert _get(loopback.url("/a")).permanent_url == loopback.url("/c")
    assert _get(loopback.url("/x")).permanent_url == ""


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_reported_not_acted_on(loopback: LoopbackServer, status: int) -> None:
    loopback.routes["/busy"] = Reply(status, b"slow down", {"Retry-After": "120"})
    response = _get(loopback.url("/busy"))
    assert (response.status, response.headers["retry-after"]) == (status, "120")
    assert len(loopback.requests) == 1  # no retry behind the caller's back


def test_gone_is_reported(loopback: LoopbackServer) -> None:
    loopback.routes["/gone"] = Reply(410, b"")
    assert _get(loopback.url("/gone")).status == 410


# --- DNS pinning ----------------------------------------------------------------------------


class RebindingResolver:
    """Says 127.0.0.1 for feeds.test once, then points it at the metadata service."""

    def __init__(self, first: list[str] | None = None) -> None:
        self.calls: list[str] = []
        self.first = first or ["127.0.0.1"]

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host != "feeds.test":
            raise FetchError("dns", f"The host name {host!r} could not be resolved.")
        return self.first if len(self.calls) == 1 else ["169.254.169.254"]


def test_connection_goes_to_the_checked_address(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = Reply(200, GOOD)
    resolver = RebindingResolver()
    # feeds.test exists only in this resolver: without pinning httpx would look it up
    # again itself (and fail, or worse, follow the rebinding answer).
    response = _get(f"http://feeds.test:{loopback.port}/feed", resolver=resolver)
    assert response.content == GOOD
    assert resolver.calls == ["feeds.test"]
    assert loopback.requests[0][1]["host"] == f"feeds.test:{loopback.port}"


def test_every_fetch_checks_again(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = Reply(200, GOOD)
    resolver = RebindingResolver()
    url = f"http://feeds.test:{loopback.port}/feed"

    async def go() -> FetchError:
        async with GuardedClient(FetchPolicy(allow_networks=LOOPBACK), resolver=resolver) as c:
            assert (await c.get(url)).status == 200
            with pytest.raises(FetchError) as err:
                await c.get(url)  # same origin, kept-alive connection: still checked first
            return err.value

    assert asyncio.run(go()).kind == "blocked"
    assert len(loopback.requests) == 1


def test_all_checked_addresses_are_tried_in_order(loopback: LoopbackServer) -> None:
    loopback.routes["/feed"] = Reply(200, GOOD)
    # Nothing listens on 127.0.0.2 at this port: the connection moves on to 127.0.0.1.
    resolver = RebindingResolver(first=["127.0.0.2", "127.0.0.1"])
    assert _get(f"http://feeds.test:{loopback.port}/feed", resolver=resolver).status == 200


def test_an_unchecked_host_is_never_connected(loopback: LoopbackServer) -> None:
    async def go() -> None:
        await PinnedBackend().connect_tcp("127.0.0.1", loopback.port)

    with pytest.raises(httpcore.ConnectError):
        asyncio.run(go())


# --- per-host concurrency -------------------------------------------------------------------


class InFlight:
    """A slow route that records the most requests it ever served at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, _handler: BaseHTTPRequestHandler) -> Reply:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.seconds)
        with self._lock:
            self.now -= 1
        return Reply(200, GOOD)


def _concurrent(url: str, count: int, policy: FetchPolicy) -> list[FetchResponse]:
    async def go() -> list[FetchResponse]:
        async with GuardedClient(policy) as client:
            return list(await asyncio.gather(*(client.get(url) for _ in range(count))))

    return asyncio.run(go())


@pytest.mark.parametrize("per_host", [2, 3])
def test_per_host_limit(loopback: LoopbackServer, per_host: int) -> None:
    route = InFlight(0.15)
    loopback.routes["/slow"] = route
    policy = FetchPolicy(allow_networks=LOOPBACK, per_host=per_host)
    responses = _concurrent(loopback.url("/slow"), 6, policy)
    assert [r.status for r in responses] == [200] * 6
    assert route.most == per_host


def test_default_per_host_limit_is_two() -> None:
    assert FetchPolicy().per_host == 2


def test_waiting_for_a_host_slot_does_not_use_up_the_deadline(loopback: LoopbackServer) -> None:
    loopback.routes["/slow"] = InFlight(0.3)
    # Three in a row take 0.9 s, past the 0.7 s deadline; each one alone is well within it.
    policy = FetchPolicy(allow_networks=LOOPBACK, per_host=1, timeout=0.7)
    responses = _concurrent(loopback.url("/slow"), 3, policy)
    assert [r.status for r in responses] == [200] * 3
