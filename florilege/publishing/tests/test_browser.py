"""The topic page in Debian's Chromium: phone and desktop widths, light and dark, checked
for the accessibility and best-practice findings an audit would list. Screenshots of each
combination are kept in test-artifacts/."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from florilege.curation.models import Scoop
from florilege.lib.markdown import render_markdown
from florilege.testing import artifacts_dir

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
IMAGE = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 40 21'%3E"
    "%3Crect width='40' height='21' fill='%23369'/%3E%3C/svg%3E"
)

# Run in the page: every check returns a list of findings (empty is a pass).
AUDIT = r"""
() => {
  const findings = [];
  const add = (rule, detail) => findings.push(rule + ": " + detail);
  const lang = document.documentElement.getAttribute("lang");
  if (!lang) add("html-lang", "missing");
  if (!document.title.trim()) add("document-title", "empty");
  if (document.querySelectorAll("main").length !== 1) add("landmark-main", "not exactly one");
  if (!document.querySelector("body > header")) add("landmark-banner", "no page header");
  if (!document.querySelector("body > footer")) add("landmark-contentinfo", "no page footer");
  document.querySelectorAll("nav").forEach(n => {
    if (!n.getAttribute("aria-label") && !n.getAttribute("aria-labelledby"))
      add("landmark-nav-label", n.outerHTML.slice(0, 60));
  });
  document.querySelectorAll("img").forEach(img => {
    if (!img.hasAttribute("alt")) add("image-alt", img.src);
    if (!img.getAttribute("width") || !img.getAttribute("height")) add("image-size", img.src);
  });
  document.querySelectorAll("input, select, textarea").forEach(el => {
    if (el.type === "hidden") return;
    const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`))
      || el.closest("label") || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) add("label", el.outerHTML.slice(0, 80));
  });
  document.querySelectorAll("a").forEach(a => {
    const hidden = a.getAttribute("aria-hidden") === "true";
    if (!a.textContent.trim() && !a.getAttribute("aria-label") && !hidden)
      add("link-name", a.outerHTML.slice(0, 80));
  });
  const ids = {};
  document.querySelectorAll("[id]").forEach(el => {
    if (ids[el.id]) add("duplicate-id", el.id);
    ids[el.id] = true;
  });
  let last = 0;
  document.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(h => {
    const level = Number(h.tagName[1]);
    if (last === 0 && level !== 1) add("heading-order", "first heading is " + h.tagName);
    if (last && level > last + 1) add("heading-order", h.tagName + " after h" + last);
    last = level;
  });
  if (document.querySelectorAll("h1").length !== 1)
    add("page-has-heading-one", "not exactly one h1");
  // Colour contrast of every element that holds text, against its painted background.
  const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let n = el; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const seen = new Set();
  document.querySelectorAll("body *").forEach(el => {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest("[aria-hidden=true]")) return;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return;
    const box = el.getBoundingClientRect();
    if (box.right < 0 || box.width === 0) return;  // the skip link waits off-screen
    const fg = rgb(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const key = el.tagName + "." + el.className;
    if (ratio < 4.5 && !seen.has(key)) {
      seen.add(key);
      add("color-contrast", `${key} ${ratio.toFixed(2)}:1`);
    }
  });
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    add("horizontal-scroll", document.documentElement.scrollWidth + "px wide");
  return findings;
}
"""

FOCUS = r"""
() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  return {tag: el.tagName, text: (el.textContent || el.value || "").trim().slice(0, 30),
          outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2};
}
"""


@pytest.fixture
def published(live_server, topic, curator, settings):
    settings.CONFIG = replace(settings.CONFIG, BASE_URL=live_server.url)
    topic.accent_color = "#e0a800"  # a light amber: must be darkened to be read
    topic.save()
    for i in range(14):
        insight = f"Why it matters, number {i}: **moderation** at scale."
        Scoop.objects.create(
            topic=topic,
            curator=curator,
            url=f"https://news.example/{i}",
            canonical_url=f"https://news.example/{i}",
            title=f"A long enough headline about the fediverse, number {i}",
            excerpt="An excerpt of the article, as its feed gave it. " * 3,
            # Inline, so the page loads nothing from another host.
            image_url=IMAGE if i % 2 else "",
            source_name="News",
            language="en" if i % 3 else "fr",
            insight=insight,
            insight_html=render_markdown(insight),
            tags=["fediverse", "moderation"],
            published_at=NOW - timedelta(hours=i),
        )
    return topic


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_topic_page_audit(chromium, live_server, published, width, scheme) -> None:
    context = chromium.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url.startswith("http") else None)
    try:
        page.goto(live_server.url + published.get_absolute_url())
        page.wait_for_load_state("networkidle")
        shot = artifacts_dir() / f"topic-{width}px-{scheme}.png"
        page.screenshot(path=str(shot), full_page=True)
        findings = page.evaluate(AUDIT)
        assert findings == [], findings
        assert errors == [], errors
        assert all(u.startswith(live_server.url) for u in requests), requests
        # Keyboard: the first Tab reaches the skip link, visibly, and it leads to <main>.
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUS)
        assert first["tag"] == "A" and first["outline"], first
        for _ in range(4):
            page.keyboard.press("Tab")
            focus = page.evaluate(FOCUS)
            assert focus["outline"], focus
        assert shot.exists()
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/u/curator/",
        "/t/social-networks/tag/fediverse/",
        "/search/?q=moderation",
        "/share/mastodon/?instance=not+a+host",
        "permalink",
    ],
)
def test_other_pages_audit(chromium, live_server, published, path) -> None:
    if path == "permalink":
        path = Scoop.objects.filter(topic=published)[0].get_absolute_url()
    context = chromium.new_context(viewport={"width": 360, "height": 800}, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        findings = page.evaluate(AUDIT)
        assert findings == [], findings
    finally:
        context.close()


def test_search_share_and_language_work_without_javascript(
    chromium, live_server, published
) -> None:
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 800}
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + published.get_absolute_url())
        page.fill("#q", 'moderation" OR *')
        page.click("form.search button")
        # The form's submission has started; wait for the results page itself (count()
        # does not wait, and on a busy machine the old page could still be the one read).
        page.wait_for_url("**/t/social-networks/search/**")
        page.wait_for_load_state("load")
        assert page.locator("article.scoop").count() > 0
        page.screenshot(path=str(artifacts_dir() / "search-360px-nojs.png"), full_page=True)
        page.select_option("#lang-select", "fr")
        page.click("form.lang button")
        from playwright.sync_api import expect

        # Polled until the French page is the one shown (the old page is English).
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        assert page.locator("form.search button").inner_text() == "Rechercher"
        page.screenshot(path=str(artifacts_dir() / "search-360px-fr.png"), full_page=True)
    finally:
        context.close()


def test_the_audit_finds_what_it_looks_for(chromium, live_server, published) -> None:
    """The checks above pass because the page is right, not because they see nothing."""
    # The faults are injected with inline styles, which the page's own policy refuses.
    context = chromium.new_context(viewport={"width": 360, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + published.get_absolute_url())
        page.evaluate(
            """() => document.querySelector("main").insertAdjacentHTML("beforeend",
            '<h4>Skipped levels</h4><img src="data:," width="1" height="1">'
            + '<input id="unlabelled"><p style="color:#bbb;background:#fff">Pale</p>'
            + '<div style="width:2000px">wide</div><h1>Second</h1>')"""
        )
        rules = {finding.split(":")[0] for finding in page.evaluate(AUDIT)}
        assert {
            "heading-order",
            "image-alt",
            "label",
            "color-contrast",
            "horizontal-scroll",
            "page-has-heading-one",
        } <= rules
    finally:
        context.close()
