"""Followers by feed, as feed readers report them in their user agents.

Each fixture is in the shape its service sends, and says where that shape was read."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from florilege.analytics import counting, services
from florilege.analytics.classify import feed_subscribers, is_probably_bot
from florilege.analytics.models import DailyCount, ViewEvent
from florilege.analytics.rollup import roll_up

# Feedly's fetcher page (feedly.com/fetcher.html) names the "Feedly/1.0" agent; the
# subscriber count follows the Google Feedfetcher convention ("…; N subscribers").
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 42 subscribers; like FeedFetcher-Google)"
FEEDLY_ONE = "Feedly/1.0 (+https://feedly.com/fetcher.html; 1 subscriber)"
# Inoreader's fetcher as publishers' logs report it (no primary source found to confirm
# it): the count at the end of the comment, in the Feedfetcher convention.
INOREADER = "Mozilla/5.0 (compatible; Inoreader/2.0; +https://www.inoreader.com; 12 subscribers)"
# NewsBlur's own source (samuelclay/NewsBlur, apps/rss_feeds/models.py, Feed.fetch user agent):
# "NewsBlur Feed Fetcher - %s subscriber%s - %s %s" with the feed's permalink.
NEWSBLUR = (
    "NewsBlur Feed Fetcher - 7 subscribers - https://www.newsblur.com/site/123/florilege "
    "(Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_1) AppleWebKit/534.48.3 "
    "(KHTML, like Gecko) Version/5.1 Safari/534.48.3)"
)
# Miniflux's default (miniflux/v2, internal/config: "Mozilla/5.0 (compatible; Miniflux/"
# + version + "; +https://miniflux.app)"): one self-hosted instance, no count.
MINIFLUX = "Mozilla/5.0 (compatible; Miniflux/2.2.3; +https://miniflux.app)"
# FeedHQ's wiki page "User-Agent" documents this exact form.
FEEDHQ = (
    "FeedHQ/1.0 (https://github.org/feedhq/feedhq; 3 subscribers; "
    "https://github.com/feedhq/feedhq/wiki/User-Agent; like FeedFetcher-Google)"
)
# Superfeedr, a WebSub hub, as a web server's access log records it (no count: one fetch
# stands for the subscriptions the hub holds for the feed).
SUPERFEEDR = (
    "Superfeedr bot/2.0 http://superfeedr.com - Make your feeds realtime: get in touch - "
    "feed-id:46271263"
)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ua", "expected"),
    [
        (FEEDLY, ("feedly", 42)),
        (FEEDLY_ONE, ("feedly", 1)),
        (INOREADER, ("inoreader", 12)),
        (NEWSBLUR, ("newsblur", 7)),
        (MINIFLUX, ("miniflux", 1)),
        (FEEDHQ, ("other", 3)),
        (SUPERFEEDR, ("websub", 1)),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0", None),
    ],
)
def test_subscriber_counts_are_read_from_user_agents(ua, expected) -> None:
    assert feed_subscribers(ua) == expected


def test_feed_readers_are_robots_on_pages() -> None:
    assert all(is_probably_bot(ua) for ua in (FEEDLY, NEWSBLUR))


@pytest.mark.django_db
def test_feed_fetches_become_followers_by_feed(client, topic) -> None:
    services._salts.clear()
    counting.forget_counted()
    url = reverse("publishing:feed", args=[topic.slug, "atom"])
    for ua, address in [
        (FEEDLY.replace("42", "40"), "192.0.2.1"),
        (FEEDLY, "192.0.2.2"),  # the larger report of the day counts
        (INOREADER, "192.0.2.3"),
        (MINIFLUX, "192.0.2.4"),
        (MINIFLUX, "192.0.2.5"),  # another instance
        (MINIFLUX, "192.0.2.5"),  # the same one again
        (SUPERFEEDR, "192.0.2.6"),  # a WebSub hub
    ]:
        assert client.get(url, HTTP_USER_AGENT=ua, REMOTE_ADDR=address).status_code == 200
    assert ViewEvent.objects.filter(device="feed").count() == 7

    ViewEvent.objects.update(at=NOW)
    roll_up(NOW.date())
    row = DailyCount.objects.get(topic=topic, kind="followers", key="feed")
    assert row.value == 42 + 12 + 2 + 1
    hubs = DailyCount.objects.get(topic=topic, kind="followers", key="websub")
    assert hubs.value == 1  # among the feed followers, said apart
    roll_up(NOW.date())  # again, once the hashes are blanked: the feed rows are kept
    assert DailyCount.objects.get(topic=topic, kind="followers", key="websub").value == 1
    assert DailyCount.objects.get(topic=topic, kind="followers", key="feed").value == 57
    assert not DailyCount.objects.filter(kind="views").exists()  # fetches are not views
