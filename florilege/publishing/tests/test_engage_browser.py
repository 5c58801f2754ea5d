"""A reader on a phone and on a desktop: read, follow by email (confirmed through the link
the SMTP server received), comment; the curator approves; the comment is shown."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from florilege.jobs.tasks import run_due_tasks
from florilege.publishing.models import Comment, Subscriber
from florilege.publishing.tests.helpers import link_in, make_scoops, text_part
from florilege.testing import artifacts_dir


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_reader_follows_comments_and_curator_approves(
    page, live_server, smtp_sink, topic, curator, width
) -> None:
    scoops = make_scoops(topic, curator, 3, timezone.now() - timedelta(minutes=5))
    shots = artifacts_dir()
    page.set_viewport_size({"width": width, "height": 800})
    base = live_server.url

    # Read the topic page; nothing overflows sideways on a phone.
    page.goto(base + topic.get_absolute_url())
    assert page.locator("article.scoop").count() == 3
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow
    page.screenshot(path=str(shots / f"engage-{width}-topic.png"), full_page=True)

    # Follow by email, from the one Follow link of the topic's header to its follow page;
    # the honeypot field is placed out of sight of a person.
    page.click("header.topic a.follow-button")
    page.wait_for_url(base + f"/t/{topic.slug}/follow/")
    box = page.locator("#f-website").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0
    page.fill("#f-email", "reader@example.org")
    page.select_option("select[name=frequency]", "daily")
    page.click("#follow-email button")
    assert "Almost done" in page.locator(".messages").inner_text()
    assert run_due_tasks() == 1  # what the worker does
    assert len(smtp_sink.messages) == 1
    confirm = link_in(text_part(smtp_sink.messages[0].message()), "/follow/confirm/")
    page.goto(base + urlsplit(confirm).path)
    page.click("main form button")
    assert "Confirmed" in page.locator(".messages").inner_text()
    assert Subscriber.objects.get().status == "confirmed"

    # "Useful" without JavaScript: a form post that comes back to the card.
    page.click(f"#scoop-{scoops[-1].pk} button")
    assert page.locator(f"#scoop-{scoops[-1].pk} .count").inner_text() == "1"

    # Comment on a scoop's permalink: held for moderation, not shown yet.
    page.goto(base + scoops[-1].get_absolute_url())
    page.fill("#c-name", "Ada")
    page.fill("#c-email", "ada@example.org")
    page.fill("#c-body", "Useful summary, thanks. <script>alert(1)</script>")
    page.click(".comment-form button")
    assert "once approved" in page.locator(".messages").inner_text()
    assert page.locator("article.comment").count() == 0
    page.screenshot(path=str(shots / f"engage-{width}-comment-held.png"), full_page=True)

    # The curator logs in and approves it.
    page.goto(base + "/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "a-long-test-password")
    page.click("main form button")
    page.goto(base + f"/curate/t/{topic.slug}/readers/")
    assert "Useful summary" in page.locator(".comment-review").inner_text()
    page.screenshot(path=str(shots / f"engage-{width}-moderation.png"), full_page=True)
    page.click(".comment-review button:text('Approve')")
    assert "Comment approved" in page.locator(".messages").inner_text()
    assert Comment.objects.get().status == "approved"

    # Shown on the permalink, the script as text.
    page.goto(base + scoops[-1].get_absolute_url())
    shown = page.locator("article.comment")
    assert shown.count() == 1
    assert "<script>alert(1)</script>" in shown.inner_text()
    page.screenshot(path=str(shots / f"engage-{width}-comment-shown.png"), full_page=True)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_intranet_page_embeds_the_widget(page, live_server, loopback, topic, curator, settings):
    """A page on another origin (the company's intranet) includes our script; the iframe
    shows the latest scoops and takes the height of its content."""
    from florilege.testing import Reply

    settings.BASE_URL = live_server.url
    make_scoops(topic, curator, 4, timezone.now() - timedelta(minutes=5))
    intranet = (
        "<!doctype html><html><body><h1>Our news</h1>"
        f'<script src="{live_server.url}/embed/{topic.slug}.js" data-count="3"></script>'
        "</body></html>"
    ).encode()
    loopback.routes["/"] = Reply(200, intranet, {"Content-Type": "text/html; charset=utf-8"})
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(loopback.url("/"))
    frame = page.frame_locator("iframe")
    assert frame.locator("li").count() == 3
    assert frame.locator("li").first.inner_text().startswith("Story 3")
    # The framed page reported its height, so the widget has no inner scroll bar.
    page.wait_for_function("document.querySelector('iframe').height !== '480'")
    page.screenshot(path=str(artifacts_dir() / "engage-embed-intranet.png"), full_page=True)
