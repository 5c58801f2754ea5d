from dataclasses import replace

import pytest
from django.urls import reverse

from florilege.sources.models import Source
from florilege.sources.tests.feeds import three_items
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db


def add(client, topic, url: str):
    return client.post(reverse("curation:sources", args=[topic.slug]), {"url": url})


def test_add_feed_url_fills_the_queue_at_once(client_in, topic, loopback: LoopbackServer) -> None:
    loopback.routes["/feed.xml"] = Reply(
        200, three_items(), {"Content-Type": "application/rss+xml"}
    )
    assert add(client_in, topic, loopback.url("/feed.xml")).status_code == 302
    source = Source.objects.get()
    assert source.url == loopback.url("/feed.xml") and source.entry_count == 3
    assert Suggestion.objects.filter(topic=topic).count() == 3


def test_add_site_url_uses_autodiscovery(client_in, topic, loopback: LoopbackServer) -> None:
    loopback.routes["/"] = Reply(
        200,
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/f.xml">'
        b"</head></html>",
        {"Content-Type": "text/html"},
    )
    loopback.routes["/f.xml"] = Reply(200, three_items(), {"Content-Type": "application/rss+xml"})
    assert add(client_in, topic, loopback.url("/")).status_code == 302
    assert Source.objects.get().url == loopback.url("/f.xml")


@pytest.mark.parametrize(
    ("url", "route", "message"),
    [
        ("not a url", None, "Enter a full web address"),
        (
            "/page",
            Reply(200, b"<html><body>No feed here</body></html>", {"Content-Type": "text/html"}),
            "No feed found",
        ),
        ("/missing", None, "server answered 404"),
    ],
)
def test_bad_source_input(client_in, topic, loopback: LoopbackServer, url, route, message) -> None:
    if route is not None:
        loopback.routes[url] = route
    target = loopback.url(url) if url.startswith("/") else url
    response = add(client_in, topic, target)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Source.objects.exists() and not TopicSource.objects.exists()


def test_same_feed_twice_is_refused(client_in, topic, loopback: LoopbackServer) -> None:
    loopback.routes["/feed.xml"] = Reply(
        200, three_items(), {"Content-Type": "application/rss+xml"}
    )
    add(client_in, topic, loopback.url("/feed.xml"))
    response = add(client_in, topic, loopback.url("/feed.xml"))
    assert "already follows" in response.content.decode()
    assert TopicSource.objects.count() == 1


def test_private_address_is_refused_without_allow_list(client_in, topic, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, ALLOW_NETWORKS=())
    response = add(client_in, topic, "http://169.254.169.254/latest/meta-data")
    assert "private or reserved address" in response.content.decode()
    assert not Source.objects.exists()


def test_source_health_is_shown(client_in, topic) -> None:
    source = Source.objects.create(
        url="https://down.example/feed",
        last_error="The server answered 404 Not Found.",
        error_count=2,
    )
    TopicSource.objects.create(topic=topic, source=source)
    body = client_in.get(reverse("curation:sources", args=[topic.slug])).content.decode()
    assert "404 Not Found" in body and "2 errors in a row" in body


def test_bad_input_leaves_existing_data_untouched(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/feed.xml"] = Reply(
        200, three_items(), {"Content-Type": "application/rss+xml"}
    )
    add(client_in, topic, loopback.url("/feed.xml"))
    before = (
        list(Source.objects.values()),
        list(TopicSource.objects.values()),
        list(Suggestion.objects.values()),
    )
    loopback.routes["/page"] = Reply(
        200, b"<html><body>No feed</body></html>", {"Content-Type": "text/html"}
    )
    for bad in (
        "not a url",
        loopback.url("/page"),
        loopback.url("/missing"),
        loopback.url("/feed.xml"),
    ):
        assert add(client_in, topic, bad).status_code == 200
    after = (
        list(Source.objects.values()),
        list(TopicSource.objects.values()),
        list(Suggestion.objects.values()),
    )
    assert after == before


def test_removing_a_source_clears_its_pending_suggestions(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/feed.xml"] = Reply(
        200, three_items(), {"Content-Type": "application/rss+xml"}
    )
    add(client_in, topic, loopback.url("/feed.xml"))
    source = Source.objects.get()
    response = client_in.post(reverse("curation:source_remove", args=[topic.slug, source.pk]))
    assert response.status_code == 302
    assert not TopicSource.objects.exists() and not Suggestion.objects.exists()
    assert Source.objects.filter(pk=source.pk).exists()  # entries are kept for other topics


def test_following_again_a_feed_disabled_by_410_reenables_it(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/feed.xml"] = Reply(
        200, three_items(), {"Content-Type": "application/rss+xml"}
    )
    Source.objects.create(url=loopback.url("/feed.xml"), enabled=False, disabled_reason="410 Gone")
    assert add(client_in, topic, loopback.url("/feed.xml")).status_code == 302
    source = Source.objects.get()
    assert source.enabled and source.disabled_reason == "" and source.entry_count == 3


def test_temporary_redirect_keeps_the_address_asked_for(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/feed.xml"] = Reply(302, b"", {"Location": "/mirror-123.xml"})
    loopback.routes["/mirror-123.xml"] = Reply(
        200, three_items(), {"Content-Type": "application/rss+xml"}
    )
    add(client_in, topic, loopback.url("/feed.xml"))
    assert Source.objects.get().url == loopback.url("/feed.xml")


def test_full_text_option_and_weekly_count(client_in, topic, django_user_model) -> None:
    from florilege.sources.models import Entry

    source = Source.objects.create(url="https://n.example/feed", entry_count=1)
    TopicSource.objects.create(topic=topic, source=source)
    Entry.objects.create(source=source, key="k1", title="Fresh")
    url = reverse("curation:source_options", args=[topic.slug, source.pk])
    assert client_in.post(url, {"full_text": "on"}).status_code == 302
    source.refresh_from_db()
    assert source.full_text
    assert "1 (1)" in client_in.get(reverse("curation:sources", args=[topic.slug])).content.decode()
    client_in.post(url, {})
    source.refresh_from_db()
    assert not source.full_text
    other = django_user_model.objects.create_user("other", password="another-long-password")
    client_in.force_login(other)
    assert client_in.post(url, {"full_text": "on"}).status_code == 403
