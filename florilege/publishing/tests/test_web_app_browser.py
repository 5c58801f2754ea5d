"""The installable app in Debian's Chromium: the manifest a page links to, the service
worker it registers, and the offline page shown when a navigation fails."""

from __future__ import annotations

import json

import pytest

from florilege.testing import artifacts_dir

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CACHED_URLS = """
async () => {
  const urls = [];
  for (const name of await caches.keys())
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  return urls.sort();
}
"""


def test_manifest_worker_and_offline_page(chromium, live_server, topic, client) -> None:
    topic.is_public = True
    topic.save()
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(live_server.url + "/")
        href = page.get_attribute("link[rel=manifest]", "href")
        manifest = page.request.get(live_server.url + href)
        assert manifest.ok and manifest.headers["content-type"] == "application/manifest+json"
        data = json.loads(manifest.text())
        assert data["display"] == "standalone" and data["share_target"]["action"] == "/scoop"
        for icon in data["icons"]:
            assert page.request.get(live_server.url + icon["src"]).ok, icon
        # The worker registers, activates and takes this page over.
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == live_server.url + "/"
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        # A curator's page visited online is not kept: only the offline page and its files.
        context.add_cookies(
            [{"name": "sessionid", "value": _session(client, topic), "url": live_server.url}]
        )
        page.goto(live_server.url + "/curate/")
        assert "My topics" in page.content()
        cached = page.evaluate(CACHED_URLS)
        assert live_server.url + "/offline/" in cached
        assert all(u == live_server.url + "/offline/" or "/static/" in u for u in cached), cached
        # Offline: a navigation shows the offline page instead of the browser's error.
        context.set_offline(True)
        page.goto(live_server.url + topic.get_absolute_url())
        assert page.locator("h1").inner_text() == "You are offline"
        assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # site.css
        page.screenshot(path=str(artifacts_dir() / "offline-360px.png"))
        context.set_offline(False)
        page.goto(live_server.url + topic.get_absolute_url())
        assert page.locator("h1").inner_text() == topic.title
        assert errors == [], errors
    finally:
        context.close()


def _session(client, topic) -> str:
    client.force_login(topic.owner)
    return client.cookies["sessionid"].value
