import pytest

from florilege.curation.tests.test_sources import add
from florilege.sources.models import Source
from florilege.sources.tests.feeds import three_items
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db

RSS = {"Content-Type": "application/rss+xml"}
HTML = {"Content-Type": "text/html"}


def paths(loopback: LoopbackServer) -> list[str]:
    return [path for path, _ in loopback.requests]


def test_profile_url_maps_to_its_feed_without_fetching_the_page(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/@alice.rss"] = Reply(200, three_items(), RSS)
    assert add(client_in, topic, loopback.url("/@alice")).status_code == 302
    assert Source.objects.get().url == loopback.url("/@alice.rss")
    assert paths(loopback) == ["/@alice.rss"]


def test_profile_mapping_that_fails_falls_back_to_the_page(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/@bob"] = Reply(
        200, b'<link rel="alternate" type="application/rss+xml" href="/users/bob.xml">', HTML
    )
    loopback.routes["/users/bob.xml"] = Reply(200, three_items(), RSS)
    assert add(client_in, topic, loopback.url("/@bob")).status_code == 302
    assert Source.objects.get().url == loopback.url("/users/bob.xml")
    assert paths(loopback) == ["/@bob.rss", "/@bob", "/users/bob.xml"]


def test_page_without_link_tries_common_paths(client_in, topic, loopback: LoopbackServer) -> None:
    loopback.routes["/"] = Reply(200, b"<html><body>Nothing advertised</body></html>", HTML)
    loopback.routes["/rss"] = Reply(200, three_items(), RSS)
    assert add(client_in, topic, loopback.url("/")).status_code == 302
    assert Source.objects.get().url == loopback.url("/rss")
    assert paths(loopback) == ["/", "/feed", "/rss"]


def test_common_paths_are_at_most_four_fetches(client_in, topic, loopback: LoopbackServer) -> None:
    loopback.routes["/blog/"] = Reply(200, b"<html><body>Nothing</body></html>", HTML)
    loopback.routes["/index.xml"] = Reply(200, three_items(), RSS)  # fifth guess or later
    response = add(client_in, topic, loopback.url("/blog/"))
    assert "No feed found" in response.content.decode()
    assert len(paths(loopback)) == 1 + 4
    assert not TopicSource.objects.exists()


def test_common_path_that_is_a_page_is_not_taken(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/"] = Reply(200, b"<html><body>Home</body></html>", HTML)
    loopback.routes["/feed"] = Reply(200, b"<html><body>Soft 404</body></html>", HTML)
    loopback.routes["/feed.xml"] = Reply(200, three_items(), RSS)
    assert add(client_in, topic, loopback.url("/")).status_code == 302
    assert Source.objects.get().url == loopback.url("/feed.xml")


def test_advertised_link_that_is_not_a_feed_says_so(
    client_in, topic, loopback: LoopbackServer
) -> None:
    loopback.routes["/"] = Reply(
        200, b'<link rel="alternate" type="application/rss+xml" href="/broken.xml">', HTML
    )
    loopback.routes["/broken.xml"] = Reply(200, b"<html><body>oops</body></html>", HTML)
    page = add(client_in, topic, loopback.url("/")).content.decode()
    assert f"The page points to {loopback.url('/broken.xml')}, which is not a feed" in page
    # A page that advertises a feed gets no guesses.
    assert paths(loopback) == ["/", "/broken.xml"]
