"""Adding a feed with hostile content answers a page, never a server error."""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.urls import reverse

from florilege.sources.models import Entry, Source
from florilege.sources.tests.feeds import (
    ATOM_FORBIDDEN_REFS,
    JSON_SURROGATE_AND_NUL,
    RSS_FORBIDDEN_REFS,
    deep_json,
    deep_xml,
    rss,
)
from florilege.sources.tests.test_bad_items import dated_rss, refuse_boom  # noqa: F401
from florilege.testing import LoopbackServer, Reply

pytestmark = pytest.mark.django_db


def add(client, topic, loopback: LoopbackServer, body: bytes, content_type: str):
    loopback.routes["/feed"] = Reply(200, body, {"Content-Type": content_type})
    return client.post(
        reverse("curation:sources", args=[topic.slug]), {"url": loopback.url("/feed")}
    )


@pytest.mark.parametrize(
    ("body", "content_type", "stored"),
    [
        (JSON_SURROGATE_AND_NUL, "application/feed+json", 4),
        (RSS_FORBIDDEN_REFS, "application/rss+xml", 3),
        (ATOM_FORBIDDEN_REFS, "application/atom+xml", 2),
        (
            RSS_FORBIDDEN_REFS.decode().replace('"utf-8"', '"utf-16"').encode("utf-16"),
            "application/rss+xml",
            3,
        ),
        (deep_xml(), "application/rss+xml", 1),
    ],
    ids=["json-surrogate-nul", "rss-char-refs", "atom-char-refs", "utf16-char-refs", "deep-xml"],
)
def test_odd_characters_are_stored_cleaned(
    client_in, topic, loopback, body: bytes, content_type: str, stored: int
) -> None:
    assert add(client_in, topic, loopback, body, content_type).status_code == 302
    assert Entry.objects.count() == stored
    page = client_in.get(reverse("curation:sources", args=[topic.slug]))
    assert page.status_code == 200


def test_deep_json_is_refused_in_plain_words(client_in, topic, loopback) -> None:
    response = add(client_in, topic, loopback, deep_json(), "application/feed+json")
    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()
    assert not Source.objects.exists()


def test_a_feed_over_the_byte_limit_is_refused(client_in, topic, loopback, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, FETCH_MAX_BYTES=2000)
    response = add(client_in, topic, loopback, dated_rss(100, set()), "application/rss+xml")
    assert response.status_code == 200 and not Source.objects.exists()


def test_skipped_and_left_out_items_are_shown_on_the_source(
    client_in, topic, loopback, settings, refuse_boom  # noqa: F811
) -> None:
    settings.CONFIG = replace(settings.CONFIG, FETCH_MAX_ITEMS=4)
    items = [(str(i), f"Item {i}", f"https://x.example/{i}") for i in range(6)]
    items[4] = ("4", "boom", "https://x.example/4")  # among the four newest
    assert add(client_in, topic, loopback, rss(items), "application/rss+xml").status_code == 302
    assert Entry.objects.count() == 3  # four kept, one of them refused by the database
    page = client_in.get(reverse("curation:sources", args=[topic.slug])).content.decode()
    assert "1 item skipped: the database refused the item “boom”" in page
    assert "2 items left out: the feed lists more items than are kept from one read" in page
