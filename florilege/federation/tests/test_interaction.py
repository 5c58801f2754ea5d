"""The follow box's lookups: the visitor's server's follow page, found by its WebFinger
subscribe template, else by its software (NodeInfo), else none (the account to copy).
The visitor's server is faked at the transport; every guard of the client still runs."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from django.core.cache import cache

from florilege.federation.services import interaction
from florilege.lib.http import FetchPolicy, GuardedClient

ACCOUNT = "topic@our.example"
WEBFINGER = "/.well-known/webfinger"


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def server(routes: dict[str, Any], seen: list[str] | None = None) -> Callable[[], GuardedClient]:
    """A client whose every request is answered from ``routes`` (path -> JSON or status)."""

    async def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(str(request.url))
        answer = routes.get(request.url.path, 404)
        if callable(answer):
            answer = await answer(request)
        if isinstance(answer, int):
            return httpx.Response(answer, stream=httpx.ByteStream(b""))
        # A stream, as a real transport gives: the client reads it under its size cap.
        return httpx.Response(200, stream=httpx.ByteStream(json.dumps(answer).encode()))

    async def resolve(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]  # a public address: the guards let it through

    return lambda: GuardedClient(
        FetchPolicy(timeout=10), resolver=resolve, transport=httpx.MockTransport(handle)
    )


def nodeinfo(host: str, software: str) -> dict[str, Any]:
    rel = "http://nodeinfo.diaspora.software/ns/schema/2.0"
    return {
        "/.well-known/nodeinfo": {"links": [{"rel": rel, "href": f"https://{host}/nodeinfo/2.0"}]},
        "/nodeinfo/2.0": {"version": "2.0", "software": {"name": software, "version": "1"}},
    }


def test_the_webfinger_subscribe_template_of_the_visitors_server() -> None:
    seen: list[str] = []
    template = "https://social.example/authorize_interaction?uri={uri}"
    links = {"links": [{"rel": interaction.SUBSCRIBE_REL, "template": template}]}
    client = server({WEBFINGER: links}, seen)
    url = interaction.remote_follow_url("@me@Social.Example", ACCOUNT, client())
    assert url == "https://social.example/authorize_interaction?uri=acct%3Atopic%40our.example"
    # The visitor's own account was looked up, on the server they typed.
    assert seen == [
        "https://social.example/.well-known/webfinger?resource=acct%3Ame%40social.example"
    ]


def test_a_template_on_another_host_is_ignored_and_the_software_decides() -> None:
    evil = {"rel": interaction.SUBSCRIBE_REL, "template": "https://evil.example/x?u={uri}"}
    routes = {WEBFINGER: {"links": [evil]}, **nodeinfo("misskey.example", "misskey")}
    url = interaction.remote_follow_url("misskey.example", ACCOUNT, server(routes)())
    assert url == "https://misskey.example/authorize-follow?acct=@topic@our.example"


@pytest.mark.parametrize("software", ["gotosocial", "takahe", "unknown"])
def test_servers_without_a_follow_page_get_none(software: str) -> None:
    routes = {
        WEBFINGER: {"links": [{"rel": "self", "href": "x"}]},
        **nodeinfo("g.example", software),
    }
    assert interaction.remote_follow_url("g.example", ACCOUNT, server(routes)()) == ""


def test_nodeinfo_pointing_elsewhere_and_a_broken_server_give_none() -> None:
    routes = nodeinfo("elsewhere.example", "mastodon")  # its document is on another host
    assert interaction.remote_follow_url("a.example", ACCOUNT, server(routes)()) == ""
    assert interaction.remote_follow_url("b.example", ACCOUNT, server({})()) == ""


def test_a_slow_server_costs_the_visitor_a_few_seconds_at_most() -> None:
    async def slow(request: httpx.Request) -> dict[str, Any]:
        await asyncio.sleep(30)
        return {}

    client = server({WEBFINGER: slow, "/.well-known/nodeinfo": slow})
    started = time.monotonic()
    assert interaction.remote_follow_url("slow.example", ACCOUNT, client()) == ""
    assert time.monotonic() - started < interaction.LOOKUP_SECONDS + 1


def test_the_result_is_cached_per_server() -> None:
    seen: list[str] = []
    client = server(nodeinfo("m.example", "mastodon"), seen)
    first = interaction.remote_follow_url("m.example", ACCOUNT, client())
    assert first == "https://m.example/authorize_interaction?uri=acct%3Atopic%40our.example"
    count = len(seen)
    assert interaction.remote_follow_url("m.example", "other@our.example", client()) == (
        "https://m.example/authorize_interaction?uri=acct%3Aother%40our.example"
    )
    assert len(seen) == count


@pytest.mark.parametrize(
    "bad", ["", "javascript:alert(1)", "no spaces allowed.com x", "a/b", "me@", "127.0.0.1"]
)
def test_what_is_not_a_server_name_is_refused(bad: str) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        interaction.visitor_server(bad)


def test_one_visitor_cannot_make_us_look_up_servers_without_end() -> None:
    seen: list[str] = []
    client = server(nodeinfo("n0.example", "mastodon"), seen)
    for n in range(interaction.LOOKUPS_PER_MINUTE):
        interaction.remote_follow_url(f"n{n}.example", ACCOUNT, client(), visitor="198.51.100.7")
    count = len(seen)
    assert count >= interaction.LOOKUPS_PER_MINUTE
    late = interaction.remote_follow_url("late.example", ACCOUNT, client(), visitor="198.51.100.7")
    assert late == "" and len(seen) == count  # no request made
    # A server looked up before still works, and other visitors are not held back.
    assert interaction.remote_follow_url("n0.example", ACCOUNT, visitor="198.51.100.7")
    other = interaction.remote_follow_url("late.example", ACCOUNT, client(), visitor="192.0.2.1")
    assert other == "" and len(seen) > count
