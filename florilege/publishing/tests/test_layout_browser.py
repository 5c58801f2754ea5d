"""The topic page's layouts in Debian's Chromium: 12 scoops with pictures, long insights and
long excerpts fit a phone in under 6,000 px; "read more" opens a card in place with the
script and leads to the permalink without it; the grid puts cards side by side on a desktop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from florilege.curation.models import Scoop
from florilege.lib.markdown import render_markdown
from florilege.testing import artifacts_dir

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
# Inline, so the page loads nothing from another host; 40x21 like a social card.
IMAGE = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 40 21'%3E"
    "%3Crect width='40' height='21' fill='%23369'/%3E%3C/svg%3E"
)
PHONE = {"width": 360, "height": 800}
MAX_PHONE_HEIGHT = 6000
INSIGHT = (
    "Why it matters: **moderation** at the scale of a federation is a matter of shared "
    "lists, of response times and of trust between the people who run the servers. "
)


@pytest.fixture
def twelve(topic, curator):
    for i in range(12):
        insight = INSIGHT * 4 + f"\n\nA second paragraph of the insight, number {i}, " * 3
        Scoop.objects.create(
            topic=topic,
            curator=curator,
            url=f"https://news.example/{i}",
            canonical_url=f"https://news.example/{i}",
            title=f"A long enough headline about the fediverse and its servers, number {i}",
            excerpt="An excerpt of the article, as its feed gave it, long as they come. " * 8,
            image_url=IMAGE,
            image_width=1200,
            image_height=630,
            source_name="News of the federated web",
            language="en",
            insight=insight,
            insight_html=render_markdown(insight),
            tags=["fediverse", "moderation", "servers"],
            published_at=NOW - timedelta(hours=i),
        )
    return topic


HEIGHT = "document.documentElement.scrollHeight"


def test_twelve_scoops_fit_a_phone_in_either_layout(chromium, live_server, twelve) -> None:
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        for layout in ("list", "grid"):
            page.goto(f"{live_server.url}{twelve.get_absolute_url()}?layout={layout}")
            assert page.locator("article.scoop").count() == 12
            height = page.evaluate(HEIGHT)
            page.screenshot(path=str(artifacts_dir() / f"topic-12-{layout}-360px.png"),
                            full_page=True)  # fmt: skip
            assert height < MAX_PHONE_HEIGHT, f"{layout}: {height} px"
            # Nothing wider than the phone.
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_the_measure_can_fail(chromium, live_server, twelve) -> None:
    """Unclamped (every card opened), the same page is far taller: the limit means something."""
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url + twelve.get_absolute_url())
        page.evaluate("document.querySelectorAll('.scoop').forEach(c => c.classList.add('open'))")
        assert page.evaluate(HEIGHT) > MAX_PHONE_HEIGHT
    finally:
        context.close()


def test_read_more_opens_in_place_with_the_script(chromium, live_server, twelve) -> None:
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        url = live_server.url + twelve.get_absolute_url()
        page.goto(url)
        card = page.locator("article.scoop").first
        text = card.locator(".insight")
        button = card.locator("button.more")
        assert button.get_attribute("aria-expanded") == "false"
        assert card.locator("a.more").count() == 0  # the link became the button
        closed = text.bounding_box()["height"]
        button.click()
        assert page.url == url  # no page load
        assert button.get_attribute("aria-expanded") == "true"
        assert text.bounding_box()["height"] > closed * 1.5
        assert button.inner_text().startswith("Show less")
        button.click()
        assert text.bounding_box()["height"] == closed
    finally:
        context.close()


def test_read_more_is_a_link_to_the_permalink_without_the_script(
    chromium, live_server, twelve
) -> None:
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + twelve.get_absolute_url())
        first = Scoop.objects.order_by("-published_at").first()
        assert first is not None
        page.locator("article.scoop").first.locator("a.more").click()
        page.wait_for_url(live_server.url + first.get_absolute_url())
        assert page.locator("h1").inner_text() == first.title
    finally:
        context.close()


def test_the_grid_sets_cards_side_by_side_on_a_desktop(chromium, live_server, twelve) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}{twelve.get_absolute_url()}?layout=grid")
        boxes = [page.locator("article.scoop").nth(i).bounding_box() for i in range(5)]
        # The lead card spans two columns beside the second; then three in a row.
        assert boxes[0]["y"] == boxes[1]["y"] and boxes[0]["width"] > 1.8 * boxes[1]["width"]
        assert boxes[2]["y"] == boxes[3]["y"] == boxes[4]["y"] > boxes[0]["y"]
        page.screenshot(path=str(artifacts_dir() / "topic-grid-1280px.png"), full_page=True)
        page.goto(live_server.url + twelve.get_absolute_url())
        listed = [page.locator("article.scoop").nth(i).bounding_box() for i in range(2)]
        assert listed[1]["y"] > listed[0]["y"] + listed[0]["height"]  # one under another
        # The switch is shown where it changes something.
        assert page.locator("nav.layouts").is_visible()
    finally:
        context.close()
