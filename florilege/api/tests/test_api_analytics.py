"""The Audience figures through the API: the page's own numbers (its JSON export, built by
the same service), for the roles that see the page, over the page's periods."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from florilege.curation.tests.test_audience import figures  # noqa: F401 - the fixture
from florilege.topics.permissions import Action
from florilege.topics.tests.team_fixtures import ROLES
from florilege.topics.tests.test_permission_matrix import EXPECTED

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.mark.usefixtures("figures")
def test_audience_is_the_pages_figures(api, token_for, team, topic) -> None:
    answer = api("get", f"/topics/{topic.slug}/analytics/audience?days=7",
                 token_for(team["viewer"], "read"))  # fmt: skip
    assert answer.status_code == 200, answer.content
    data = answer.json()
    web = Client()
    web.force_login(team["viewer"])
    page = web.get(reverse("curation:audience_json", args=[topic.slug]) + "?days=7").json()
    assert data == page
    views = data["headlines"]["views"]
    assert views["value"] == sum(1000 + i for i in range(1, 8))
    assert views["previous"] == sum(1000 + i for i in range(8, 11))
    assert {"views", "visitors", "clicks", "ctr", "followers"} <= set(data["headlines"])
    # Daily figures, top scoops and sources, referrers, devices, followers by channel,
    # digests, best time: every table of the page.
    assert {"daily", "scoops", "referrers", "devices", "followers", "digests", "best"} <= set(
        data["tables"]
    )
    assert data["tables"]["digests"]["rows"] == [["#3", 84, 0, 28]]
    assert data["scope"] == topic.slug and data["days"] == 7


@pytest.mark.parametrize("days", ["8", "0", "-7", "many"])
def test_audience_periods_are_the_pages(api, token_for, team, topic, days) -> None:
    answer = api("get", f"/topics/{topic.slug}/analytics/audience?days={days}",
                 token_for(team["viewer"], "read"))  # fmt: skip
    assert answer.status_code in (400, 422)
    assert answer["Content-Type"] == PROBLEM


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["analytics/views", "analytics/audience"])
def test_analytics_follow_the_audience_pages_matrix(api, token_for, team, topic, role, path):
    """The Audience page is shown to whoever may view the queue: the API answers the same."""
    answer = api("get", f"/topics/{topic.slug}/{path}", token_for(team[role], "read"))
    if role in EXPECTED[Action.VIEW_QUEUE]:
        assert answer.status_code == 200, answer.content
    else:
        assert answer.status_code == 403
        assert json.loads(answer.content)["detail"]


@pytest.mark.parametrize(("role", "status"), [("owner_member", 403), ("admin", 200)])
def test_the_site_wide_audience_is_for_administrators(api, token_for, team, role, status):
    answer = api("get", "/analytics/audience?days=30", token_for(team[role], "read"))
    assert answer.status_code == status, answer.content
    if status == 200:
        assert answer.json()["scope"] == "site"
