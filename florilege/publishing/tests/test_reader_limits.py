"""One rate limit for every readers' form, keyed on the (salted) address: changing the
User-Agent with each request does not reset it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from florilege.curation.models import ReaderSuggestion
from florilege.publishing.models import Comment, CommentReport, Reaction, Subscriber
from florilege.publishing.tests.helpers import make_scoop

pytestmark = pytest.mark.django_db
ADDRESS = "203.0.113.50"


@pytest.fixture
def scoop(topic, curator):
    return make_scoop(topic, curator, 1, datetime(2026, 3, 1, tzinfo=UTC))


def _rotating(client, url: str, data: dict, times: int) -> list[int]:
    """POST ``times`` times from one address, each time as another browser."""
    return [
        client.post(url, data, HTTP_USER_AGENT=f"Mozilla/5.0 Browser/{n}", REMOTE_ADDR=ADDRESS)
        .status_code
        for n in range(times)
    ]


def test_reader_suggestions_limit_ignores_the_user_agent(client, topic) -> None:
    url = reverse("flow:reader_suggest", args=[topic.slug])
    statuses = [
        client.post(url, {"url": f"https://blog.example/{n}", "note": "", "website": ""},
                    HTTP_USER_AGENT=f"Agent/{n}", REMOTE_ADDR=ADDRESS).status_code
        for n in range(7)
    ]  # fmt: skip
    assert statuses == [302] * 5 + [429] * 2
    assert ReaderSuggestion.objects.count() == 5


def test_useful_counts_an_address_once_whatever_its_user_agent(client, scoop) -> None:
    url = reverse("publishing:useful", args=[scoop.topic.slug, scoop.pk])
    _rotating(client, url, {}, 11)
    assert Reaction.objects.filter(scoop=scoop).count() == 1


def test_useful_and_reports_are_rate_limited_per_address(client, scoop, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, READER_REACTIONS_PER_HOUR=3)
    url = reverse("publishing:useful", args=[scoop.topic.slug, scoop.pk])
    assert _rotating(client, url, {}, 4) == [302] * 3 + [429]
    comment = Comment.objects.create(scoop=scoop, author_name="Eve", body="x",
                                     body_html="<p>x</p>", status="approved")  # fmt: skip
    report = reverse("publishing:comment_report", args=[scoop.topic.slug, comment.pk])
    assert _rotating(client, report, {}, 4) == [302] * 3 + [429]
    assert CommentReport.objects.count() == 1
    refused = client.post(report, REMOTE_ADDR=ADDRESS, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 429
    assert "Trop de demandes depuis votre adresse" in refused.content.decode()


def test_comments_and_follows_limit_ignores_the_user_agent(client, scoop, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, COMMENTS_PER_HOUR=2, SUBSCRIBES_PER_HOUR=2)
    comment = reverse("publishing:comment", args=[scoop.topic.slug, scoop.pk])
    data = {"name": "Ada", "email": "", "body": "Good read.", "website": ""}
    assert _rotating(client, comment, data, 3) == [302, 302, 400]
    assert Comment.objects.count() == 2
    follow = reverse("publishing:follow", args=[scoop.topic.slug])
    statuses = [
        client.post(follow, {"email": f"r{n}@example.org", "frequency": "weekly", "website": ""},
                    HTTP_USER_AGENT=f"Agent/{n}", REMOTE_ADDR=ADDRESS).status_code
        for n in range(3)
    ]  # fmt: skip
    assert statuses == [302, 302, 429]
    assert Subscriber.objects.count() == 2
