"""Clicks out through /go/: signed, counted, 302 at once; the links on our pages use it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse

from florilege.analytics import clicks
from florilege.analytics.models import ClickEvent
from florilege.publishing.tests.helpers import make_scoop

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


@pytest.fixture
def scoop(topic, curator):
    return make_scoop(topic, curator, 1, NOW - timedelta(days=1))


def test_a_click_is_counted_and_redirected_at_once(client, scoop) -> None:
    path = clicks.go_path(scoop.pk, "digest", 7)
    response = client.get(path, HTTP_USER_AGENT=FIREFOX, HTTP_REFERER="https://mail.google.com/")
    assert response.status_code == 302
    assert response["Location"] == "https://news.example/1"
    assert "no-store" in response["Cache-Control"]
    click = ClickEvent.objects.get()
    assert (click.scoop_id, click.topic_id, click.via, click.edition, click.referrer) == (
        scoop.pk, scoop.topic_id, "digest", 7, "email",
    )  # fmt: skip


def test_robots_follow_the_link_uncounted(client, scoop) -> None:
    response = client.get(clicks.go_path(scoop.pk), HTTP_USER_AGENT="Slackbot-LinkExpanding 1.0")
    assert response.status_code == 302 and not ClickEvent.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
        lambda t: "9" + t,  # another scoop, same signature
        lambda t: t.replace("p", "d", 1),  # another channel
        lambda t: t.split(".")[0],  # no signature
        lambda t: t + "x" * 5000,  # absurdly long
        lambda t: "%00",
        lambda t: "1p.../../etc",
    ],
)
def test_a_bad_signature_is_404_never_500(client, scoop, mangle) -> None:
    token = clicks.token(scoop.pk)
    response = client.get("/go/" + mangle(token), HTTP_USER_AGENT=FIREFOX)
    assert response.status_code in (400, 404)  # 400: a NUL refused before any view
    assert not ClickEvent.objects.exists()


def test_tokens_are_short_and_stable(scoop) -> None:
    token = clicks.token(scoop.pk, "feed")
    assert len(token) < 32 and token == clicks.token(scoop.pk, "feed")
    assert clicks.parse(token) == clicks.Click(scoop.pk, "feed", None)


def test_a_deleted_scoop_is_404(client, scoop) -> None:
    path = clicks.go_path(scoop.pk)
    scoop.delete()
    assert client.get(path, HTTP_USER_AGENT=FIREFOX).status_code == 404


def test_the_filter_is_a_one_token_change(scoop) -> None:
    template = Template('{% load go %}{{ s|go }} {{ s|go:"feed" }} {{ s|go:edition }}')
    out = template.render(Context({"s": scoop, "edition": 12})).split()
    assert [clicks.parse(u.rsplit("/", 1)[1]) for u in out] == [
        clicks.Click(scoop.pk, "page"),
        clicks.Click(scoop.pk, "feed"),
        clicks.Click(scoop.pk, "digest", 12),
    ]


def test_public_pages_and_feeds_link_through_go(client, topic, scoop) -> None:
    page = client.get(reverse("publishing:topic", args=[topic.slug])).content.decode()
    assert clicks.go_url(scoop.pk) in page and 'href="https://news.example/1"' not in page
    feed = client.get(reverse("publishing:feed", args=[topic.slug, "atom"])).content.decode()
    assert clicks.token(scoop.pk, "feed") in feed
