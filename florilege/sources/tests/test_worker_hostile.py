"""Hostile sources in one batch: each ends as a clear source error, the others are fine."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from florilege.jobs.runtime import PerCycle, default_client
from florilege.sources.models import Entry, Source
from florilege.sources.tests.feeds import three_items
from florilege.sources.worker import fetch_cycle
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RSS = {"Content-Type": "application/rss+xml"}

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>
<rss version="2.0"><channel><title>&f;</title><item><guid>x</guid><title>&f;</title></item>
</channel></rss>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>&x;</title>
<link>https://n.example/1</link></item></channel></rss>"""
SHIFT_JIS_PAGE = "<html><head><meta charset='shift_jis'><title>日本語のページ</title></head></html>"

HOSTILE = {
    "/two-gigabytes": (Reply(200, b"x", {**RSS, "Content-Length": "2147483648"}), "larger than"),
    "/gzip-bomb": (
        Reply(200, gzip.compress(b"<rss>" + b" " * 3_000_000), {**RSS, "Content-Encoding": "gzip"}),
        "larger than",
    ),
    "/loop-a": (Reply(302, b"", {"Location": "/loop-b"}), "redirects"),
    "/metadata": (Reply(302, b"", {"Location": "http://169.254.169.254/latest/"}), "private"),
    "/shift-jis": (
        Reply(200, SHIFT_JIS_PAGE.encode("shift_jis"), {"Content-Type": "text/html"}),
        "not return a readable feed",
    ),
    "/array.json": (
        Reply(200, b"[1, 2]", {"Content-Type": "application/feed+json"}),
        "not return a readable feed",
    ),
    "/gone": (Reply(410, b""), "410"),
}


def test_a_batch_of_hostile_sources(loopback: LoopbackServer, topic, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, FETCH_MAX_BYTES=1_000_000)
    loopback.routes["/loop-b"] = Reply(302, b"", {"Location": "/loop-a"})
    loopback.routes["/laughs"] = Reply(200, LAUGHS, RSS)
    loopback.routes["/xxe"] = Reply(200, XXE, RSS)
    loopback.routes["/good"] = Reply(200, three_items(), RSS)
    for path, (reply, _) in HOSTILE.items():
        loopback.routes[path] = reply
    paths = [*HOSTILE, "/laughs", "/xxe", "/good"]
    for path in paths:
        source = Source.objects.create(url=loopback.url(path), next_fetch_at=NOW - timedelta(1))
        TopicSource.objects.create(topic=topic, source=source)

    report = fetch_cycle(NOW, PerCycle(default_client), limit=len(paths))

    assert report.fetched == len(paths)
    by_path = {s.url.removeprefix(loopback.base): s for s in Source.objects.all()}
    for path, (_, words) in HOSTILE.items():
        source = by_path[path]
        assert words in source.last_error, (path, source.last_error)
        assert source.error_count == 1 and source.leased_until is None
        assert source.next_fetch_at > NOW
    assert by_path["/good"].entry_count == 3 and by_path["/good"].last_error == ""
    # Entity payloads are never expanded: no amplified title, no file contents.
    titles = " ".join(Entry.objects.values_list("title", flat=True))
    assert "aaaaaaaaaaaaaaaaaaaa" not in titles and "root:" not in titles
    assert len(by_path["/laughs"].title) < 100
