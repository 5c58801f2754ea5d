"""The guarded client against a real loopback server."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress

import pytest

from florilege.lib.http import (
    FetchError,
    FetchPolicy,
    FetchResponse,
    GuardedClient,
    LaneTransport,
    address_allowed,
)
from florilege.testing import LoopbackServer, Reply

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


def get(
    url: str, policy: FetchPolicy | None = None, headers: dict[str, str] | None = None
) -> FetchResponse:
    async def go() -> FetchResponse:
        async with GuardedClient(policy or FetchPolicy(allow_networks=LOOPBACK)) as client:
            return await client.get(url, headers)

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.0.0.5", False),
        ("172.16.3.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_address_policy(address: str, allowed: bool) -> None:
    assert address_allowed(address, ()) is allowed


def test_allow_list_opens_a_range() -> None:
    assert address_allowed("127.0.0.1", LOOPBACK)
    assert not address_allowed("10.0.0.1", LOOPBACK)


def test_loopback_refused_without_allow_list(loopback: LoopbackServer) -> None:
    loopback.routes["/"] = Reply(200, b"hi")
    with pytest.raises(FetchError) as err:
        get(loopback.url("/"), FetchPolicy())
    assert err.value.kind == "blocked"
    assert loopback.requests == []


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/x", "file:///etc/passwd", "http:///nohost", "http://user:pw@127.0.0.1/"],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(FetchError) as err:
        get(url)
    assert err.value.kind == "bad_url"


def test_redirect_to_metadata_address_is_refused(loopback: LoopbackServer) -> None:
    loopback.routes["/r"] = Reply(302, b"", {"Location": "http://169.254.169.254/latest/meta-data"})
    with pytest.raises(FetchError) as err:
        get(loopback.url("/r"))
    assert err.value.kind == "blocked"


def test_redirect_limit_and_loop(loopback: LoopbackServer) -> None:
    loopback.routes["/a"] = Reply(302, b"", {"Location": "/b"})
    loopback.routes["/b"] = Reply(302, b"", {"Location": "/a"})
    with pytest.raises(FetchError) as err:
        get(loopback.url("/a"))
    assert err.value.kind == "redirects"


def test_permanent_redirect_is_reported(loopback: LoopbackServer) -> None:
    loopback.routes["/old"] = Reply(301, b"", {"Location": "/new"})
    loopback.routes["/new"] = Reply(200, b"ok")
    response = get(loopback.url("/old"))
    assert response.status == 200
    assert response.permanent_url == loopback.url("/new")


def test_temporary_redirect_does_not_move(loopback: LoopbackServer) -> None:
    loopback.routes["/old"] = Reply(302, b"", {"Location": "/new"})
    loopback.routes["/new"] = Reply(200, b"ok")
    assert get(loopback.url("/old")).permanent_url == ""


def test_size_cap_counts_decompressed_bytes(loopback: LoopbackServer) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    loopback.routes["/bomb"] = Reply(200, bomb, {"Content-Encoding": "gzip"})
    with pytest.raises(FetchError) as err:
        get(loopback.url("/bomb"), FetchPolicy(allow_networks=LOOPBACK, max_bytes=1_000_000))
    assert err.value.kind == "too_large"
    assert len(bomb) < 1_000_000  # the compressed body alone would have passed


def test_declared_length_over_cap(loopback: LoopbackServer) -> None:
    loopback.routes["/big"] = Reply(200, b"x" * 2000)
    with pytest.raises(FetchError) as err:
        get(loopback.url("/big"), FetchPolicy(allow_networks=LOOPBACK, max_bytes=1000))
    assert err.value.kind == "too_large"


def test_timeout(loopback: LoopbackServer) -> None:
    import time

    def slow(_handler: object) -> Reply:
        time.sleep(1.5)
        return Reply(200, b"late")

    loopback.routes["/slow"] = slow
    with pytest.raises(FetchError) as err:
        get(loopback.url("/slow"), FetchPolicy(allow_networks=LOOPBACK, timeout=0.5))
    assert err.value.kind == "timeout"


def test_sends_user_agent_and_conditional_headers(loopback: LoopbackServer) -> None:
    loopback.routes["/f"] = Reply(304, b"")
    response = get(loopback.url("/f"), headers={"If-None-Match": '"abc"'})
    assert response.status == 304
    _path, headers = loopback.requests[0]
    assert headers["if-none-match"] == '"abc"'
    assert headers["user-agent"].startswith("Florilege/")


def test_invalid_port_in_a_redirect_is_a_fetch_error(loopback: LoopbackServer) -> None:
    loopback.routes["/r"] = Reply(302, b"", {"Location": "http://127.0.0.1:99999/x"})
    with pytest.raises(FetchError) as err:
        get(loopback.url("/r"))
    assert err.value.kind == "bad_url"


def test_allowed_origin_skips_the_address_check_for_that_port_only(
    loopback: LoopbackServer,
) -> None:
    loopback.routes["/feed"] = Reply(200, b"ok")
    policy = FetchPolicy(allow_origins=frozenset({("127.0.0.1", loopback.port)}))
    assert get(loopback.url("/feed"), policy).status == 200
    with pytest.raises(FetchError) as err:
        get(f"http://127.0.0.1:{loopback.port + 1}/feed", policy)
    assert err.value.kind == "blocked"


def test_post_sends_the_form_and_does_not_follow_redirects() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(302 if self.path == "/moved" else 202)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    async def go() -> tuple[int, int]:
        async with GuardedClient(FetchPolicy(allow_networks=LOOPBACK)) as client:
            ok = await client.post(base + "/hub", {"hub.mode": "subscribe", "a": "b c"})
            moved = await client.post(base + "/moved", {"x": "1"})
            return ok.status, moved.status

    try:
        assert asyncio.run(go()) == (202, 302)
        assert seen[0] == b"hub.mode=subscribe&a=b+c" and len(seen) == 2
        with pytest.raises(FetchError) as err:
            asyncio.run(GuardedClient(FetchPolicy()).post(base + "/hub", {}))
        assert err.value.kind == "blocked"
    finally:
        server.shutdown()
        server.server_close()


def test_connections_to_one_origin_are_spread_over_small_pools_and_kept(
    loopback: LoopbackServer,
) -> None:
    import threading
    import time

    ports: list[int] = []
    lock = threading.Lock()

    def slow(request) -> Reply:
        with lock:
            ports.append(request.client_address[1])
        time.sleep(0.05)  # long enough for all ten to be in flight together
        return Reply(200, b"ok")

    loopback.routes["/slow"] = slow
    policy = FetchPolicy(allow_networks=(ipaddress.ip_network("127.0.0.0/8"),), per_host=10)

    async def go() -> tuple[int, int]:
        async with GuardedClient(policy) as client:
            transport = client._client._transport
            assert isinstance(transport, LaneTransport)
            await asyncio.gather(*(client.get(loopback.url("/slow")) for _ in range(10)))
            await asyncio.gather(*(client.get(loopback.url("/slow")) for _ in range(10)))
            lanes = next(iter(transport._origins.values()))
            return len(lanes), max(lane.size for lane in lanes)

    lanes, size = asyncio.run(go())
    assert lanes == 3 and size == 4  # ten at once: 4 + 4 + 2 connections
    assert len(ports) == 20 and len(set(ports)) == 10  # the second round reuses all ten


def test_pools_of_origins_unused_for_longest_are_closed(loopback: LoopbackServer) -> None:
    other = LoopbackServer().start()
    try:
        loopback.routes["/a"] = Reply(200, b"a")
        other.routes["/b"] = Reply(200, b"b")

        async def go() -> list[int | None]:
            async with GuardedClient(FetchPolicy(allow_networks=LOOPBACK)) as client:
                transport = client._client._transport
                assert isinstance(transport, LaneTransport)
                transport._max_origins = 1
                first = await client.get(loopback.url("/a"))
                second = await client.get(other.url("/b"))
                assert (first.content, second.content) == (b"a", b"b")
                return [port for _, _, port in transport._origins]

        assert asyncio.run(go()) == [other.port]
    finally:
        other.stop()
