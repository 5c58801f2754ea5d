"""Two sources with the same name can be told apart wherever sources are listed or
filtered: their address (host and path, shortened) is shown beside the name, the full feed
address in the ``title``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from florilege.curation.models import AutomationRule
from florilege.curation.source_labels import source_choice, source_host
from florilege.curation.tests.flow_helpers import entry, suggestion
from florilege.sources.models import Source
from florilege.topics.models import TopicSource

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "title", "host", "choice"),
    [
        (
            "https://www.example.org/blog/feed/",
            "Blog",
            "example.org/blog/feed",
            "Blog — example.org/blog/feed",
        ),
        (
            "https://example.org/comments/feed",
            "Blog",
            "example.org/comments/feed",
            "Blog — example.org/comments/feed",
        ),
        ("https://example.org", "Blog", "example.org", "Blog — example.org"),
        # No name: the name shown is the address already.
        ("https://example.org/feed", "", "example.org/feed", "https://example.org/feed"),
        # A long path keeps its last segments, which is where two feeds of a site differ.
        (
            "http://127.0.0.1:8000/demo/feeds/open-social-weekly.atom.xml",
            "Open Social Weekly",
            "127.0.0.1/…/open-social-weekly.atom.xml",
            "Open Social Weekly — 127.0.0.1/…/open-social-weekly.atom.xml",
        ),
        (
            "https://x.example/" + "a" * 50,
            "X",
            "x.example/…/" + "a" * 31,
            "X — x.example/…/" + "a" * 31,
        ),
        ("not an address", "Odd", "not an address", "Odd — not an address"),
    ],
)
def test_labels(url, title, host, choice) -> None:
    source = Source(url=url, title=title)
    assert source_host(source) == host
    assert source_choice(source) == choice


@pytest.fixture
def twins(topic) -> list[Source]:
    """Two feeds of one site, both called "Blog"."""
    sources = [
        Source.objects.create(url=f"https://blog.example/{path}", title="Blog")
        for path in ("posts/feed", "comments/feed")
    ]
    for source in sources:
        TopicSource.objects.create(topic=topic, source=source)
    return sources


@pytest.mark.django_db
def test_same_named_sources_are_told_apart_on_every_page(client_in, topic, twins) -> None:
    posts, comments = twins
    suggestion(topic, entry(posts, "p1", "A post", fetched_at=NOW))
    suggestion(topic, entry(comments, "c1", "A comment", fetched_at=NOW))
    AutomationRule.objects.create(
        topic=topic, name="Comments", action="discard", source_ids=[comments.pk]
    )
    pages = {
        name: client_in.get(reverse(name, args=[topic.slug])).content.decode()
        for name in ("curation:queue", "curation:sources", "curation:rules", "curation:items")
    }
    # The queue's source filter and the items' one: "Name — address".
    for name in ("curation:queue", "curation:items"):
        assert "Blog — blog.example/posts/feed</option>" in pages[name]
        assert "Blog — blog.example/comments/feed</option>" in pages[name]
    # The cards' source line, the sources page: the address, the full URL on hover.
    for name in ("curation:queue", "curation:sources", "curation:items"):
        for source in twins:
            address = source_host(source)
            assert f'title="{source.url}">{address}</small>' in pages[name], (name, address)
    # A rule that names a source, and the rule form's list of sources.
    assert "from: Blog — blog.example/comments/feed;" in pages["curation:rules"]
    assert pages["curation:rules"].count("Blog — blog.example/posts/feed") == 1
