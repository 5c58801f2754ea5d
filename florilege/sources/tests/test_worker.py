"""One worker cycle against a real loopback server."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from florilege.jobs.runtime import WorkerRuntime
from florilege.jobs.worker import run_cycle
from florilege.lib.http import FetchResponse
from florilege.sources.models import Entry, Source
from florilege.sources.services.fetch import FetchOutcome
from florilege.sources.tests.feeds import three_items
from florilege.sources.worker import FetchReport, lease_due, record_fetched
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import Topic, TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def feed_reply(body: bytes) -> Reply:
    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
    return Reply(
        200,
        body,
        {
            "Content-Type": "application/rss+xml",
            "ETag": etag,
            "Last-Modified": "Mon, 02 Mar 2026 10:00:00 GMT",
        },
    )


def conditional(body: bytes):
    reply = feed_reply(body)

    def handler(request) -> Reply:
        if request.headers.get("If-None-Match") == reply.headers["ETag"]:
            return Reply(304, b"")
        return reply

    return handler


@pytest.fixture(autouse=True)
def followed_by(topic):
    """Workers fetch only sources that some topic follows."""
    return topic


def add(url: str, topic=None, **fields) -> Source:
    source = Source.objects.create(url=url, next_fetch_at=NOW - timedelta(seconds=1), **fields)
    TopicSource.objects.create(topic=topic or Topic.objects.get(), source=source)
    return source


def test_cycle_stores_entries_and_suggests(loopback: LoopbackServer, topic) -> None:
    loopback.routes["/feed.xml"] = conditional(three_items())
    source = add(loopback.url("/feed.xml"), topic)
    fetch = run_cycle(NOW).details["fetch"]
    assert (fetch.fetched, fetch.new_entries, fetch.errors) == (1, 3, [])
    source.refresh_from_db()
    assert source.etag and source.last_modified and source.error_count == 0
    assert source.next_fetch_at > NOW and source.leased_until is None
    assert source.title == "Test feed"
    suggestions = Suggestion.objects.filter(topic=topic).order_by("-score")
    assert suggestions.count() == 3
    # Keywords in the title ("Mastodon", "Moderation" ~ "modération") outrank a title
    # without one; every summary mentions the fediverse.
    assert {s.entry.title for s in suggestions[:2]} == {
        "Mastodon grows again",
        "Moderation at scale",
    }
    assert suggestions[2].entry.title == "A quiet week"
    assert suggestions[2].reasons["keywords"] == ["fediverse"]
    assert "modération" in suggestions.get(entry__guid="a-2").reasons["keywords"]
    assert all(s.entry.language == "en" for s in suggestions)


def test_refetch_uses_conditional_get_and_duplicates_nothing(
    loopback: LoopbackServer, topic
) -> None:
    loopback.routes["/feed.xml"] = conditional(three_items())
    source = add(loopback.url("/feed.xml"), topic)
    run_cycle(NOW)
    Source.objects.filter(pk=source.pk).update(next_fetch_at=NOW)
    report = run_cycle(NOW + timedelta(hours=1))
    assert report.details["fetch"].new_entries == 0
    assert loopback.requests[-1][1]["if-none-match"] == Source.objects.get().etag
    source.refresh_from_db()
    assert source.last_status == 304
    assert Entry.objects.count() == 3 and Suggestion.objects.count() == 3


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(200, b"<rss><channel><item><title>broken", {"Content-Type": "application/xml"}), ""),
        (Reply(404, b"nope"), "404 Not Found"),
        (
            Reply(200, b"<html><body>Hello</body></html>", {"Content-Type": "text/html"}),
            "text/html",
        ),
        (Reply(500, b"oops"), "500"),
        (Reply(200, b"[1, 2, 3]", {"Content-Type": "application/json"}), "readable feed"),
    ],
)
def test_broken_feeds_record_an_error_and_the_cycle_goes_on(
    loopback: LoopbackServer, reply: Reply, message: str
) -> None:
    loopback.routes["/bad"] = reply
    loopback.routes["/good"] = feed_reply(three_items())
    bad = add(loopback.url("/bad"))
    good = add(loopback.url("/good"))
    run_cycle(NOW)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.entry_count == 3 and good.last_error == ""
    if message:
        assert message in bad.last_error
        assert bad.error_count == 1
        assert bad.next_fetch_at > NOW
    else:  # truncated XML is read as far as it goes, and flagged
        assert bad.last_error.startswith("Read in part")


def test_timeout_backs_off(loopback: LoopbackServer, settings) -> None:
    def slow(_request) -> Reply:
        time.sleep(1.2)
        return feed_reply(three_items())

    loopback.routes["/slow"] = slow
    settings.CONFIG = replace(settings.CONFIG, FETCH_TIMEOUT=0.4)
    source = add(loopback.url("/slow"))
    run_cycle(NOW)
    run_after_first = Source.objects.get(pk=source.pk)
    assert "No complete answer" in run_after_first.last_error
    Source.objects.filter(pk=source.pk).update(next_fetch_at=NOW)
    run_cycle(NOW)
    second = Source.objects.get(pk=source.pk)
    assert second.error_count == 2
    assert (second.next_fetch_at - NOW) > (run_after_first.next_fetch_at - NOW) * 1.5


def test_gone_disables_the_source(loopback: LoopbackServer) -> None:
    loopback.routes["/gone"] = Reply(410, b"")
    source = add(loopback.url("/gone"))
    run_cycle(NOW)
    source.refresh_from_db()
    assert not source.enabled and "410" in source.disabled_reason


def test_permanent_redirect_moves_the_source(loopback: LoopbackServer) -> None:
    loopback.routes["/old"] = Reply(301, b"", {"Location": "/new"})
    loopback.routes["/new"] = feed_reply(three_items())
    source = add(loopback.url("/old"))
    run_cycle(NOW)
    source.refresh_from_db()
    assert source.url == loopback.url("/new")


def test_retry_after_is_honoured(loopback: LoopbackServer) -> None:
    loopback.routes["/busy"] = Reply(429, b"", {"Retry-After": "7200"})
    source = add(loopback.url("/busy"))
    run_cycle(NOW)
    source.refresh_from_db()
    assert source.next_fetch_at - NOW >= timedelta(seconds=7200 * 0.9)


def test_leases_are_exclusive_and_expire() -> None:
    for i in range(3):
        add(f"https://n{i}.example/feed")
    first = lease_due(NOW, 2, "w1")
    second = lease_due(NOW, 10, "w2")
    assert len(first) == 2 and len(second) == 1
    assert not {s.pk for s in first} & {s.pk for s in second}
    assert lease_due(NOW, 10, "w3") == []
    # A worker that died leaves its lease to expire: the sources are due again.
    assert len(lease_due(NOW + timedelta(minutes=6), 10, "w4")) == 3


def test_disabled_future_and_unfollowed_sources_are_not_leased() -> None:
    add("https://off.example/feed", enabled=False)
    add("https://later.example/feed").__class__.objects.filter(
        url="https://later.example/feed"
    ).update(next_fetch_at=NOW + timedelta(hours=1))
    Source.objects.create(url="https://nobody.example/feed", next_fetch_at=NOW - timedelta(hours=1))
    assert lease_due(NOW, 10, "w") == []


def test_a_source_deleted_during_its_fetch_is_not_resurrected() -> None:
    source = add("https://gone.example/feed.xml")
    [leased] = lease_due(NOW, 10, "w")
    Source.objects.filter(pk=source.pk).delete()  # unfollowed while the fetch was under way
    response = FetchResponse(
        source.url, 200, {"content-type": "application/rss+xml"}, three_items()
    )
    report = FetchReport()
    outcome = FetchOutcome(leased.pk, response=response)
    assert record_fetched(leased, outcome, NOW, report, owner=leased.lease_owner or "w") == 0
    assert not Source.objects.exists() and not Entry.objects.exists()


def test_a_redirect_to_an_invalid_port_is_a_source_error(loopback: LoopbackServer) -> None:
    loopback.routes["/r"] = Reply(302, b"", {"Location": "http://127.0.0.1:99999/x"})
    loopback.routes["/ok"] = feed_reply(three_items())
    bad, good = add(loopback.url("/r")), add(loopback.url("/ok"))
    run_cycle(NOW)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert "invalid port" in bad.last_error and bad.leased_until is None
    assert good.entry_count == 3


def test_permanent_redirect_to_an_error_does_not_move(loopback: LoopbackServer) -> None:
    loopback.routes["/old"] = Reply(301, b"", {"Location": "/missing"})
    source = add(loopback.url("/old"))
    run_cycle(NOW)
    source.refresh_from_db()
    assert source.url == loopback.url("/old") and "404" in source.last_error


def test_a_worker_whose_lease_was_taken_over_records_nothing() -> None:
    source = add("https://slow.example/feed.xml")
    [leased] = lease_due(NOW, 10, "first")
    # The first worker was too slow: its lease ran out and a second worker took the source.
    Source.objects.filter(pk=source.pk).update(lease_owner="second")
    response = FetchResponse(
        source.url, 200, {"content-type": "application/rss+xml"}, three_items()
    )
    outcome = FetchOutcome(leased.pk, response=response)
    assert record_fetched(leased, outcome, NOW, FetchReport(), owner="first") == 0
    source.refresh_from_db()
    assert source.lease_owner == "second" and source.last_fetched_at is None
    assert not Entry.objects.exists()


@pytest.mark.parametrize("status", [304, 404, 503])
def test_a_taken_lease_also_guards_outcomes_that_store_no_entries(status: int) -> None:
    # Unchanged feeds and failures are recorded by one conditional UPDATE, not a transaction.
    source = add("https://slow.example/feed.xml")
    [leased] = lease_due(NOW, 10, "first")
    Source.objects.filter(pk=source.pk).update(lease_owner="second")
    outcome = FetchOutcome(leased.pk, response=FetchResponse(source.url, status, {}, b""))
    assert record_fetched(leased, outcome, NOW, FetchReport(), owner="first") == 0
    source.refresh_from_db()
    assert source.lease_owner == "second" and source.last_fetched_at is None
    assert source.error_count == 0


def test_an_unchanged_feed_is_recorded_and_released_by_its_lease_holder() -> None:
    source = add("https://calm.example/feed.xml")
    [leased] = lease_due(NOW, 10, "first")
    outcome = FetchOutcome(leased.pk, response=FetchResponse(source.url, 304, {}, b""))
    assert record_fetched(leased, outcome, NOW, FetchReport(), owner="first") == 0
    source.refresh_from_db()
    assert source.last_status == 304 and source.last_fetched_at == NOW
    assert source.lease_owner == "" and source.leased_until is None
    assert source.next_fetch_at is not None and source.next_fetch_at > NOW


def test_worker_runtime_keeps_connections_between_cycles(
    loopback: LoopbackServer, settings
) -> None:
    ports: list[int] = []

    def answer(request) -> Reply:
        ports.append(request.client_address[1])
        return Reply(304, b"")

    loopback.routes["/feed.xml"] = answer
    source = add(loopback.url("/feed.xml"))
    runtime = WorkerRuntime()
    try:
        for minutes in (0, 10, 20):
            Source.objects.filter(pk=source.pk).update(next_fetch_at=NOW)
            run_cycle(NOW + timedelta(minutes=minutes), runtime=runtime)
        assert len(ports) == 3 and len(set(ports)) == 1  # one kept-alive connection
        # New settings, new client (and connection).
        settings.CONFIG = replace(settings.CONFIG, FETCH_TIMEOUT=9.0)
        Source.objects.filter(pk=source.pk).update(next_fetch_at=NOW)
        run_cycle(NOW + timedelta(minutes=30), runtime=runtime)
        assert len(ports) == 4 and ports[3] != ports[0]
    finally:
        runtime.close()
