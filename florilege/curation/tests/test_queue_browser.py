"""The queue from the keyboard in a real browser: j selects, x discards in place, s opens
the insight box, Ctrl+Enter publishes; the page never reloads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from florilege.curation.models import Scoop
from florilege.curation.tests.flow_helpers import entry, follow, suggestion
from florilege.suggestions.models import Suggestion
from florilege.testing import artifacts_dir


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_keyboard_discard_then_scoop(page, live_server, topic) -> None:
    now = datetime.now(UTC)
    source = follow(topic, "https://press.example/feed", "Press")
    first, second, third = (
        suggestion(topic, entry(source, f"k{n}", f"Story {n}", fetched_at=now), score=10 - n)
        for n in range(3)
    )
    page.goto(live_server.url + "/login/?next=/curate/t/social-networks/")
    page.fill("input[name=username]", "curator")
    page.fill("input[name=password]", "a-long-test-password")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_selector(f"#s-{first.pk}")
    # A marker on the window: it survives only if the page is never reloaded.
    page.evaluate("window.stayed = true")

    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"s-{first.pk}"
    page.keyboard.press("x")
    page.wait_for_selector("article.suggestion.done")
    assert page.locator(f"#s-{first.pk}").count() == 0
    # The selection moved to the next card.
    assert page.evaluate("document.activeElement.id") == f"s-{second.pk}"

    page.keyboard.press("s")
    box = page.locator(f"#insight-{second.pk}")
    assert box.is_visible()
    assert page.evaluate("document.activeElement.id") == f"insight-{second.pk}"
    box.type("Read **this** one.")
    page.screenshot(path=str(artifacts_dir() / "queue-keyboard-insight.png"), full_page=True)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("text=See it on the topic page")

    assert page.evaluate("window.stayed") is True
    assert page.evaluate("document.activeElement.id") == f"s-{third.pk}"
    statuses = dict(Suggestion.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "discarded", second.pk: "scooped", third.pk: "pending"}
    scoop = Scoop.objects.get()
    assert scoop.entry_id == second.entry_id
    assert scoop.insight_html == "<p>Read <strong>this</strong> one.</p>\n"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_queue_works_with_javascript_off(chromium, live_server, topic) -> None:
    now = datetime.now(UTC)
    source = follow(topic, "https://press.example/feed", "Press")
    items = [
        suggestion(topic, entry(source, f"k{n}", f"Story {n}", fetched_at=now), score=10 - n)
        for n in range(4)
    ]
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/login/?next=/curate/t/social-networks/")
        page.fill("input[name=username]", "curator")
        page.fill("input[name=password]", "a-long-test-password")
        page.click("button[type=submit], input[type=submit]")
        page.click(f"#s-{items[0].pk} form[data-queue-action=discard] button")
        # Back on the queue, at the card that followed the discarded one.
        assert page.url.endswith(f"#s-{items[1].pk}")
        page.check(f"#s-{items[1].pk} input.pick")
        page.check(f"#s-{items[3].pk} input.pick")
        page.click("#bulk-discard button")
        page.click(f"#s-{items[2].pk} details.quick summary")
        page.fill(f"#insight-{items[2].pk}", "Plain form post.")
        page.click(f"#s-{items[2].pk} form[data-queue-action=scoop] button")
        assert "Scooped" in page.content()
        page.screenshot(path=str(artifacts_dir() / "queue-no-javascript.png"), full_page=True)
    finally:
        context.close()
    statuses = [s.status for s in Suggestion.objects.order_by("-score")]
    assert statuses == ["discarded", "discarded", "scooped", "discarded"]
