"""A topic's or scoop's page address resolves to its ActivityPub document (what a fediverse
server does with an address pasted into its search), never crossing the page cache's
HTML; hashtag links on our host lead somewhere; the Note shows no content warning and
attaches only raster pictures."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from florilege.analytics.clicks import go_url
from florilege.curation.services.scooping import ScoopDraft, scoop_url
from florilege.federation import activities, ids
from florilege.federation.services.outbox import scoop_note
from florilege.lib import media
from florilege.media.tests.helpers import illustrate, picture_bytes
from florilege.publishing.cache import clear_all
from florilege.publishing.tests.test_fast_path import app, get  # noqa: F401 - the WSGI fixture
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
AP = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# What Mastodon sends when it resolves a pasted address.
MASTODON_ACCEPT = f"{AP}, {LD}"


@pytest.fixture(autouse=True)
def empty_cache():
    clear_all()
    yield
    clear_all()


@pytest.fixture
def scoop(topic, curator):
    draft = ScoopDraft(url="https://news.example/a", title="Open protocols",
                       insight="Good for #Fediverse and #OpenWeb readers.",
                       tags=["open web"], image_url="https://news.example/a.svg")  # fmt: skip
    return scoop_url(topic, curator, draft, timezone.now())


@pytest.mark.parametrize("accept", [AP, LD, MASTODON_ACCEPT])
def test_topic_page_answers_its_actor_to_activitypub(client, topic, accept):
    response = client.get(f"/t/{topic.slug}/", headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"] == AP
    assert json.loads(response.content)["id"] == ids.topic_actor(topic.slug)


@pytest.mark.parametrize("short", [False, True])
def test_scoop_page_answers_its_note_to_activitypub(client, scoop, short):
    path = f"/t/{scoop.topic.slug}/s/{scoop.pk}/" if short else scoop.get_absolute_url()
    response = client.get(path, headers={"Accept": LD})
    assert response.status_code == 200 and response["Content-Type"] == AP
    assert json.loads(response.content)["id"] == ids.scoop_object(scoop.pk)


def test_scoop_of_another_topic_is_not_found(client, scoop, curator):
    Topic.objects.create(title="Other", slug="other", owner=curator)
    response = client.get(f"/t/other/s/{scoop.pk}/", headers={"Accept": AP})
    assert response.status_code == 404


def test_html_and_activitypub_never_share_the_page_cache(client, scoop):
    page = scoop.get_absolute_url()
    html = client.get(page)
    assert html["X-Page-Cache"] == "miss" and "Accept" in html["Vary"]
    assert client.get(page)["X-Page-Cache"] == "hit"
    as_json = client.get(page, headers={"Accept": AP})
    assert as_json["Content-Type"] == AP and "X-Page-Cache" not in as_json
    # And the other way round: JSON first, the page still HTML.
    clear_all()
    client.get(page, headers={"Accept": AP})
    assert client.get(page)["Content-Type"].startswith("text/html")


def test_the_wsgi_fast_path_leaves_activitypub_requests_to_django(app, topic):  # noqa: F811
    get(app)
    get(app)
    calls = app.app.calls
    _status, headers, body = get(app, HTTP_ACCEPT=AP)
    assert app.app.calls == calls + 1
    assert headers["Content-Type"] == AP and json.loads(body)["type"] == "Person"


def test_pages_link_their_activitypub_documents(client, scoop):
    alternate = '<link rel="alternate" type="application/activity+json" href="{}">'
    page = client.get(scoop.get_absolute_url()).content.decode()
    assert alternate.format(ids.scoop_object(scoop.pk)) in page
    topic_page = client.get(f"/t/{scoop.topic.slug}/").content.decode()
    assert alternate.format(ids.topic_actor(scoop.topic.slug)) in topic_page


def test_featured_and_following_collections_are_served(client, topic):
    actor = ids.topic_actor(topic.slug)
    for name in ("featured", "featuredTags", "following"):
        response = client.get(f"{actor}/{name}".removeprefix(ids.base()))
        assert response.status_code == 200, name
        doc = json.loads(response.content)
        assert doc["type"] == "OrderedCollection" and doc["totalItems"] == 0
        assert doc["id"] == f"{actor}/{name}"


# --- hashtags --------------------------------------------------------------------------------


def test_hashtag_of_one_topic_redirects_to_its_tag_page(client, scoop):
    for path in ("/tags/openweb", "/tags/OpenWeb/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/t/{scoop.topic.slug}/tag/open%20web/"


def test_hashtag_of_no_or_several_topics_redirects_to_the_search(client, scoop, curator):
    response = client.get("/tags/Fediverse")
    assert response["Location"] == "/search/?q=Fediverse"
    other = Topic.objects.create(title="Other", slug="other", owner=curator, is_public=True)
    draft = ScoopDraft(url="https://news.example/b", title="B", insight="B.", tags=["Open Web"])
    scoop_url(other, curator, draft, timezone.now())
    assert client.get("/tags/openweb")["Location"].startswith("/search/?q=")


def test_note_has_no_title_no_link_attachment_and_no_svg(scoop):
    note = scoop_note(scoop)
    assert "name" not in note and "summary" not in note
    assert note["attachment"] == []  # the SVG is left out, and the page is no attachment
    # The article's link is the counted redirect to it (analytics: clicks out).
    link = go_url(scoop.pk, "fediverse")
    assert note["content"].startswith(f'<p><a href="{link}">Open protocols</a>')


def test_hashtags_of_the_insight_are_tags_and_links(scoop):
    note = scoop_note(scoop)
    names = [t["name"] for t in note["tag"]]
    assert names == ["#OpenWeb", "#Fediverse"]
    by_name = {t["name"]: t["href"] for t in note["tag"]}
    # The insight's #OpenWeb is the scoop's own tag "open web": its page; #Fediverse is not.
    assert by_name["#OpenWeb"].endswith(f"/t/{scoop.topic.slug}/tag/open%20web/")
    assert by_name["#Fediverse"] == ids.hashtag("Fediverse")
    link = '<a href="{}" class="mention hashtag" rel="tag">#<span>Fediverse</span></a>'
    assert link.format(ids.hashtag("Fediverse")) in note["content"]


@pytest.mark.parametrize(
    ("html", "found"),
    [
        ("<p>#one and #two, #one again</p>", ["one", "two"]),
        ('<p><a href="https://x.example/#frag">#inlink</a> <code>#code</code></p>', []),
        ("<p>issue&#39;s #2024 a#b https://x.example/#anchor</p>", []),
        ("<p>Café #économie</p>", ["économie"]),
    ],
)
def test_link_hashtags_finds_only_hashtags_of_the_text(html, found):
    linked, words = activities.link_hashtags(html, lambda w: f"https://h.example/tags/{w}")
    assert words == found
    assert linked.count('class="mention hashtag"') == len(found) + html.count("#one again")


def test_the_note_attaches_our_jpeg_with_its_size_once_made(topic, curator):
    draft = ScoopDraft(url="https://news.example/p", title="Pictured", insight="Yes.",
                       image_url="https://news.example/p.svg")  # fmt: skip
    scoop = scoop_url(topic, curator, draft, timezone.now())
    # Not made yet: nothing attached, not even the address it comes from (an SVG here,
    # which servers refuse; ours is a JPEG whatever it was).
    assert scoop_note(scoop)["attachment"] == []
    picture = illustrate(scoop, timezone.now(), data=picture_bytes((2400, 1260)))
    [image] = scoop_note(scoop)["attachment"]
    assert image == {
        "type": "Image", "mediaType": "image/jpeg", "name": "Pictured",
        "url": media.url_of(picture.renditions["large"]["jpeg"]), "width": 1200, "height": 630,
    }  # fmt: skip
    assert image["url"].startswith("http://127.0.0.1:8000/media/images/")


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://x.example/a.png", "image/png"),
        ("https://x.example/a.JPG?w=3", "image/jpeg"),
        ("https://x.example/a.webp", "image/webp"),
        ("https://x.example/a.gif", "image/gif"),
        ("https://x.example/picture?id=3", "image/jpeg"),
        ("https://x.example/a.svg", None),
        ("https://x.example/a.svg?x.png", None),
        ("", None),
    ],
)
def test_only_raster_images_are_attached(url, kind):
    assert activities.raster_media_type(url) == kind
