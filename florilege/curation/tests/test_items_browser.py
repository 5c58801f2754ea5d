"""At 360 px: the queue card's source line (name and address) and its story's other
sources fit without a horizontal scrollbar; the all-items list from the keyboard (m marks
read in place, s scoops through the queue's form); opening an item marks it read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from florilege.curation.models import EntryRead
from florilege.curation.tests.flow_helpers import entry, follow, suggestion
from florilege.suggestions.models import Story, StoryMember, Suggestion
from florilege.testing import artifacts_dir

PHONE = {"width": 360, "height": 800}
LONG = "https://news.example/" + "section/" * 6 + "a-very-long-feed-name.atom.xml"


def _login(page, live_server, path: str) -> None:
    page.goto(live_server.url + "/login/?next=" + path)
    page.fill("input[name=username]", "curator")
    page.fill("input[name=password]", "a-long-test-password")
    page.click("button[type=submit], input[type=submit]")
    # The page asked for, loaded with its deferred scripts (the keys and the "open" link are
    # theirs): on a busy machine its cards can be there before its scripts have run.
    page.wait_for_url(f"**{path}")
    page.wait_for_load_state("load")


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_queue_card_sources_at_360px(chromium, live_server, topic) -> None:
    now = datetime.now(UTC)
    first = follow(topic, LONG, "Le Quotidien des Réseaux Sociaux et des Communautés")
    second = follow(topic, LONG.replace("news.", "other."), "Le Quotidien des Réseaux Sociaux")
    story = Story.objects.create(first_seen=now, last_seen=now, size=2)
    for n, source in enumerate((first, second)):
        item = entry(source, f"k{n}", "Mastodon grows again", fetched_at=now)
        StoryMember.objects.create(entry=item, story=story, reason="near", seen_at=now)
        suggestion(topic, item, score=2.0 - n)
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        _login(page, live_server, f"/curate/t/{topic.slug}/")
        card = page.locator("article.suggestion")
        assert card.count() == 1
        also = card.locator(".also-in")
        assert also.is_visible() and "other.example" in also.inner_text()
        host = card.locator(".meta .source-host")
        assert host.inner_text() == "news.example/…/a-very-long-feed-name.atom.xml"
        assert host.get_attribute("title") == LONG
        page.screenshot(path=str(artifacts_dir() / "queue-card-sources-360.png"), full_page=True)
        assert _scroll_width(page) <= PHONE["width"]
    finally:
        context.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_items_from_the_keyboard_at_360px(chromium, live_server, topic, curator) -> None:
    now = datetime.now(UTC)
    source = follow(topic, LONG, "Press")
    older = entry(source, "a", "Older item", fetched_at=now.replace(year=now.year - 1))
    newer = entry(source, "b", "Newer item", fetched_at=now)
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        _login(page, live_server, f"/curate/t/{topic.slug}/items/")
        page.wait_for_selector(f"#i-{newer.pk}")
        page.evaluate("window.stayed = true")
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.id") == f"i-{newer.pk}"
        page.keyboard.press("m")
        page.wait_for_selector(f"#i-{newer.pk}.read")
        assert page.evaluate("window.stayed") is True
        assert EntryRead.objects.get(entry=newer).read is True
        page.screenshot(path=str(artifacts_dir() / "items-keyboard-360.png"), full_page=True)
        assert _scroll_width(page) <= PHONE["width"]
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.id") == f"i-{older.pk}"
        page.keyboard.press("s")
        page.wait_for_url("**/scoop/**")
        made = Suggestion.objects.get(topic=topic, entry=older)
        assert page.url.endswith(f"/scoop/{made.pk}/")
    finally:
        context.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_opening_an_item_marks_it_read(chromium, live_server, topic, curator) -> None:
    now = datetime.now(UTC)
    item = entry(follow(topic, LONG, "Press"), "a", "An item", fetched_at=now)
    context = chromium.new_context()
    page = context.new_page()
    # The article's site, answered here: the test never leaves the machine.
    page.route("https://news.example/**", lambda route: route.fulfill(body="<p>The article</p>"))
    try:
        _login(page, live_server, f"/curate/t/{topic.slug}/items/")
        page.click(f"#i-{item.pk} [data-open]")
        page.wait_for_selector("text=The article")
        # The post outlives the page it left (keepalive).
        for _ in range(150):  # up to 15 s: a busy machine delays the post, never loses it
            if EntryRead.objects.filter(entry=item, read=True).exists():
                break
            page.wait_for_timeout(100)
        assert EntryRead.objects.get(entry=item).read is True
    finally:
        context.close()
