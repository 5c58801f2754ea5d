from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from florilege.curation.models import Scoop
from florilege.curation.services.scooping import ScoopDraft, discard_suggestion, scoop_suggestion
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def suggestion(topic) -> Suggestion:
    source = Source.objects.create(url="https://news.example/feed", title="News Example")
    TopicSource.objects.create(topic=topic, source=source)
    entry = Entry.objects.create(
        source=source,
        key="k1",
        guid="g1",
        url="https://news.example/a",
        canonical_url="https://news.example/a",
        title="Mastodon grows",
        summary="<p>Mastodon adds users.</p>",
        language="en",
        categories=["fediverse"],
    )
    return Suggestion.objects.create(topic=topic, entry=entry, score=1.0)


def form_data(**overrides: str) -> dict[str, str]:
    return {
        "url": "https://news.example/a",
        "title": "Mastodon grows",
        "excerpt": "Mastodon adds users.",
        "insight": "This **matters**.",
        "tags": "fediverse, #Mastodon, fediverse",
        "image_url": "",
        "source_name": "",
        "language": "en",
    } | overrides


def test_scoop_from_queue(client_in, suggestion) -> None:
    url = reverse("curation:scoop", args=[suggestion.topic.slug, suggestion.pk])
    form = client_in.get(url)
    assert "Mastodon grows" in form.content.decode()
    response = client_in.post(url, form_data())
    scoop = Scoop.objects.get()
    assert response.status_code == 302 and response["Location"] == scoop.get_absolute_url()
    assert scoop.insight_html == "<p>This <strong>matters</strong>.</p>\n"
    assert scoop.tags == ["fediverse", "Mastodon"]
    assert scoop.entry == suggestion.entry
    suggestion.refresh_from_db()
    assert suggestion.status == "scooped" and suggestion.decided_by is not None


@pytest.mark.parametrize(
    ("insight", "message"),
    [
        ("", "Write an insight"),
        ("   ", "Write an insight"),
        ("Nice <script>alert(1)</script>", "not allowed"),
    ],
)
def test_bad_insight_is_refused_and_nothing_changes(
    client_in, suggestion, insight: str, message: str
) -> None:
    url = reverse("curation:scoop", args=[suggestion.topic.slug, suggestion.pk])
    response = client_in.post(url, form_data(insight=insight))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Scoop.objects.exists()
    suggestion.refresh_from_db()
    assert suggestion.status == "pending"


def test_discard(client_in, suggestion) -> None:
    response = client_in.post(
        reverse("curation:discard", args=[suggestion.topic.slug, suggestion.pk])
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == "discarded"
    queue = client_in.get(reverse("curation:queue", args=[suggestion.topic.slug]))
    assert "Mastodon grows" not in queue.content.decode()


def test_decisions_happen_once(suggestion, curator) -> None:
    discard_suggestion(suggestion, curator, NOW)
    with pytest.raises(ValidationError):
        discard_suggestion(suggestion, curator, NOW)
    with pytest.raises(ValidationError):
        scoop_suggestion(
            suggestion,
            curator,
            ScoopDraft(url="https://news.example/a", title="t", insight="i"),
            NOW,
        )
    assert not Scoop.objects.exists()


def test_queue_is_ordered_by_score_with_pinned_queries(
    client_in, suggestion, django_assert_max_num_queries
) -> None:
    for i in range(30):
        entry = Entry.objects.create(
            source=suggestion.entry.source,
            key=f"k{i + 2}",
            url=f"https://news.example/{i}",
            title=f"Item {i}",
        )
        Suggestion.objects.create(topic=suggestion.topic, entry=entry, score=i / 100)
    url = reverse("curation:queue", args=[suggestion.topic.slug])
    # session, user, topic, count, page, filter languages, reader suggestions, unread
    # notifications in the header, filter sources, other sources of the page's stories
    with django_assert_max_num_queries(10):
        body = client_in.get(url).content.decode()
    assert body.index("Mastodon grows") < body.index("Item 29") < body.index("Item 28")


def test_scoop_any_url(client_in, topic, loopback: LoopbackServer) -> None:
    page = (
        '<html lang="fr"><head><title>Fallback</title>'
        '<meta property="og:title" content="Le fédivers grandit">'
        '<meta property="og:description" content="Une description.">'
        '<meta property="og:image" content="/img.png"></head><body><p>Texte.</p></body></html>'
    ).encode()
    loopback.routes["/article"] = Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})
    url = reverse("curation:scoop_url", args=[topic.slug])
    prefilled = client_in.get(url, {"url": loopback.url("/article")}).content.decode()
    assert "Le fédivers grandit" in prefilled
    assert loopback.url("/img.png") in prefilled
    response = client_in.post(
        url,
        form_data(
            url=loopback.url("/article"),
            title="Le fédivers grandit",
            image_url=loopback.url("/img.png"),
            language="fr",
        ),
    )
    assert response.status_code == 302
    scoop = Scoop.objects.get()
    assert scoop.image_url == loopback.url("/img.png") and scoop.entry is None
    again = client_in.post(url, form_data(url=loopback.url("/article")))
    assert "already scooped" in again.content.decode()
    assert Scoop.objects.count() == 1


@pytest.mark.parametrize("bad", ["not a url", "javascript:alert(1)", "ftp://x.example/"])
def test_scoop_url_bad_address(client_in, topic, bad: str) -> None:
    response = client_in.get(reverse("curation:scoop_url", args=[topic.slug]), {"url": bad})
    assert "Enter a full web address" in response.content.decode()


def test_scoop_url_unreachable(client_in, topic, loopback: LoopbackServer) -> None:
    response = client_in.get(
        reverse("curation:scoop_url", args=[topic.slug]), {"url": loopback.url("/missing")}
    )
    assert "server answered 404" in response.content.decode()


def test_rejected_scoop_form_never_links_to_a_script_url(client_in, topic) -> None:
    response = client_in.post(
        reverse("curation:scoop_url", args=[topic.slug]),
        form_data(url="javascript:alert(1)", image_url="javascript:alert(2)"),
    )
    body = response.content.decode()
    assert "web address starting with http" in body
    assert 'href="javascript' not in body and 'src="javascript' not in body
    assert not Scoop.objects.exists()
