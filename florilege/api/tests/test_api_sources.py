"""Sources through the API: follow by a page's address (the feed found by discovery, on a
loopback server), list with health, OPML out and in, unfollow."""

from __future__ import annotations

import pytest

from florilege.sources.models import Source
from florilege.sources.tests.feeds import three_items
from florilege.suggestions.models import Suggestion
from florilege.testing import LoopbackServer, Reply
from florilege.topics.models import TopicSource

pytestmark = pytest.mark.django_db

OPML = """<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>
<outline text="A" type="rss" xmlUrl="https://a.example/feed.xml"/>
<outline text="Bad" type="rss" xmlUrl="ftp://b.example/feed"/>
</body></opml>"""


def test_follow_list_export_import_unfollow(api, token_for, team, topic, loopback) -> None:
    server: LoopbackServer = loopback
    server.routes["/"] = Reply(
        200,
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/f.xml">'
        b"</head></html>",
        {"Content-Type": "text/html"},
    )
    server.routes["/f.xml"] = Reply(200, three_items(), {"Content-Type": "application/rss+xml"})
    token = token_for(team["editor"], "curate")
    added = api("post", f"/topics/{topic.slug}/sources", token, json={"url": server.url("/")})
    assert added.status_code == 201, added.content
    assert added.json()["url"] == server.url("/f.xml") and added.json()["health"] == "ok"
    assert Suggestion.objects.filter(topic=topic).count() == 3

    listed = api("get", f"/topics/{topic.slug}/sources", token).json()["items"]
    assert [s["url"] for s in listed] == [server.url("/f.xml")]

    exported = api("get", f"/topics/{topic.slug}/sources/opml", token)
    assert exported["Content-Type"].startswith("text/x-opml")
    assert server.url("/f.xml") in exported.content.decode()

    report = api("post", f"/topics/{topic.slug}/sources/opml", token, json={"opml": OPML})
    assert report.json() == {"added": 1, "already_followed": 0, "invalid": 1, "duplicates": 0}
    bad = api("post", f"/topics/{topic.slug}/sources/opml", token, json={"opml": "<html>"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"

    source = Source.objects.get(url=server.url("/f.xml"))
    gone = api("delete", f"/topics/{topic.slug}/sources/{source.pk}", token)
    assert gone.status_code == 204
    assert not TopicSource.objects.filter(topic=topic, source=source).exists()
    assert api("delete", f"/topics/{topic.slug}/sources/{source.pk}", token).status_code == 404


def test_a_bad_address_is_a_400(api, token_for, team, topic) -> None:
    token = token_for(team["editor"], "curate")
    answer = api("post", f"/topics/{topic.slug}/sources", token, json={"url": "not a url"})
    assert answer.status_code == 400
    assert answer.json()["detail"]
    assert not TopicSource.objects.exists()


def test_views_per_day(api, token_for, team, topic) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from florilege.analytics.models import DailyCount

    today = timezone.now().date()
    DailyCount.objects.create(topic=topic, day=today, kind="views", value=7)
    DailyCount.objects.create(topic=topic, day=today - timedelta(days=400), kind="views", value=9)
    body = api("get", f"/topics/{topic.slug}/analytics/views", token_for(team["editor"])).json()
    assert body == {"total": 7, "days": [{"day": today.isoformat(), "views": 7}]}
    # As the Audience page, which shows the same views to every member.
    viewer = api("get", f"/topics/{topic.slug}/analytics/views", token_for(team["viewer"]))
    assert viewer.status_code == 200
    outsider = api("get", f"/topics/{topic.slug}/analytics/views", token_for(team["outsider"]))
    assert outsider.status_code == 403
