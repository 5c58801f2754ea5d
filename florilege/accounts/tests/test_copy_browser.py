"""The invitation link's copy button in a real browser: it appears with JavaScript, copies
the link, and breaks no Content-Security-Policy rule; without JavaScript the link is still
there to select."""

from __future__ import annotations

import pytest

from florilege.testing import artifacts_dir


def _log_in_and_invite(page, base: str, topic) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "a-long-test-password")
    page.click("main form button[type=submit]")
    page.goto(f"{base}/curate/t/{topic.slug}/team/")
    page.fill("#id_email", "ann@example.org")
    page.click("main form.stack button[type=submit]")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_copy_button_copies_the_invitation_link(chromium, live_server, topic, no_mail_server):
    context = chromium.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        _log_in_and_invite(page, live_server.url, topic)
        assert "nothing was emailed" in page.locator(".messages").inner_text()
        link = page.input_value("#invitation-link")
        assert "/invite/" in link
        button = page.locator("button[data-copy=invitation-link]")
        # The script that reveals the button is deferred: wait for it rather than race it.
        button.wait_for(state="visible", timeout=10_000)
        button.click()
        page.wait_for_function("document.querySelector('[data-copy]').textContent === 'Copied'")
        assert page.evaluate("navigator.clipboard.readText()") == link
        page.screenshot(path=str(artifacts_dir() / "invitation-copy-1280.png"), full_page=True)
        assert not [text for text in console if "Content Security" in text]
    finally:
        context.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_link_is_there_to_select(
    chromium, live_server, topic, no_mail_server
):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        _log_in_and_invite(page, live_server.url, topic)
        assert "/invite/" in page.input_value("#invitation-link")
        assert page.get_attribute("#invitation-link", "readonly") is not None
        assert not page.locator("button[data-copy=invitation-link]").is_visible()
    finally:
        context.close()
