"""The engagement desk in a real browser at a phone's and a desktop's width: the rows fit,
j/k select, i and d change the status in place (no reload), o opens the item, a note and
a reply on the site are sent from its page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from florilege.curation.models import DeskItem, DeskNote
from florilege.publishing.models import Comment
from florilege.publishing.services import comments
from florilege.publishing.tests.helpers import make_scoops
from florilege.testing import artifacts_dir

OVERFLOW = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "height"), [(360, 800), (1280, 900)])
def test_working_the_desk_from_the_keyboard(chromium, live_server, topic, curator, width, height):
    now = datetime.now(UTC)
    [scoop] = make_scoops(topic, curator, 1, now - timedelta(hours=1))
    bodies = ("Thanks, a lovely find.", "Article nul, une arnaque.", "Could you add the source?")
    for n, body in enumerate(bodies):
        when = now - timedelta(minutes=10 - n)
        comments.post_comment(
            scoop, name=f"Reader {n}", email="", body=body, visitor=f"v{n}", now=when
        )
    flagged = DeskItem.objects.get(needs_attention=True)
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(live_server.url + f"/login/?next=/curate/t/{topic.slug}/desk/")
        page.fill("input[name=username]", "curator")
        page.fill("input[name=password]", "a-long-test-password")
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_selector(".desk-list [data-card]")
        assert not page.evaluate(OVERFLOW), "the desk scrolls sideways"
        assert page.locator(".desk-item.attention").first.get_attribute("id") == f"d-{flagged.pk}"
        assert "words: nul, arnaque" in page.locator(f"#d-{flagged.pk}").inner_text()
        page.screenshot(path=str(artifacts_dir() / f"desk-{width}.png"), full_page=True)
        page.evaluate("window.stayed = true")

        page.keyboard.press("j")  # the flagged item comes first
        assert page.evaluate("document.activeElement.id") == f"d-{flagged.pk}"
        page.keyboard.press("i")
        page.wait_for_selector(f"#d-{flagged.pk}.status-in_progress")
        assert page.evaluate("document.activeElement.id") == f"d-{flagged.pk}"
        page.keyboard.press("j")
        second = page.evaluate("document.activeElement.id")
        assert second.startswith("d-") and second != f"d-{flagged.pk}"
        page.keyboard.press("d")
        page.wait_for_selector(f"#{second}.status-done")
        assert page.evaluate("window.stayed") is True
        assert DeskItem.objects.get(pk=flagged.pk).status == "in_progress"
        assert DeskItem.objects.get(pk=int(second[2:])).status == "done"

        page.keyboard.press("k")
        page.keyboard.press("o")
        page.wait_for_selector("#desk-note")
        assert page.url.endswith(f"/desk/{flagged.pk}/")
        assert not page.evaluate(OVERFLOW), "the item's page scrolls sideways"
        page.fill("#desk-note", "Same person as last week.")
        page.click("text=Add the note")
        page.wait_for_selector("text=Same person as last week.")
        page.fill("#desk-reply", "Please keep it civil.")
        page.click("text=Send the reply")
        page.wait_for_selector("text=Replies sent")
        page.screenshot(path=str(artifacts_dir() / f"desk-item-{width}.png"), full_page=True)
    finally:
        context.close()
    assert DeskNote.objects.get().text == "Same person as last week."
    answer = Comment.objects.get(reply_to__isnull=False)
    assert answer.body == "Please keep it civil." and answer.user == curator
    assert DeskItem.objects.get(pk=flagged.pk).status == "done"
