"""Full text from article pages, for sources whose feeds carry only summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from florilege.jobs.worker import run_cycle
from florilege.sources.models import Entry, Source
from florilege.sources.tests.feeds import rss
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ARTICLE = """<html lang="en"><head><title>A story</title>
<meta property="og:image" content="/cover.png"></head><body><nav>Home | About</nav>
<article><h1>A story</h1><p>{body}</p><p>Second paragraph with more details about it.</p>
</article><footer>Copyright</footer></body></html>"""


def body(i: int) -> bytes:
    text = f"Paragraph {i} of the article tells the whole story in many words. " * 12
    return ARTICLE.format(body=text).encode()


def follow(topic, url: str, full_text: bool) -> Source:
    source = Source.objects.create(url=url, full_text=full_text, next_fetch_at=NOW - timedelta(1))
    TopicSource.objects.create(topic=topic, source=source)
    return source


def test_full_text_and_image_come_from_the_page(loopback: LoopbackServer, topic) -> None:
    items = [(f"g{i}", f"Story {i}", loopback.url(f"/a/{i}")) for i in range(3)]
    loopback.routes["/feed.xml"] = Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
    for i in range(2):
        html = Reply(200, body(i), {"Content-Type": "text/html; charset=utf-8"})
        loopback.routes[f"/a/{i}"] = html
    # /a/2 is missing: a 404 is recorded and not retried
    follow(topic, loopback.url("/feed.xml"), full_text=True)
    report = run_cycle(NOW)
    assert report["full_text"] == 2
    entry = Entry.objects.get(guid="g0")
    assert "Paragraph 0 of the article" in entry.content and entry.content.startswith("<p>")
    assert "Copyright" not in entry.content
    assert entry.image_url == loopback.url("/cover.png")
    failed = Entry.objects.get(guid="g2")
    assert failed.content == "" and failed.extracted_at is not None
    requests_before = len(loopback.requests)
    assert run_cycle(NOW + timedelta(minutes=1))["full_text"] == 0
    assert len(loopback.requests) == requests_before  # nothing fetched again


def test_sources_without_the_option_fetch_no_pages(loopback: LoopbackServer, topic) -> None:
    items = [("g0", "Story", loopback.url("/a/0"))]
    loopback.routes["/feed.xml"] = Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
    loopback.routes["/a/0"] = Reply(200, body(0), {"Content-Type": "text/html"})
    follow(topic, loopback.url("/feed.xml"), full_text=False)
    run_cycle(NOW)
    assert [path for path, _ in loopback.requests] == ["/feed.xml"]
    assert Entry.objects.get().extracted_at is None


def test_the_pages_canonical_link_is_recorded_and_groups_the_story(
    loopback: LoopbackServer, topic
) -> None:
    from florilege.suggestions.models import StoryMember

    page = body(0).replace(b"<title>", b'<link rel="canonical" href="/news/harbour-bridge"><title>')
    html = {"Content-Type": "text/html; charset=utf-8"}
    loopback.routes["/r/123?utm_source=feed"] = Reply(200, page, html)
    wrapped = [("g0", "Bridge closes", loopback.url("/r/123?utm_source=feed"))]
    direct = [("h0", "Harbour bridge closes", loopback.url("/news/harbour-bridge"))]
    for path, items in (("/wrapped.xml", wrapped), ("/direct.xml", direct)):
        loopback.routes[path] = Reply(200, rss(items), {"Content-Type": "application/rss+xml"})
    follow(topic, loopback.url("/wrapped.xml"), full_text=True)
    follow(topic, loopback.url("/direct.xml"), full_text=False)
    assert run_cycle(NOW)["full_text"] == 1
    redirected, canonical = Entry.objects.get(guid="g0"), Entry.objects.get(guid="h0")
    assert redirected.canonical_url == loopback.url("/news/harbour-bridge")
    members = {m.entry_id: m for m in StoryMember.objects.all()}
    assert members[redirected.pk].story_id == members[canonical.pk].story_id
    assert "url" in {members[redirected.pk].reason, members[canonical.pk].reason}


def test_workers_claim_different_pages_and_a_lost_claim_comes_back(topic) -> None:
    from django.conf import settings

    from florilege.sources.services.fulltext import PageOutcome, apply_page, claim

    source = follow(topic, "https://news.example/feed.xml", full_text=True)
    for i in range(5):
        Entry.objects.create(
            source=source, key=f"k{i}", url=f"https://news.example/a/{i}", fetched_at=NOW
        )
    # Two workers in the same cycle: the second gets only what the first did not take.
    first, second = claim(NOW, 3), claim(NOW, 10)
    assert len(first) == 3 and len(second) == 2
    assert not {e.pk for e in first} & {e.pk for e in second}
    assert claim(NOW, 10) == []
    # The first worker finishes one page and dies holding the others.
    apply_page(PageOutcome(first[0], error="The page answered 404."), NOW)
    expired = NOW + timedelta(seconds=settings.CONFIG.WORKER_LEASE_SECONDS + 1)
    assert {e.pk for e in claim(expired, 10)} == {e.pk for e in first[1:]} | {e.pk for e in second}
