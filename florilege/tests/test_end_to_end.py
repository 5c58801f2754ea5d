"""The whole loop: a feed on a loopback server → source → worker → queue → scoop → page, feed."""

from __future__ import annotations

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.jobs.worker import run_cycle
from florilege.sources.models import Source
from florilege.sources.tests.feeds import rss
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply, must_search

pytestmark = pytest.mark.django_db

FIRST = [("e1", "Bluesky opens federation", "https://news.example/bluesky")]
SECOND = [*FIRST, ("e2", "Mastodon 5 ships quote posts", "https://news.example/mastodon-5")]


def test_sources_to_public_page(client, curator, loopback: LoopbackServer) -> None:
    client.force_login(curator)
    loopback.routes["/feed.xml"] = Reply(200, rss(FIRST), {"Content-Type": "application/rss+xml"})

    # The curator creates a topic and follows the feed.
    client.post(
        reverse("curation:topic_create"),
        {
            "title": "Fediverse watch",
            "slug": "fediverse-watch",
            "description": "Open social web.",
            "languages": "en",
            "keywords": "mastodon, fediverse",
        },
    )
    client.post(
        reverse("curation:sources", args=["fediverse-watch"]), {"url": loopback.url("/feed.xml")}
    )
    assert Suggestion.objects.count() == 1

    # The feed publishes a new item; one worker cycle brings it into the queue.
    loopback.routes["/feed.xml"] = Reply(200, rss(SECOND), {"Content-Type": "application/rss+xml"})
    Source.objects.update(next_fetch_at=timezone.now())
    report = run_cycle()
    fetch = report.details["fetch"]
    assert (fetch.fetched, fetch.new_entries, fetch.errors, report.failed) == (1, 1, [], {})

    queue = client.get(reverse("curation:queue", args=["fediverse-watch"])).content.decode()
    assert queue.index("Mastodon 5 ships quote posts") < queue.index("Bluesky opens federation")
    # The card links to the full form with where to come back to (?next=...).
    scoop_path = must_search(r'href="(/curate/t/fediverse-watch/scoop/\d+/)[?"]', queue).group(1)

    # Scoop it with an insight.
    form = client.get(scoop_path).content.decode()
    assert 'value="Mastodon 5 ships quote posts"' in form
    response = client.post(
        scoop_path,
        {
            "url": "https://news.example/mastodon-5",
            "title": "Mastodon 5 ships quote posts",
            "excerpt": "Quote posts arrive.",
            "insight": "Quote posts were the **most requested** feature.",
            "tags": "mastodon",
            "image_url": "",
            "source_name": "Test feed",
            "language": "en",
        },
    )
    assert response.status_code == 302
    client.logout()

    # A reader sees it on the public page and in the Atom feed.
    page = client.get(
        reverse("publishing:topic", args=["fediverse-watch"]), HTTP_USER_AGENT="Firefox"
    )
    body = page.content.decode()
    assert "Mastodon 5 ships quote posts" in body
    assert "<strong>most requested</strong>" in body
    assert 'Scooped by <a href="/u/curator/">curator</a>' in body
    assert "1 view | +1 today" in body

    atom = feedparser.parse(
        client.get(reverse("publishing:feed", args=["fediverse-watch", "atom"])).content
    )
    assert not atom.bozo
    assert [e.title for e in atom.entries] == ["Mastodon 5 ships quote posts"]
    assert "<strong>most requested</strong>" in atom.entries[0].content[0].value
    assert atom.entries[0].link.startswith("http://127.0.0.1:8000/t/fediverse-watch/s/")
