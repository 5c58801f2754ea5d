"""Dates in the topic's time zone and the page's language, as <time> elements."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from florilege.curation.dates import show_date, zone_named
from florilege.curation.tests.flow_helpers import make_scoop

WINTER = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 23, 30, tzinfo=UTC)



@pytest.fixture(autouse=True)
def _language_reset():
    """A page asked for in French leaves French active in this thread (the locale
    middleware never deactivates): put the default back for the tests that follow."""
    yield
    translation.deactivate()

@pytest.mark.parametrize(
    ("moment", "zone", "language", "style", "text", "iso"),
    [
        (WINTER, "UTC", "en", "datetime", "Jan. 15, 2026, 11:30 p.m.", "2026-01-15T23:30:00+00:00"),
        # Paris is an hour ahead in winter, two in summer: the day changes too.
        (WINTER, "Europe/Paris", "fr", "datetime", "16 janvier 2026 00:30",
         "2026-01-16T00:30:00+01:00"),
        (SUMMER, "Europe/Paris", "fr", "datetime", "16 juillet 2026 01:30",
         "2026-07-16T01:30:00+02:00"),
        (SUMMER, "America/New_York", "en", "date", "July 15, 2026", "2026-07-15T19:30:00-04:00"),
        (WINTER, "Asia/Tokyo", "fr", "short", "16/01/2026 08:30", "2026-01-16T08:30:00+09:00"),
        # A zone the system does not know falls back to the site's (UTC), never an error.
        (WINTER, "Mars/Olympus", "en", "date", "Jan. 15, 2026", "2026-01-15T23:30:00+00:00"),
        (WINTER, "", "en", "date", "Jan. 15, 2026", "2026-01-15T23:30:00+00:00"),
    ],
)  # fmt: skip
def test_show_date(moment, zone, language, style, text, iso) -> None:
    with translation.override(language):
        shown = show_date(moment, zone, style)
    assert (shown.text, shown.iso) == (text, iso)


def test_naive_moments_are_read_as_utc() -> None:
    assert show_date(datetime(2026, 1, 15, 23, 30), "Europe/Paris").iso.endswith("+01:00")


def test_unknown_zone_is_the_site_zone() -> None:
    assert zone_named("Nowhere/Land").key == "UTC"
    assert zone_named("Europe/Paris").key == "Europe/Paris"


class _Topic:
    time_zone = "Europe/Paris"


def test_tag_renders_a_time_element() -> None:
    template = Template("{% load topic_dates %}{% topic_time when topic %}|{% topic_time none %}")
    with translation.override("en"):
        html = template.render(Context({"when": WINTER, "topic": _Topic(), "none": None}))
    assert html == (
        '<time datetime="2026-01-16T00:30:00+01:00" title="Europe/Paris">'
        "Jan. 16, 2026, 12:30 a.m.</time>|"
    )


@pytest.mark.django_db
def test_curator_lists_show_local_dates_not_iso(client_in, topic, curator) -> None:
    topic.time_zone = "Europe/Paris"
    topic.save()
    make_scoop(topic, curator, "published", published_at=WINTER)
    make_scoop(topic, curator, "scheduled", 2, published_at=SUMMER)
    pages = [
        reverse("curation:scoops", args=[topic.slug]) + "?status=published",
        reverse("curation:schedule", args=[topic.slug]),
    ]
    for url in pages:
        html = client_in.get(url).content.decode()
        assert 'title="Europe/Paris">' in html, url
        assert "2026-01-15 23:30" not in html and "2026-07-15 23:30" not in html, url
        assert " UTC</time>" not in html, url
    client_in.cookies["django_language"] = "fr"
    html = client_in.get(pages[1], HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert ">16 juillet 2026 01:30</time>" in html
