"""The Audience page: sections, charts that say what their tables say, CSV, JSON, roles."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from florilege.analytics.models import DailyCount, RollupDay
from florilege.curation.tests.flow_helpers import make_scoop
from florilege.topics.tests.team_fixtures import ROLES

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def figures(topic, curator):
    """Ten rolled-up days of a topic: views, visitors, clicks, buckets, followers, hours."""
    today = timezone.now().date()
    scoop = make_scoop(topic, curator, "published")
    rows = []
    for i in range(1, 11):
        day = today - timedelta(days=i)
        RollupDay.objects.create(day=day, done_at=timezone.now())
        for kind, key, value in [
            ("views", "", 1000 + i), ("visitors", "", 400 + i), ("clicks", "", 50 + i),
            ("scoop_views", str(scoop.pk), 300 + i), ("scoop_clicks", str(scoop.pk), 20 + i),
            ("referrer", "search", 100 * i), ("referrer", "fediverse", 7 * i),
            ("device", "phone", 600), ("device", "desktop", 400 + i),
            ("followers", "email", 10 + i), ("followers", "feed", 42), ("followers", "websub", 3),
            ("click_hour", "0-09", 9), ("likes", str(scoop.pk), 2),
            ("digest_sent", "3", 12), ("edition_clicks", "3", 4),
        ]:  # fmt: skip
            rows.append(DailyCount(topic=topic, day=day, kind=kind, key=key, value=value))
    DailyCount.objects.bulk_create(rows)
    return scoop


def _table(html: str, key: str) -> list[list[str]]:
    body = html.split(f'data-table="{key}"', 1)[1].split("</table>", 1)[0]
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        out.append(re.findall(r'<td data-value="([^"]*)"', tr))
    return out


def _svgs(html: str) -> dict[str, ET.Element]:
    found = {}
    for chunk in html.split("<section")[1:]:
        key = re.search(r'id="(\w+)"', chunk)
        svg = re.search(r"<svg .*?</svg>", chunk.split("</section>")[0], re.S)
        if key and svg:
            found[key.group(1)] = ET.fromstring(svg.group(0))  # valid XML, or this raises
    return found


def _series(svg: ET.Element) -> dict[str, list[str]]:
    return {
        str(p.get("data-series")): str(p.get("data-values")).split()
        for p in svg.iter(f"{SVG}polyline")
    }


def test_charts_are_valid_svg_and_say_what_the_tables_say(client_in, topic, figures) -> None:
    html = client_in.get(reverse("curation:audience", args=[topic.slug]) + "?days=7").content
    page = html.decode()
    svgs = _svgs(page)
    assert {"daily", "scoops", "referrers", "devices", "followers"} <= set(svgs)
    for svg in svgs.values():
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
    daily = _table(page, "daily")
    lines = _series(svgs["daily"])
    assert lines["Views"] == [row[0] for row in daily]
    assert lines["Clicks"] == [row[2] for row in daily]
    assert len(daily) == 7 and daily[-1][0] == "1001"
    bars = [r.get("data-value") for r in svgs["referrers"].iter(f"{SVG}rect")]
    assert bars == [row[0] for row in _table(page, "referrers")]
    assert bars[0] == str(sum(100 * i for i in range(1, 8)))
    followers = _series(svgs["followers"])
    assert followers["Email"] == [row[0] for row in _table(page, "followers")]
    # Fediverse engagement day by day: two likes a day, nothing else.
    engagement = _table(page, "engagement")
    assert engagement == [["2", "0", "0"]] * 7
    assert _series(svgs["engagement"])["Likes"] == [row[0] for row in engagement]


def test_headlines_compare_with_the_previous_period(client, client_in, topic, figures) -> None:
    data = client_in.get(reverse("curation:audience_json", args=[topic.slug]) + "?days=7").json()
    views = data["headlines"]["views"]
    assert views["value"] == sum(1000 + i for i in range(1, 8))
    assert views["previous"] == sum(1000 + i for i in range(8, 11))
    assert data["tables"]["scoops"]["rows"][0][1] == sum(300 + i for i in range(1, 8))
    assert data["tables"]["digests"]["rows"] == [["#3", 84, 0, 28]]


def test_websub_subscriptions_are_shown_among_feed_followers(client_in, topic, figures) -> None:
    url = reverse("curation:audience", args=[topic.slug]) + "?days=7"
    followers = _table(client_in.get(url).content.decode(), "followers")
    assert followers[-1] == ["11", "0", "42", "3", "0"]  # email, fediverse, feeds, hubs, left
    data = client_in.get(reverse("curation:audience_json", args=[topic.slug]) + "?days=7").json()
    table = data["tables"]["followers"]
    assert table["headers"][4] == "Of which WebSub hubs" and table["rows"][-1][4] == 3
    # Counted once: the hubs are among the feed followers, not a channel of their own.
    assert data["headlines"]["followers"]["value"] == 11 + 42
    csv_url = reverse("curation:audience_csv", args=[topic.slug, "followers"]) + "?days=7"
    header = next(csv.reader(io.StringIO(client_in.get(csv_url).content.decode())))
    assert "Of which WebSub hubs" in header


def test_every_table_exports_as_csv(client_in, topic, figures) -> None:
    page = client_in.get(reverse("curation:audience", args=[topic.slug])).content.decode()
    keys = re.findall(r'data-table="(\w+)"', page)
    assert len(keys) >= 7
    for key in keys:
        response = client_in.get(reverse("curation:audience_csv", args=[topic.slug, key]))
        assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) == 1 + len(_table(page, key))
    empty = client_in.get(reverse("curation:audience_csv", args=[topic.slug, "never"]))
    assert empty.content.decode().strip() == "Source"
    missing = client_in.get(reverse("curation:audience_csv", args=[topic.slug, "nope"]))
    assert missing.status_code == 404


def test_best_time_waits_for_enough_data(client_in, topic, figures) -> None:
    page = client_in.get(reverse("curation:audience", args=[topic.slug]) + "?days=7").content
    assert b'data-table="best"' in page  # 63 clicks in the Monday 09:00 cell
    DailyCount.objects.filter(kind="click_hour").update(value=1)
    RollupDay.objects.update(done_at=timezone.now())  # as the rollup that rewrote them
    short = client_in.get(reverse("curation:audience", args=[topic.slug]) + "?days=7")
    assert b'data-table="best"' not in short.content and b"(7 so far)" in short.content


def test_numbers_and_dates_are_localised(client_in, topic, figures) -> None:
    url = reverse("curation:audience", args=[topic.slug]) + "?days=7"
    en = client_in.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    fr = client_in.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "7,028" in en
    assert re.search("7[\u202f\xa0 ]028", fr)


def test_query_count_is_pinned(client_in, topic, figures, django_assert_num_queries) -> None:
    url = reverse("curation:audience", args=[topic.slug]) + "?days=365"
    with django_assert_num_queries(15):
        first = client_in.get(url)
    # The daily rows' report is kept until the next rollup: three reads fewer.
    with django_assert_num_queries(12):
        again = client_in.get(url)
    tables = re.compile(rb"<tbody>.*?</tbody>", re.S)
    assert tables.findall(again.content) == tables.findall(first.content)


def test_a_rollup_refreshes_the_kept_report(client_in, topic, figures) -> None:
    url = reverse("curation:audience", args=[topic.slug]) + "?days=7"
    assert b"7,028" in client_in.get(url).content  # views of the week
    DailyCount.objects.filter(kind="views").update(value=2000)
    assert b"7,028" in client_in.get(url).content  # kept: no rollup since
    RollupDay.objects.update(done_at=timezone.now())  # as the rollup that rewrote the rows
    page = client_in.get(url).content
    assert b"7,028" not in page and b"14,000" in page


def test_the_scoop_page_shows_its_figures_to_editors(client_in, topic, figures) -> None:
    page = client_in.get(reverse("curation:scoop_edit", args=[topic.slug, figures.pk])).content
    assert b'class="scoop-figures"' in page and b"3,055" in page


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 200), ("contributor", 200), ("editor", 200), ("owner_member", 200),
     ("admin", 200), ("outsider", 403)],
)  # fmt: skip
def test_topic_audience_is_for_its_team(client, team, topic, role, status) -> None:
    client.force_login(team[role])
    for name in ("curation:audience", "curation:audience_json"):
        assert client.get(reverse(name, args=[topic.slug])).status_code == status
    csv_url = reverse("curation:audience_csv", args=[topic.slug, "daily"])
    assert client.get(csv_url).status_code == status


@pytest.mark.parametrize(("role", "status"), [("owner_member", 403), ("admin", 200)])
def test_the_site_wide_audience_is_for_administrators(client, team, role, status) -> None:
    client.force_login(team[role])
    for url in (reverse("site_audience"), reverse("site_audience_json"),
                reverse("site_audience_csv", args=["daily"])):  # fmt: skip
        assert client.get(url).status_code == status


def test_anonymous_readers_are_sent_to_sign_in(client, topic) -> None:
    assert client.get(reverse("curation:audience", args=[topic.slug])).status_code == 302


def test_roles_are_known() -> None:
    assert {"viewer", "outsider", "admin"} <= set(ROLES)


def test_a_scoop_made_before_its_item_arrived_has_no_wait() -> None:
    from datetime import UTC, datetime

    from florilege.curation.services.audience import wait_hours

    arrived = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert wait_hours(arrived + timedelta(hours=3, minutes=30), arrived) == 3.5
    assert wait_hours(arrived, arrived) == 0.0
    # Scooped by its address before the feed brought it: not a wait, and never negative.
    assert wait_hours(arrived - timedelta(hours=15), arrived) is None
    assert wait_hours(arrived, None) is None
