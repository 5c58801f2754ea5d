"""Reading a Scoop.it topic: a topic page saved from a browser (HTML) or the topic's RSS
feed, into plain records. Pure: bytes in, :class:`ScoopitTopic` out; no Django models.

A saved page lists each scoop as a block whose class has the ``post`` token: the title
(``post-title``) links to the original article; ``post-source`` says "From <site>"; the
date is a ``<time datetime>`` or the text of ``post-date``; ``post-image`` holds the picture;
``post-description`` the excerpt; ``post-insight`` opens with "<curator>'s insight:" before
the curator's words; "Scooped by <name>" names who scooped it. Scoop.it changed its markup
over the years, so the labels' *text* ("From", "'s insight:", "Scooped by") is read as well
as the class names, and a block without a title link is skipped rather than failing the page.

The RSS feed's ``<link>`` may point back to the scoop's page on scoop.it rather than to the
article; the article is then the first link of the description that leaves scoop.it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml.html import HtmlElement, tostring

from florilege.lib.html import html_to_text
from florilege.lib.urls import absolutize, domain_of, is_http_url
from florilege.sources.discovery import looks_like_feed
from florilege.sources.extract import decode_html, parse_html
from florilege.sources.parsing import FeedParseError, parse_feed
from florilege.sources.parsing.dates import parse_date

MAX_BYTES = 5 * 1024 * 1024
MAX_SCOOPS = 2000
_INSIGHT_LABEL = re.compile(r"^\s*(?P<name>[^\n:]{1,100}?)[\u2019']s insight\s*:\s*", re.IGNORECASE)
_SCOOPED_BY = re.compile(r"Scooped by\s+(?P<name>[^\n]{1,100}?)(?:\s+onto\b|\s*$)", re.I)
_VIEWS = re.compile(r"([\d][\d.,\s]*[KkMm]?)\s*views?\b", re.IGNORECASE)
_TEXT_DATES = ("%B %d, %Y %I:%M %p", "%b %d, %Y %I:%M %p", "%B %d, %Y", "%b %d, %Y", "%d %B %Y")


class ScoopitError(ValueError):
    """The input is not a Scoop.it topic we can read; the message says why, for the user."""


@dataclass
class ScoopitScoop:
    title: str
    url: str
    source: str = ""
    scooped_by: str = ""
    insight: str = ""  # plain text, paragraphs separated by blank lines
    excerpt: str = ""
    image_url: str = ""
    published_at: datetime | None = None


@dataclass
class ScoopitTopic:
    kind: str  # "page" or "rss"
    title: str = ""
    views: str = ""
    scoops: list[ScoopitScoop] = field(default_factory=list)


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _first(root: HtmlElement, *names: str) -> HtmlElement | None:
    for el in root.iter():
        if isinstance(el.tag, str) and _classes(el) & set(names):
            return el
    return None


def _text(el: HtmlElement | None) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def _paragraphs(el: HtmlElement) -> str:
    """The element's text, a paragraph per block, as Markdown paragraphs."""
    blocks = [b for b in el.iter("p", "li", "blockquote") if _text(b)]
    if not blocks:
        return html_to_text(tostring(el, encoding="unicode"))
    return "\n\n".join(_text(b) for b in blocks)


def _date(el: HtmlElement | None) -> datetime | None:
    if el is None:
        return None
    time = el if el.tag == "time" else next(el.iter("time"), None)
    for value in (time.get("datetime") if time is not None else None, el.get("title")):
        moment = parse_date(value) if value else None
        if moment:
            return moment
    text = _text(el)
    for fmt in _TEXT_DATES:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return parse_date(text)


def _insight(el: HtmlElement | None) -> tuple[str, str]:
    """(insight, curator name from its label)."""
    if el is None:
        return "", ""
    text = _paragraphs(el)
    label = _INSIGHT_LABEL.match(text)
    if label:
        return text[label.end() :].strip(), label.group("name").strip()
    return text.strip(), ""


def _image(el: HtmlElement | None, base: str) -> str:
    img = next(el.iter("img"), None) if el is not None else None
    src = absolutize(base, img.get("src") or "") if img is not None else ""
    return src if is_http_url(src) else ""


def _scoop_of(block: HtmlElement, base: str) -> ScoopitScoop | None:
    title_el = _first(block, "post-title", "postTitleView")
    link = next(title_el.iter("a"), None) if title_el is not None else None
    url = absolutize(base, link.get("href") or "") if link is not None else ""
    title = _text(title_el)
    if not title or not is_http_url(url):
        return None
    source = re.sub(r"^\s*From\s+", "", _text(_first(block, "post-source")))
    source = source.split(" - ")[0].strip() or domain_of(url)
    insight, name = _insight(_first(block, "post-insight"))
    scooped = _SCOOPED_BY.search(_text(_first(block, "post-scooped-by", "scooped-by")))
    description = _first(block, "post-description")
    picture = _first(block, "post-image")
    return ScoopitScoop(
        title=title[:300],
        url=url,
        source=source[:300],
        scooped_by=(scooped.group("name").strip() if scooped else name)[:100],
        insight=insight,
        excerpt=_text(description)[:1000],
        image_url=_image(picture if picture is not None else description, base),
        published_at=_date(_first(block, "post-date")),
    )


def _post_blocks(doc: HtmlElement) -> list[HtmlElement]:
    blocks = [el for el in doc.iter() if isinstance(el.tag, str) and "post" in _classes(el)]
    # A block inside another block is part of it (a rescoop's quoted original).
    inner = {id(d) for b in blocks for d in b.iterdescendants() if "post" in _classes(d)}
    return [b for b in blocks if id(b) not in inner]


def parse_page(data: bytes, base: str = "https://www.scoop.it/") -> ScoopitTopic:
    doc = parse_html(decode_html(data))
    if doc is None:
        raise ScoopitError("The page is empty.")
    title = _text(_first(doc, "topic-title")) or _text(next(doc.iter("h1"), None))
    views = _VIEWS.search(_text(_first(doc, "topic-stats", "views")) or "")
    topic = ScoopitTopic("page", title[:300], views.group(1).strip() if views else "")
    for block in _post_blocks(doc)[:MAX_SCOOPS]:
        scoop = _scoop_of(block, base)
        if scoop is not None:
            topic.scoops.append(scoop)
    return topic


def _rss_article(link: str, description: str) -> str:
    if is_http_url(link) and not domain_of(link).endswith("scoop.it"):
        return link
    doc = parse_html(description) if description.strip() else None
    for a in doc.iter("a") if doc is not None else ():
        href = a.get("href") or ""
        if is_http_url(href) and not domain_of(href).endswith("scoop.it"):
            return href
    return link


def parse_rss(data: bytes, url: str = "") -> ScoopitTopic:
    try:
        feed = parse_feed(data, url, max_items=MAX_SCOOPS, max_bytes=MAX_BYTES)
    except FeedParseError as exc:
        raise ScoopitError(f"The feed cannot be read: {exc}") from exc
    topic = ScoopitTopic("rss", feed.title[:300])
    for item in feed.entries:
        description = item.content or item.summary or ""
        article = _rss_article(item.link, description)
        if not is_http_url(article) or not item.title:
            continue
        doc = parse_html(description) if description.strip() else None
        insight_el = _first(doc, "post-insight") if doc is not None else None
        insight, name = _insight(insight_el)
        if not insight and doc is not None:
            text = _paragraphs(doc)
            label = re.search(r"[\u2019']s insight\s*:\s*", text, re.IGNORECASE)
            insight = text[label.end() :].strip() if label else ""
        image = item.image or next((e.url for e in item.enclosures if e.url), "")
        topic.scoops.append(
            ScoopitScoop(
                title=item.title[:300],
                url=article,
                source=domain_of(article),
                scooped_by=(item.author or name)[:100],
                insight=insight,
                excerpt=html_to_text(description, max_length=1000) if not insight else "",
                image_url=image if is_http_url(image) else _image(doc, article),
                published_at=item.published or item.updated,
            )
        )
    return topic


def parse(data: bytes, url: str = "", content_type: str = "") -> ScoopitTopic:
    """A saved topic page or the topic's RSS feed, whichever ``data`` is."""
    if len(data) > MAX_BYTES:
        raise ScoopitError("The file is larger than 5 MB.")
    if not data.strip():
        raise ScoopitError("The file is empty.")
    if looks_like_feed(data, content_type):
        return parse_rss(data, url)
    head = data[:4096].lstrip().lower()
    if b"\x00" in data[:4096] or not (b"<html" in head or b"<!doctype html" in head
                                      or b"<div" in head or b"<body" in head):  # fmt: skip
        raise ScoopitError("This file is neither a saved Scoop.it topic page nor its RSS feed.")
    return parse_page(data, url or "https://www.scoop.it/")
