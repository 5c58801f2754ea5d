"""JSON Feed 1.0 / 1.1 reader (https://jsonfeed.org/version/1.1)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from florilege.sources.parsing.dates import parse_date
from florilege.sources.parsing.items import ItemCollector
from florilege.sources.parsing.model import Enclosure, FeedParseError, ParsedEntry, ParsedFeed
from florilege.sources.parsing.text import resolve_html_urls, resolve_url


def _str(value: Any) -> str:
    """Strings as given, numbers as text (ids are sometimes numbers), anything else ""."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _author(obj: dict[str, Any]) -> str:
    """First author's name (1.1 ``authors`` list, else 1.0 ``author`` object), else ""."""
    authors = obj.get("authors")
    candidates = authors if isinstance(authors, list) else []
    candidates = [*candidates, obj.get("author")]
    for author in candidates:
        if isinstance(author, dict):
            name = _str(author.get("name"))
            if name:
                return name
        elif isinstance(author, str) and author.strip():
            return author.strip()
    return ""


def _attachments(item: dict[str, Any], base: str) -> list[Enclosure]:
    found: list[Enclosure] = []
    attachments = item.get("attachments")
    for att in attachments if isinstance(attachments, list) else ():
        if not isinstance(att, dict):
            continue
        url = resolve_url(base, _str(att.get("url")))
        if not url:
            continue
        size = att.get("size_in_bytes")
        length = size if isinstance(size, int) and not isinstance(size, bool) else None
        found.append(Enclosure(url=url, type=_str(att.get("mime_type")), length=length))
    return found


def _entry(item: dict[str, Any], base: str, language: str, feed_author: str) -> ParsedEntry:
    link = resolve_url(base, _str(item.get("url")) or _str(item.get("external_url")))
    tags = item.get("tags")
    content_html = _str(item.get("content_html"))
    return ParsedEntry(
        id=_str(item.get("id")),
        title=_str(item.get("title")),
        link=link,
        published=parse_date(_str(item.get("date_published"))),
        updated=parse_date(_str(item.get("date_modified"))),
        # JSON Feed 1.1: an item without authors has the feed's.
        author=_author(item) or feed_author,
        summary=_str(item.get("summary")),
        content=resolve_html_urls(content_html, base) or _str(item.get("content_text")),
        image=resolve_url(base, _str(item.get("image")) or _str(item.get("banner_image"))),
        categories=[t.strip() for t in tags if isinstance(t, str) and t.strip()]
        if isinstance(tags, list)
        else [],
        enclosures=_attachments(item, base),
        language=_str(item.get("language")) or language,
    )


def _date_of(item: dict[str, Any]) -> datetime | None:
    """The date ``_entry`` would rank the item by, read alone."""
    return parse_date(_str(item.get("date_published"))) or parse_date(
        _str(item.get("date_modified"))
    )


def _format(version: str) -> str:
    return "json1.1" if version.rstrip("/").endswith("1.1") else "json1.0"


def parse_json_feed(data: bytes, url: str, max_items: int | None = None) -> ParsedFeed:
    try:
        doc = json.loads(data.decode("utf-8-sig", errors="replace"))
    except ValueError as exc:
        raise FeedParseError(f"invalid JSON: {exc}") from exc
    except RecursionError as exc:
        # The C decoder stops at the interpreter's recursion limit (about a thousand levels)
        # and unwinds cleanly; no feed nests more than a handful.
        raise FeedParseError("invalid JSON: nested too deeply to be a feed") from exc
    if not isinstance(doc, dict):
        raise FeedParseError(f"JSON Feed must be an object, got {type(doc).__name__}")
    version = _str(doc.get("version"))
    items = doc.get("items")
    if "jsonfeed.org" not in version and not isinstance(items, list):
        raise FeedParseError("JSON document is not a JSON Feed (no version, no items)")
    base = resolve_url(url, _str(doc.get("home_page_url"))) or url
    feed = ParsedFeed(
        format=_format(version),
        title=_str(doc.get("title")),
        link=resolve_url(url, _str(doc.get("home_page_url"))),
        description=_str(doc.get("description")),
        language=_str(doc.get("language")),
        author=_author(doc),
        image=resolve_url(url, _str(doc.get("icon")) or _str(doc.get("favicon"))),
        self_url=resolve_url(url, _str(doc.get("feed_url"))),
    )
    hubs = doc.get("hubs")
    for hub in hubs if isinstance(hubs, list) else ():
        if isinstance(hub, dict) and _str(hub.get("url")):
            feed.hubs.append(resolve_url(url, _str(hub.get("url"))))
    collector = ItemCollector(max_items)
    collector.read(
        (item for item in (items if isinstance(items, list) else ()) if isinstance(item, dict)),
        lambda item: _entry(item, url or base, feed.language, feed.author),
        _date_of,
    )
    # JSON Feed has no feed-level date: feed.updated stays None rather than a guess.
    return collector.finish(feed)
