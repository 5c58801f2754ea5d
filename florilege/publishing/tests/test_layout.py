"""The topic page's two layouts (list, grid): chosen by the curator, switched by the reader
with ``?layout=``, cached apart; its compact cards and the follow page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from florilege.publishing.cache import clear_all
from florilege.publishing.tests.helpers import make_scoop, make_scoops
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


def layout_of(body: str) -> str:
    found = re.search(r'<div class="scoops (\w+)">', body)
    assert found, "no list of scoops"
    return found.group(1)


def test_the_topic_layout_is_the_default_and_the_reader_may_switch(client, topic, curator):
    make_scoops(topic, curator, 3, NOW)
    url = topic.get_absolute_url()
    body = client.get(url).content.decode()
    assert layout_of(body) == "list"
    # The switch: the topic's own layout has the plain address, the other one a parameter.
    assert f'<a href="{url}" aria-current="true">List</a>' in body
    assert f'<a href="{url}?layout=grid">Grid</a>' in body
    grid = client.get(url + "?layout=grid").content.decode()
    assert layout_of(grid) == "grid"
    assert f'<a href="{url}?layout=grid" aria-current="true">Grid</a>' in grid
    # A mangled parameter shows the topic's own layout, not an error.
    for junk in ("?layout=", "?layout=cards", "?layout=%3Cscript%3E", "?layout=grid&layout=x"):
        response = client.get(url + junk)
        assert response.status_code == 200, junk
        assert layout_of(response.content.decode()) in ("list", "grid"), junk
    assert layout_of(client.get(url + "?layout=cards").content.decode()) == "list"

    Topic.objects.filter(pk=topic.pk).update(layout="grid")
    clear_all()
    body = client.get(url).content.decode()
    assert layout_of(body) == "grid"
    assert f'<a href="{url}?layout=list">List</a>' in body
    assert layout_of(client.get(url + "?layout=list").content.decode()) == "list"


def test_each_layout_is_cached_apart(client, topic, curator):
    make_scoops(topic, curator, 3, NOW)
    url = topic.get_absolute_url()
    first = client.get(url)
    assert first["X-Page-Cache"] == "miss" and layout_of(first.content.decode()) == "list"
    assert client.get(url)["X-Page-Cache"] == "hit"
    grid = client.get(url + "?layout=grid")
    assert grid["X-Page-Cache"] == "miss"  # never the list's copy
    assert layout_of(grid.content.decode()) == "grid"
    again = client.get(url + "?layout=grid")
    assert again["X-Page-Cache"] == "hit" and layout_of(again.content.decode()) == "grid"
    assert layout_of(client.get(url).content.decode()) == "list"
    # The curator changes the topic's layout: the cached plain page changes with it.
    topic.refresh_from_db()
    topic.layout = "grid"
    topic.save()
    changed = client.get(url)
    assert changed["X-Page-Cache"] == "miss" and layout_of(changed.content.decode()) == "grid"


def test_the_pager_keeps_the_readers_layout(client, topic, curator):
    make_scoops(topic, curator, 30, NOW)
    url = topic.get_absolute_url()
    assert 'rel="next" href="?page=2"' in client.get(url).content.decode()
    grid = client.get(url + "?layout=grid").content.decode()
    assert 'rel="next" href="?layout=grid&amp;page=2"' in grid
    second = client.get(url + "?layout=grid&page=2").content.decode()
    assert layout_of(second) == "grid" and 'rel="prev" href="?layout=grid&amp;page=1"' in second


def test_the_curator_sets_the_layout_in_the_topic_settings(client_in, topic):
    url = reverse("curation:topic_edit", args=[topic.slug])
    page = client_in.get(url).content.decode()
    assert 'name="layout" value="list"' in page and 'name="layout" value="grid"' in page
    data = {"title": topic.title, "slug": topic.slug, "visibility": "public"}
    assert client_in.post(url, {**data, "layout": "grid"}).status_code == 302
    topic.refresh_from_db()
    assert topic.layout == "grid"
    # A post without the field (an older form, a script) keeps the layout.
    assert client_in.post(url, data).status_code == 302
    topic.refresh_from_db()
    assert topic.layout == "grid"
    bad = client_in.post(url, {**data, "layout": "mosaic"})
    assert bad.status_code == 200 and "mosaic" in bad.content.decode()
    topic.refresh_from_db()
    assert topic.layout == "grid"


def test_the_header_comes_first_then_the_scoops(client, topic, curator):
    make_scoops(topic, curator, 2, NOW)
    body = client.get(topic.get_absolute_url()).content.decode()
    header = body[body.index('<header class="topic">') : body.index('<div class="scoops')]
    for part in ("<h1>Social networks</h1>", "Fediverse, platforms and moderation.",
                 'href="/u/curator/"', "2 scoops", "views", 'role="search"',
                 'href="/t/social-networks/follow/"'):  # fmt: skip
        assert part in header, part
    # No form but the search between the title and the first scoop.
    assert header.count("<form") == 1
    assert body.count(">Follow<") == 1


def test_a_compact_card_puts_the_insight_first_and_reads_on_at_its_permalink(
    client, topic, curator
):
    scoop = make_scoop(topic, curator, 1, NOW, excerpt="What the article says, in its words.")
    body = client.get(topic.get_absolute_url()).content.decode()
    card = body[body.index('<article class="scoop') : body.index("</article>")]
    assert card.index('class="insight"') < card.index('class="excerpt"')
    more = re.search(r'<a class="more" href="([^"]+)"', card)
    assert more and more.group(1) == scoop.get_absolute_url()
    # The permalink shows the whole card, with nothing to expand.
    permalink = client.get(scoop.get_absolute_url()).content.decode()
    assert 'class="more"' not in permalink and "What the article says" in permalink


def test_the_follow_page_is_cached_and_the_fediverse_error_comes_back_to_it(client, topic):
    url = reverse("publishing:follow", args=[topic.slug])
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    assert client.get("/t/no-such-topic/follow/").status_code == 404
    refused = client.post(
        reverse("federation:remote_follow", args=[topic.slug]), {"instance": "not a host"}
    )
    assert refused.status_code == 302 and refused["Location"] == url + "#follow-fediverse"


def test_the_topic_page_query_count_is_the_same_in_both_layouts(client, topic, curator):
    make_scoops(topic, curator, 14, NOW - timedelta(hours=1))
    url = topic.get_absolute_url()
    client.get(url, HTTP_USER_AGENT="Safari")  # the day's salt, and this visitor counted
    counts = []
    for address in (url, url + "?layout=grid"):
        clear_all()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address, HTTP_USER_AGENT="Safari").status_code == 200
        counts.append(len(queries))
    # Pinned for the list in test_pages; the grid costs not one query more.
    assert counts[0] == counts[1] <= 10, counts
