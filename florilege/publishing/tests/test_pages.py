from dataclasses import replace
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.lib import media
from florilege.lib.markdown import render_markdown
from florilege.media.models import Picture
from florilege.media.tests.helpers import ready_picture

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def make_scoops(topic, curator, n: int) -> list[Scoop]:
    scoops = []
    for i in range(n):
        insight = f"Insight number {i} with **emphasis**."
        scoops.append(
            Scoop.objects.create(
                topic=topic,
                curator=curator,
                url=f"https://news.example/{i}",
                canonical_url=f"https://news.example/{i}",
                title=f"Story {i} <b>&</b>",
                excerpt=f"Excerpt {i}",
                image_url="https://img.example/a.png" if i % 2 else "",
                source_name="news.example",
                insight=insight,
                insight_html=render_markdown(insight),
                tags=["fediverse", "moderation"],
                published_at=NOW - timedelta(hours=n - i),
            )
        )
    # The pictures as the pipeline makes them (one address, one picture).
    picture = ready_picture("https://img.example/a.png", NOW)
    Scoop.objects.filter(image_url="https://img.example/a.png").update(picture=picture)
    return scoops


def test_topic_page_lists_scoops_newest_first(
    client, topic, curator, django_assert_num_queries
) -> None:
    make_scoops(topic, curator, 30)
    client.get(
        reverse("publishing:topic", args=[topic.slug]), HTTP_USER_AGENT="Safari"
    )  # day's salt
    from florilege.publishing.cache import clear_all

    clear_all()
    # topic, count, scoops, view counts (last rolled-up day, daily rows, raw views), the
    # view's one insert in a savepoint, and the next scheduled scoop (how long the page may
    # stay cached)
    with django_assert_num_queries(10):
        response = client.get(
            reverse("publishing:topic", args=[topic.slug]), HTTP_USER_AGENT="Firefox"
        )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Story 29") < body.index("Story 28")
    assert "Story 17" not in body  # 12 per page
    assert 'Scooped by <a href="/u/curator/">curator</a>' in body and "news.example" in body
    assert "<strong>emphasis</strong>" in body and "#fediverse" in body
    assert "Story 29 &lt;b&gt;&amp;&lt;/b&gt;" in body  # titles are escaped
    # Our thumbnails, never the address the picture came from.
    assert 'loading="lazy"' in body and 'width="640"' in body and "<picture>" in body
    assert "img.example" not in body
    assert 'rel="next" href="?page=2"' in body
    # Works, and is meant to work, without JavaScript: the only script elements are data
    # and the offline worker's registration, which the page does not need.
    assert body.count("<script") == 2 and body.count('<script type="application/ld+json">') == 1
    assert body.count('<script src="/static/florilege/app.js" data-worker="/sw.js" defer>') == 1
    page2 = client.get(reverse("publishing:topic", args=[topic.slug]), {"page": 2}).content.decode()
    assert "Story 17" in page2


def test_every_view_is_counted(client, topic, settings) -> None:
    url = reverse("publishing:topic", args=[topic.slug])
    client.get(url, HTTP_USER_AGENT="Firefox", REMOTE_ADDR="203.0.113.5")
    # A page served from the cache counts its view too (the count shown may lag).
    assert client.get(url, HTTP_USER_AGENT="Opera", REMOTE_ADDR="203.0.113.7")["X-Page-Cache"]
    settings.CONFIG = replace(settings.CONFIG, PAGE_CACHE_SECONDS=0)
    client.get(url, HTTP_USER_AGENT="Firefox", REMOTE_ADDR="203.0.113.5")
    body = client.get(url, HTTP_USER_AGENT="Safari", REMOTE_ADDR="203.0.113.6").content.decode()
    # The last request sees four views counted (including itself); robots are not.
    assert "4 views | +4 today" in body
    client.get(url, HTTP_USER_AGENT="Googlebot/2.1", REMOTE_ADDR="203.0.113.8")
    body = client.get(url, HTTP_USER_AGENT="Safari", REMOTE_ADDR="203.0.113.6").content.decode()
    assert "5 views | +5 today" in body


def test_permalink_has_opengraph_and_redirects_to_canonical_slug(client, topic, curator) -> None:
    scoop = make_scoops(topic, curator, 2)[1]
    response = client.get(scoop.get_absolute_url())
    body = response.content.decode()
    assert '<meta property="og:title" content="Story 1 &lt;b&gt;&amp;&lt;/b&gt;">' in body
    card = Picture.objects.get().renditions["large"]["jpeg"]
    assert f'<meta property="og:image" content="{media.url_of(card)}">' in body
    assert media.url_of(card).startswith("http://127.0.0.1:8000/media/images/")
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{scoop.get_absolute_url()}">' in body
    short = client.get(reverse("publishing:scoop_short", args=[topic.slug, scoop.pk]))
    assert short.status_code == 301 and short["Location"] == scoop.get_absolute_url()


def test_private_and_missing_topics_are_404(client, topic) -> None:
    topic.is_public = False
    topic.save()
    assert client.get(reverse("publishing:topic", args=[topic.slug])).status_code == 404
    assert client.get(reverse("publishing:topic", args=["nope"])).status_code == 404


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_feeds_parse_back(client, topic, curator, kind: str) -> None:
    scoops = make_scoops(topic, curator, 3)
    response = client.get(reverse("publishing:feed", args=[topic.slug, kind]))
    assert response["Content-Type"].startswith(f"application/{kind}+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Social networks"
    assert len(parsed.entries) == 3
    first = parsed.entries[0]
    assert first.title == "Story 2 <b>&</b>"
    assert first.link == "http://127.0.0.1:8000" + scoops[2].get_absolute_url()
    assert first.id == f"tag:127.0.0.1,2025:scoop:{scoops[2].pk}"
    html = first.content[0].value if kind == "atom" else first.description
    # The original article is linked through the counted redirect (/go/).
    assert "<strong>emphasis</strong>" in html and "http://127.0.0.1:8000/go/" in html
    assert first.published_parsed[:4] == (2026, 3, 2, 11)
    assert [t.term for t in first.tags] == ["fediverse", "moderation"]
    assert len({e.id for e in parsed.entries}) == 3


def test_unknown_feed_kind_is_404(client, topic) -> None:
    assert client.get(reverse("publishing:feed", args=[topic.slug, "exe"])).status_code == 404


def test_home_lists_public_topics(client, topic, curator) -> None:
    make_scoops(topic, curator, 1)
    body = client.get("/").content.decode()
    assert "Social networks" in body and "1 scoop " in body


@pytest.mark.parametrize(("trust", "expected_visitors"), [(False, 1), (True, 2)])
def test_forwarded_for_is_used_only_when_trusted(
    client, topic, settings, trust, expected_visitors
) -> None:
    settings.CONFIG = replace(settings.CONFIG, TRUST_X_FORWARDED_FOR=trust)
    url = reverse("publishing:topic", args=[topic.slug])
    for visitor in ("198.51.100.1", "198.51.100.2"):
        client.get(
            url,
            HTTP_USER_AGENT="Firefox",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {visitor}",
        )
    from florilege.analytics.models import ViewEvent

    visitors = ViewEvent.objects.values("visitor").distinct().count()
    assert visitors == expected_visitors


def test_feed_conditional_get_and_head(client, topic, curator) -> None:
    make_scoops(topic, curator, 2)
    url = reverse("publishing:feed", args=[topic.slug, "atom"])
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.head(url).status_code == 200
    assert client.head(reverse("publishing:topic", args=[topic.slug])).status_code == 200
    Scoop.objects.create(  # a new scoop changes the feed
        topic=topic,
        curator=curator,
        url="https://n.example/new",
        canonical_url="https://n.example/new",
        title="New",
        insight="i",
        insight_html="<p>i</p>",
    )
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_atom_summary_does_not_turn_escaped_text_into_markup(client, topic, curator) -> None:
    Scoop.objects.create(
        topic=topic,
        curator=curator,
        url="https://n.example/x",
        canonical_url="https://n.example/x",
        title="T",
        excerpt="Use <script>alert(1)</script> wisely",
        insight="i",
        insight_html="<p>i</p>",
    )
    parsed = feedparser.parse(
        client.get(reverse("publishing:feed", args=[topic.slug, "atom"])).content
    )
    assert "<script>" not in parsed.entries[0].summary
    assert "alert(1)" in parsed.entries[0].summary
