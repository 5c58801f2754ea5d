"""Readers' pages: search, tags, curators, sharing, sitemap, languages and the page cache."""

import json
import re
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.curation.models import Scoop
from florilege.lib import media
from florilege.lib.markdown import render_markdown
from florilege.media.models import Picture
from florilege.media.services import process_now
from florilege.media.tests.helpers import picture_bytes
from florilege.publishing import search
from florilege.publishing.cache import clear_all
from florilege.sources.parsing import parse_feed
from florilege.testing import must_search
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def empty_page_cache():
    clear_all()


def add(topic, curator, title, *, insight="A note.", excerpt="", language="en", tags=(), **kw):
    n = Scoop.objects.count()
    return Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=f"https://news.example/{n}",
        canonical_url=f"https://news.example/{n}",
        title=title,
        excerpt=excerpt,
        language=language,
        insight=insight,
        insight_html=render_markdown(insight),
        tags=list(tags),
        published_at=kw.pop("published_at", NOW - timedelta(hours=n + 1)),
        **kw,
    )


@pytest.fixture
def corpus(topic, curator):
    other = Topic.objects.create(title="Climate", slug="climate", owner=curator)
    return {
        "mod": add(topic, curator, "Moderation policies of large platforms", tags=["moderation"]),
        "fr": add(
            topic,
            curator,
            "Les réseaux sociaux décentralisés",
            insight="Une **modération** communautaire.",
            language="fr",
            tags=["fediverse"],
        ),
        "run": add(topic, curator, "Servers running the fediverse", tags=["fediverse"]),
        "later": add(
            topic,
            curator,
            "Moderation news of tomorrow",
            published_at=timezone.now() + timedelta(days=1),
        ),
        "climate": add(other, curator, "Moderation of climate forums"),
    }


def titles(qs) -> list[str]:
    return [s.title for s in qs]


def test_search_stems_english_and_folds_french_accents_and_plurals(topic, corpus) -> None:
    assert "Servers running the fediverse" in titles(search.search("run", topic))
    assert "Les réseaux sociaux décentralisés" in titles(search.search("reseau", topic))
    assert "Les réseaux sociaux décentralisés" in titles(search.search("RÉSEAUX", topic))
    assert "Les réseaux sociaux décentralisés" in titles(search.search("modération", topic))
    # Within the topic only, visible only (tomorrow's scoop and the other topic are out).
    found = titles(search.search("moderation", topic))
    assert "Moderation policies of large platforms" in found
    assert "Moderation news of tomorrow" not in found
    assert "Moderation of climate forums" not in found
    assert "Moderation of climate forums" in titles(search.search("moderation"))


@pytest.mark.parametrize(
    "raw",
    [
        'moderation" OR title:*',
        "NEAR(moderation platforms) AND -fediverse ^x",
        "'; DROP TABLE curation_scoop; --",
        "*",
        '"""',
        "x" * 10_000,
        "modération " * 2_000,
    ],
)
def test_hostile_queries_are_plain_words_and_never_an_error(client, topic, corpus, raw) -> None:
    for url in ("/search/", reverse("publishing:topic_search", args=[topic.slug])):
        response = client.get(url, {"q": raw})
        assert response.status_code == 200
        assert len(response.content) < 60_000
    assert Scoop.objects.count() == 5
    parsed = search.parse_query(raw)
    assert len(parsed.terms) <= search.MAX_TERMS
    assert all(re.fullmatch(r"\w+", t) for t in parsed.terms)


def test_long_query_is_cut_and_said_so(client, topic, corpus) -> None:
    body = client.get("/search/", {"q": "moderation " + "y" * 10_000}).content.decode()
    assert "only its first 200 characters" in body
    assert "Moderation policies" not in body or "result" in body


def test_search_page_lists_results(client, topic, corpus) -> None:
    body = client.get(reverse("publishing:topic_search", args=[topic.slug]), {"q": "platforms"})
    text = body.content.decode()
    assert "Moderation policies of large platforms" in text and "1 result" in text
    assert '<meta name="robots" content="noindex">' in text


def test_fts_index_follows_edits_and_deletes(topic, corpus) -> None:
    scoop = corpus["mod"]
    scoop.title = "Governance of large platforms"
    scoop.insight = "Nothing else."
    scoop.tags = ["governance"]
    scoop.save()
    assert scoop.title not in titles(search.search("moderation", topic))
    assert scoop.title in titles(search.search("governance", topic))
    scoop.delete()
    assert not titles(search.search("governance", topic))


def test_tag_page_and_feeds(client, topic, corpus) -> None:
    body = client.get(reverse("publishing:tag", args=[topic.slug, "fediverse"])).content.decode()
    assert "Servers running the fediverse" in body and "Les réseaux sociaux" in body
    assert "Moderation policies" not in body
    assert "2 scoops" in body
    atom = client.get(f"/t/{topic.slug}/tag/fediverse/feed.atom")
    parsed = feedparser.parse(atom.content)
    assert not parsed.bozo and len(parsed.entries) == 2
    assert parsed.feed.title == "Social networks: #fediverse"
    rss = feedparser.parse(client.get(f"/t/{topic.slug}/tag/fediverse/feed.rss").content)
    assert not rss.bozo and len(rss.entries) == 2


def test_json_feed_parses_back_with_our_parser(client, topic, corpus) -> None:
    response = client.get(reverse("publishing:feed", args=[topic.slug, "json"]))
    assert response["Content-Type"].startswith("application/feed+json")
    document = json.loads(response.content)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    parsed = parse_feed(response.content, url="http://127.0.0.1:8000/t/social-networks/feed.json")
    assert parsed.format.startswith("json")
    assert [e.title for e in parsed.entries] == [
        "Moderation policies of large platforms",
        "Les réseaux sociaux décentralisés",
        "Servers running the fediverse",
    ]
    first = parsed.entries[0]
    assert first.id == f"tag:127.0.0.1,2025:scoop:{corpus['mod'].pk}"
    assert first.link.endswith(corpus["mod"].get_absolute_url())
    assert "moderation" in first.categories and first.published is not None


def test_curator_page_and_feeds(client, topic, curator, corpus) -> None:
    body = client.get("/u/curator/").content.decode()
    assert "Social networks" in body and "Climate" in body
    assert "Moderation of climate forums" in body and "Moderation news of tomorrow" not in body
    parsed = feedparser.parse(client.get("/u/curator/feed.atom").content)
    assert not parsed.bozo and len(parsed.entries) == 4
    assert client.get("/u/nobody/").status_code == 404


def test_curator_without_public_work_is_404(client, django_user_model) -> None:
    django_user_model.objects.create_user("quiet", password="x")
    assert client.get("/u/quiet/").status_code == 404


@pytest.mark.parametrize(
    "path", ["/t/social-networks/tag/fediverse/feed.json", "/u/curator/feed.rss"]
)
def test_feeds_answer_conditional_get(client, topic, curator, corpus, path) -> None:
    first = client.get(path)
    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=300"
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    since = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    add(topic, curator, "A new fediverse story", tags=["fediverse"])
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_permalink_sharing_tags_and_json_ld(client, topic, corpus) -> None:
    scoop = corpus["mod"]
    body = client.get(scoop.get_absolute_url()).content.decode()
    canonical = "http://127.0.0.1:8000" + scoop.get_absolute_url()
    assert f'<link rel="canonical" href="{canonical}">' in body
    assert '<meta name="twitter:card" content="summary">' in body
    assert '<meta property="og:type" content="article">' in body
    ld = must_search(r'<script type="application/ld\+json">(.*?)</script>', body).group(1)
    data = json.loads(ld)
    assert data["@type"] == "NewsArticle" and data["url"] == canonical
    assert data["author"]["name"] == "curator" and data["isBasedOn"] == scoop.url
    assert "https://www.linkedin.com/sharing/share-offsite/?url=http%3A%2F%2F127.0.0.1" in body
    assert "https://bsky.app/intent/compose?text=" in body and "mailto:?subject=" in body
    assert 'action="/share/mastodon/"' in body and f'value="{canonical}" readonly' in body
    # The one script file is the offline worker's registration (the page does not need it).
    assert re.findall(r"<script src=[^>]*>", body) == [
        '<script src="/static/florilege/app.js" data-worker="/sw.js" defer>'
    ]


def test_json_ld_cannot_be_closed_by_a_title(client, topic, curator) -> None:
    scoop = add(topic, curator, "</script><script>alert(1)</script>")
    body = client.get(scoop.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body
    ld = must_search(r'<script type="application/ld\+json">(.*?)</script>', body).group(1)
    assert json.loads(ld)["headline"] == "</script><script>alert(1)</script>"


def test_topic_page_is_a_collection_page(client, topic, corpus) -> None:
    body = client.get(topic.get_absolute_url()).content.decode()
    found = must_search(r'<script type="application/ld\+json">(.*?)</script>', body)
    ld = json.loads(found.group(1))
    assert ld["@type"] == "CollectionPage" and len(ld["hasPart"]) == 3
    assert 'type="application/feed+json"' in body


@pytest.mark.parametrize(
    ("instance", "location"),
    [
        ("mastodon.social", "https://mastodon.social/share?text=Hello+world"),
        ("https://Piaille.fr/", "https://piaille.fr/share?text=Hello+world"),
        ("@me@fosstodon.org", "https://fosstodon.org/share?text=Hello+world"),
    ],
)
def test_mastodon_share_goes_to_the_readers_instance(client, instance, location) -> None:
    """The share form of our pages posts the host the reader typed: straight there."""
    response = client.post("/share/mastodon/", {"instance": instance, "text": "Hello world"})
    assert response.status_code == 302 and response["Location"] == location


def test_a_link_to_the_share_address_is_no_open_redirect(client) -> None:
    """A GET (a link anyone can craft) or another site's post is shown the host instead."""
    link = client.get("/share/mastodon/", {"instance": "evil.example", "text": "Hi"})
    assert link.status_code == 200 and "Location" not in link
    body = link.content.decode()
    assert 'href="https://evil.example/share?text=Hi"' in body and "evil.example</strong>" in body
    assert 'rel="noopener noreferrer nofollow"' in body
    forged = client.post(
        "/share/mastodon/", {"instance": "evil.example"}, HTTP_ORIGIN="https://other.example"
    )
    assert forged.status_code == 200 and "Location" not in forged


@pytest.mark.parametrize(
    "instance",
    [
        "", "evil.example/phish?x=", "127.0.0.1", "javascript:alert(1)", "a" * 400,
        "//evil.example", "//evil.example/", "https://evil.example:8443", "[::1]",
        "https://evil.example/path", "javascript://evil.example/%0aalert(1)", "localhost",
        "https://evil.example\\@good.example/", "evil.example\r\nSet-Cookie: x=1",
        "http://10.0.0.1/", "https://user:pass@", "https://evil@x.example",
        "https://evil.example@x.example/", "me@x.example/path", "\u202eelpmaxe.live",
    ],
)  # fmt: skip
@pytest.mark.parametrize("method", ["get", "post"])
def test_mastodon_share_refuses_what_is_not_a_host_name(client, instance, method) -> None:
    response = getattr(client, method)("/share/mastodon/", {"instance": instance, "text": "Hi"})
    assert response.status_code == 400 and "Location" not in response
    assert "Enter the address of your Mastodon server" in response.content.decode()


def test_sitemap_and_robots(client, topic, corpus) -> None:
    sitemap = client.get("/sitemap.xml")
    assert sitemap["Content-Type"].startswith("application/xml")
    from lxml import etree

    root = etree.fromstring(sitemap.content)
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://127.0.0.1:8000/t/social-networks/" in locs
    assert "http://127.0.0.1:8000" + corpus["mod"].get_absolute_url() in locs
    assert not any("tomorrow" in loc for loc in locs)
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /curate/" in robots
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots


def test_french_reader_gets_french_page_and_dates(client, topic, corpus) -> None:
    url = topic.get_absolute_url()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english["X-Page-Cache"] == "miss"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en")["X-Page-Cache"] == "hit"
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    body = french.content.decode()
    assert french["X-Page-Cache"] == "miss"  # never the English copy
    assert '<html lang="fr">' in body and "Sélectionné par" in body and "2 mars 2026" in body
    assert "March 2, 2026" in english.content.decode()
    assert "Accept-Language" in french["Vary"] and "Cookie" in french["Vary"]


def test_language_switcher_works_without_javascript_or_token(client, topic) -> None:
    client.handler.enforce_csrf_checks = True
    body = client.get(topic.get_absolute_url()).content.decode()
    assert 'action="/i18n/setlang/"' in body and "csrfmiddlewaretoken" not in body
    response = client.post("/i18n/setlang/", {"language": "fr", "next": topic.get_absolute_url()})
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert '<html lang="fr">' in page and "Rien de sélectionné" in page


def test_numbers_are_localised(client, topic) -> None:
    from florilege.analytics.models import DailyCount

    DailyCount.objects.create(topic=topic, day=NOW.date(), kind="views", value=12345)
    en = client.get(topic.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    fr = client.get(topic.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "12,345 views" in en
    assert "12\u202f345 vues" in fr or "12 345 vues" in fr or "12\xa0345 vues" in fr


def test_cached_page_changes_with_its_topic(client, topic, curator, corpus) -> None:
    url = topic.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    add(topic, curator, "Fresh scoop just published")
    fresh = client.get(url)
    assert (
        fresh["X-Page-Cache"] == "miss" and "Fresh scoop just published" in fresh.content.decode()
    )
    topic.title = "Renamed topic"
    topic.save()
    assert "Renamed topic" in client.get(url).content.decode()
    Scoop.objects.filter(title="Fresh scoop just published").delete()
    assert "Fresh scoop just published" not in client.get(url).content.decode()
    topic.is_public = False
    topic.save()
    assert client.get(url).status_code == 404


def test_signed_in_users_are_never_served_the_cache(client, topic, curator, corpus) -> None:
    url = topic.get_absolute_url()
    client.get(url)
    client.force_login(curator)
    response = client.get(url)
    assert not response.has_header("X-Page-Cache")
    assert "Curate" in response.content.decode() and "Log out" in response.content.decode()
    client.logout()
    client.cookies.clear()
    anonymous = client.get(url)
    assert anonymous["X-Page-Cache"] == "hit" and "Log out" not in anonymous.content.decode()


def test_cache_answers_conditional_get(client, topic, corpus) -> None:
    url = topic.get_absolute_url()
    etag = client.get(url)["ETag"]
    assert client.get(url)["X-Page-Cache"] == "hit"
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_hit_is_cheap(client, topic, corpus, django_assert_max_num_queries) -> None:
    url = topic.get_absolute_url()
    client.get(url)
    with django_assert_max_num_queries(0):
        # A robot (no visitor counted) on a warm cache within the version memo: no query.
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_accent_colour_and_banner(client_in, topic) -> None:
    response = client_in.post(
        reverse("curation:topic_edit", args=[topic.slug]),
        {
            "title": topic.title,
            "slug": topic.slug,
            "description": "",
            "languages": "en",
            "keywords": "",
            "accent_color": "#FFFF00",
            "header_image_url": "https://img.example/banner.jpg",
        },
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.accent_color == "#ffff00"
    client_in.logout()
    body = client_in.get(topic.get_absolute_url()).content.decode()
    # Yellow on white is unreadable: the page uses a darker shade of it.
    light, dark = must_search(
        r"--accent:(#[0-9a-f]{6})}@media.*?--accent:(#[0-9a-f]{6})", body
    ).groups()
    from florilege.publishing.presentation import contrast

    assert light != "#ffff00" and contrast(light, "#ffffff") >= 4.5
    assert contrast(dark, "#1f1f25") >= 4.5
    # The banner is our copy, once the worker made it; never the address given.
    assert 'class="banner"' not in body and "img.example" not in body
    assert topic.header_picture is not None and topic.header_picture.status == "pending"
    assert process_now(topic.header_picture, picture_bytes((1500, 400)), timezone.now())
    body = client_in.get(topic.get_absolute_url()).content.decode()
    banner = Picture.objects.get(pk=topic.header_picture_id).renditions["large"]["jpeg"]
    # Drawn in the default colour (20, 120, 200): its shade fills the box until it loads.
    assert f'class="banner pc-012" src="/media/{banner}"' in body
    assert f'content="{media.url_of(banner)}"' in body  # og:image
    assert "img.example" not in body


@pytest.mark.parametrize("bad", ["red", "#12345", "#gggggg", "url(x)"])
def test_bad_accent_colour_is_refused(client_in, topic, bad) -> None:
    response = client_in.post(
        reverse("curation:topic_edit", args=[topic.slug]),
        {"title": topic.title, "slug": topic.slug, "accent_color": bad},
    )
    assert response.status_code == 200 and "Enter a colour as #rrggbb." in response.content.decode()
    topic.refresh_from_db()
    assert topic.accent_color == ""


def test_scheduled_scoop_shortens_the_cache(client, topic, curator) -> None:
    url = topic.get_absolute_url()
    add(topic, curator, "Due in a moment", published_at=timezone.now() + timedelta(seconds=1))
    client.get(url)
    import time

    time.sleep(1.2)
    assert "Due in a moment" in client.get(url).content.decode()


def test_tags_with_accents_spaces_and_slashes(client, topic, curator) -> None:
    add(topic, curator, "Accented", tags=["modération", "open source", "a/b"])
    body = client.get(topic.get_absolute_url()).content.decode()
    # Links use the folded spelling; the written one still reaches the same page.
    assert 'href="/t/social-networks/tag/moderation/"' in body and "#modération" in body
    assert 'href="/t/social-networks/tag/open%20source/"' in body
    assert "#a/b" in body and "/tag/a/b/" not in body  # shown, not linked
    for path in (
        "/t/social-networks/tag/mod%C3%A9ration/",
        "/t/social-networks/tag/moderation/",
        "/t/social-networks/tag/open%20source/",
    ):
        page = client.get(path)
        assert page.status_code == 200 and "Accented" in page.content.decode()
    feed = feedparser.parse(client.get("/t/social-networks/tag/mod%C3%A9ration/feed.atom").content)
    assert [e.title for e in feed.entries] == ["Accented"]
