"""The "useful" reaction (no personal data kept) and the embed widget and JSON."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.publishing.models import Comment, Reaction
from florilege.publishing.tests.helpers import make_scoops

pytestmark = pytest.mark.django_db


@pytest.fixture
def scoops(topic, curator):
    return make_scoops(topic, curator, 15, timezone.now() - timedelta(minutes=1))


def useful(client, scoop, agent="Firefox", addr="203.0.113.4", **extra):
    url = reverse("publishing:useful", args=[scoop.topic.slug, scoop.pk])
    return client.post(url, HTTP_USER_AGENT=agent, REMOTE_ADDR=addr, **extra)


def test_useful_counts_once_per_reader_and_works_without_javascript(client, topic, scoops):
    target = scoops[-1]
    response = useful(client, target, data={"next": "/t/social-networks/?page=1#scoop-1"})
    assert (
        response.status_code == 302 and response["Location"] == "/t/social-networks/?page=1#scoop-1"
    )
    useful(client, target)
    # The reader is their address: another browser there is the same reader.
    useful(client, target, agent="Safari")
    assert Reaction.objects.filter(scoop=target).count() == 1
    useful(client, target, addr="198.51.100.4")
    assert Reaction.objects.filter(scoop=target).count() == 2
    assert not Reaction.objects.filter(visitor__contains="203.0.113").exists()
    # An outside "next" is not followed.
    away = useful(
        client, target, agent="Edge", addr="192.0.2.8", data={"next": "https://evil.example/"}
    )
    assert away["Location"] == f"{target.get_absolute_url()}#scoop-{target.pk}"
    body = client.get(topic.get_absolute_url()).content.decode()
    card = body[body.index(f'id="scoop-{target.pk}"') :][:800]
    assert 'class="count">3<' in card
    # still no executable script on public pages (JSON-LD data is not run) but the offline
    # worker's registration, which the page does not need
    scripts = [t for t in re.findall(r"<script[^>]*>", body) if "application/ld+json" not in t]
    assert scripts == ['<script src="/static/florilege/app.js" data-worker="/sw.js" defer>']


def test_topic_page_counts_in_one_query(client, topic, scoops, django_assert_max_num_queries):
    for s in scoops:
        Reaction.objects.create(scoop=s, day=timezone.now().date(), visitor="v")
        Comment.objects.create(scoop=s, author_name="a", body="b", body_html="b", status="approved")
    client.get(topic.get_absolute_url(), HTTP_USER_AGENT="Safari")  # the day's salt
    # Same budget as the page without engagement: the counts are subqueries of the list.
    with django_assert_max_num_queries(8):
        body = client.get(topic.get_absolute_url(), HTTP_USER_AGENT="Firefox").content.decode()
    assert body.count("1 comment<") == 12


def test_cannot_react_to_a_scheduled_scoop(client, topic, scoops):
    future = scoops[0]
    future.published_at = timezone.now() + timedelta(days=1)
    future.save()
    assert useful(client, future).status_code == 404
    assert not Reaction.objects.exists()


def test_embed_page_may_be_framed_anywhere(client, topic, scoops):
    normal = client.get(topic.get_absolute_url())
    assert normal["X-Frame-Options"] == "DENY"
    response = client.get(reverse("publishing:embed", args=[topic.slug]), {"n": "3"})
    assert response.status_code == 200 and "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in normal["Content-Security-Policy"]
    body = response.content.decode()
    assert body.count("<li>") == 3 and "Story 14" in body and "Story 11" not in body
    assert 'target="_top"' in body and "<strong>matters</strong>" in body
    for bad in ("0", "-5", "9999", "x"):
        assert (
            client.get(reverse("publishing:embed", args=[topic.slug]), {"n": bad}).status_code
            == 200
        )


def test_embed_json_is_read_only_cors_and_cacheable(client, topic, scoops):
    url = reverse("publishing:embed_json", args=[topic.slug])
    response = client.get(url, {"n": 2})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=300" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["topic"]["title"] == "Social networks"
    first = data["items"][0]
    assert [i["title"] for i in data["items"]] == ["Story 14", "Story 13"]
    assert first["url"] == "https://news.example/14" and "<strong>" in first["insight_html"]
    assert first["permalink"].startswith("http://127.0.0.1:8000/t/social-networks/s/")
    assert client.post(url).status_code == 405
    topic.is_public = False
    topic.save()
    assert client.get(url).status_code == 404


def test_embed_script_writes_an_iframe_of_this_site(client, topic):
    response = client.get(reverse("publishing:embed_js", args=[topic.slug]))
    assert response["Content-Type"].startswith("text/javascript")
    script = response.content.decode()
    assert 'var FRAME = "http://127.0.0.1:8000/embed/social-networks/";' in script
    assert 'createElement("iframe")' in script and "http" not in script.replace(
        "http://127.0.0.1:8000/embed/social-networks/", ""
    )  # no third-party code or address


def test_permalink_shows_the_counts(client, topic, scoops, django_assert_max_num_queries):
    target = scoops[-1]
    useful(client, target)
    shown = {"author_name": "a", "body": "b", "body_html": "b", "status": "approved"}
    Comment.objects.create(scoop=target, **shown)
    Comment.objects.create(scoop=target, author_name="c", body="d", body_html="d")  # held
    client.get(target.get_absolute_url())  # the day's salt
    with django_assert_max_num_queries(4):  # scoop with counts, comments, session-less page
        body = client.get(target.get_absolute_url()).content.decode()
    assert 'class="count">1<' in body and "1 comment<" in body
