"""Feeds out: Atom, RSS 2.0 and JSON Feed 1.1 of a topic, a tag or a curator.

The insight leads each item's content; links are absolute; item ids are ``tag:`` URIs
keyed on the scoop's primary key, so an edited title never looks like a new item. When a
WebSub hub is configured (FLORILEGE_WEBSUB_HUB) every feed advertises it (rel=hub) and
its own address (rel=self), as WebSub requires.

A scoop's picture travels in every format, so feed readers (Feedly, Inoreader,
NetNewsWire) show a thumbnail: RSS carries ``media:content`` and ``media:thumbnail``
(Media RSS) and an ``<enclosure>``; Atom a ``<link rel="enclosure">`` and
``media:thumbnail``; JSON Feed its item ``image``. What is said about the picture is what
is stored: our own large JPEG thumbnail (lib/media.py, made by the ``pictures`` stage),
its pixel size, and its byte size when the storage is the local disk; a scoop whose
picture is not made yet goes without one. Building a feed never fetches anything.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.html import escape

from florilege.curation.models import Scoop
from florilege.lib import media
from florilege.lib.text.folding import fold
from florilege.topics.models import Topic

FEED_ITEMS = 30
FEED_KINDS = ("atom", "rss", "json")
# /feed.xml is where readers and people guess a site's feed: it answers the RSS one.
FEED_ALIASES = {"xml": "rss"}
MEDIA_RSS = "http://search.yahoo.com/mrss/"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/avif")
CONTENT_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


@dataclass(frozen=True)
class FeedSubject:
    """What a feed is about: its title, page and the address of its feed (without kind)."""

    title: str
    description: str
    page_path: str
    feed_path: str  # "/t/slug/feed" -> "/t/slug/feed.atom", ".rss", ".json"
    language: str | None = None

    def feed_url(self, kind: str) -> str:
        return absolute(f"{self.feed_path}.{kind}")


def topic_subject(topic: Topic) -> FeedSubject:
    return FeedSubject(
        title=topic.title,
        description=topic.description or topic.title,
        page_path=topic.get_absolute_url(),
        feed_path=f"/t/{topic.slug}/feed",
        language=topic.languages[0] if len(topic.languages) == 1 else None,
    )


def tag_subject(topic: Topic, tag: str) -> FeedSubject:
    # One address per tag (folded), the title as first written: see queries.tag_spelling.
    page = reverse("publishing:tag", args=[topic.slug, fold(tag)])
    return FeedSubject(
        title=f"{topic.title}: #{tag}",
        description=topic.description or topic.title,
        page_path=page,
        feed_path=page + "feed",
        language=topic.languages[0] if len(topic.languages) == 1 else None,
    )


def curator_subject(user) -> FeedSubject:
    page = reverse("publishing:curator", args=[user.get_username()])
    name = user.get_full_name() or user.get_username()
    return FeedSubject(title=name, description=name, page_path=page, feed_path=page + "feed")


def feed_paths_of(scoop: Scoop) -> list[str]:
    """Every feed a newly published scoop appears in (what the hub is told about)."""
    topic = scoop.topic
    paths = [topic_subject(topic).feed_path, curator_subject(scoop.curator).feed_path]
    paths += [tag_subject(topic, tag).feed_path for tag in scoop.tags if "/" not in tag]
    return [absolute(f"{path}.{kind}") for path in paths for kind in FEED_KINDS]


@dataclass(frozen=True)
class FeedImage:
    """A scoop's picture as feeds describe it; ``None`` for what is not known."""

    url: str
    mime_type: str | None
    length: int | None
    width: int | None
    height: int | None


def image_type_of(url: str) -> str | None:
    """The picture's type read from its address's extension, if it names a picture."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    if guessed == "image/jpg":
        guessed = "image/jpeg"
    return guessed if guessed in IMAGE_TYPES else None


def feed_image(scoop: Scoop) -> FeedImage | None:
    """Our large JPEG thumbnail of the scoop's picture (JPEG: every reader shows it), once
    made; None before, and for a scoop without one."""
    picture = scoop.picture
    found = picture.rendition("large") if picture is not None else None
    if found is None:
        return None
    return FeedImage(
        url=media.url_of(found["jpeg"]),
        mime_type="image/jpeg",
        length=media.local_size_of(found["jpeg"]),
        width=found["width"],
        height=found["height"],
    )


def _media_attributes(image: FeedImage) -> dict[str, str]:
    attributes = {"url": image.url}
    if image.width and image.height:
        attributes |= {"width": str(image.width), "height": str(image.height)}
    return attributes


def _add_media(handler, image: FeedImage, *, content: bool) -> None:
    """Media RSS elements (namespace prefix ``media``) for the picture."""
    if content:
        attributes = {**_media_attributes(image), "medium": "image"}
        if image.mime_type:
            attributes["type"] = image.mime_type
        if image.length:
            attributes["fileSize"] = str(image.length)
        handler.addQuickElement("media:content", "", attributes)
    handler.addQuickElement("media:thumbnail", "", _media_attributes(image))


class _HubLinks(feedgenerator.SyndicationFeed):
    """rel=hub and rel=self links, for the XML writers (placed before one of them)."""

    def add_root_elements(self, handler) -> None:
        super().add_root_elements(handler)
        hub = settings.WEBSUB_HUB
        if hub:
            ns = "atom:" if isinstance(self, feedgenerator.Rss201rev2Feed) else ""
            handler.addQuickElement(f"{ns}link", "", {"rel": "hub", "href": hub})
            if ns:  # Django's Atom writer already has rel=self
                handler.addQuickElement(
                    f"{ns}link", "", {"rel": "self", "href": self.feed["feed_url"]}
                )


class AtomWithContent(_HubLinks, feedgenerator.Atom1Feed):
    """Django's Atom writer puts the description in <summary>; readers show <content>."""

    def root_attributes(self) -> dict[str, str]:
        return {**super().root_attributes(), "xmlns:media": MEDIA_RSS}

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})
        image: FeedImage | None = item.get("image")
        if image is not None:
            # Our own enclosure link: Atom's length is optional, so an unknown one is left
            # out rather than written as 0 (Django's writer always writes it).
            link = {"rel": "enclosure", "href": image.url}
            if image.mime_type:
                link["type"] = image.mime_type
            if image.length:
                link["length"] = str(image.length)
            handler.addQuickElement("link", "", link)
            _add_media(handler, image, content=False)


class Rss(_HubLinks, feedgenerator.Rss201rev2Feed):
    def rss_attributes(self) -> dict[str, str]:
        return {
            **super().rss_attributes(),
            "xmlns:atom": "http://www.w3.org/2005/Atom",
            "xmlns:media": MEDIA_RSS,
        }

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        image: FeedImage | None = item.get("image")
        if image is not None:
            _add_media(handler, image, content=True)


def absolute(path: str) -> str:
    return settings.BASE_URL + path


def scoop_id(scoop: Scoop) -> str:
    # A tag: URI keyed on the primary key stays the same when the title (and with it the
    # permalink's slug) is edited, so readers never see an edited scoop as a new one.
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    return f"tag:{host},2025:scoop:{scoop.pk}"


def _author(scoop: Scoop) -> str:
    return scoop.curator.get_full_name() or scoop.curator.get_username()


def build_feed(subject: FeedSubject, scoops: Iterable[Scoop], kind: str) -> bytes:
    if kind == "json":
        return build_json_feed(subject, scoops)
    cls = AtomWithContent if kind == "atom" else Rss
    feed_url = subject.feed_url(kind)
    feed = cls(
        title=subject.title,
        link=absolute(subject.page_path),
        description=subject.description,
        language=subject.language,
        feed_url=feed_url,
        feed_guid=feed_url,
    )
    for scoop in scoops:
        body = render_to_string("publishing/feed_item.html", {"scoop": scoop})
        image = feed_image(scoop)
        feed.add_item(
            title=scoop.title,
            link=absolute(scoop.get_absolute_url()),
            # Atom's <summary type="html"> is read as HTML: escape the plain-text excerpt.
            description=body if kind == "rss" else escape(scoop.excerpt or scoop.title),
            content_html=body,
            unique_id=scoop_id(scoop),
            unique_id_is_permalink=False,
            pubdate=scoop.published_at,
            updateddate=scoop.updated_at,
            author_name=_author(scoop),
            categories=scoop.tags,
            image=image,
            enclosures=_rss_enclosures(image) if kind == "rss" else None,
        )
    return feed.writeString("utf-8").encode("utf-8")


def _rss_enclosures(image: FeedImage | None) -> list[feedgenerator.Enclosure] | None:
    """RSS requires an enclosure's type and length: only a picture whose type is known gets
    one, with length 0 when its size is not (what the RSS Advisory Board advises)."""
    if image is None or image.mime_type is None:
        return None
    return [feedgenerator.Enclosure(image.url, str(image.length or 0), image.mime_type)]


def build_json_feed(subject: FeedSubject, scoops: Iterable[Scoop]) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    document: dict = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": subject.title,
        "home_page_url": absolute(subject.page_path),
        "feed_url": subject.feed_url("json"),
        "description": subject.description,
        "items": [],
    }
    if subject.language:
        document["language"] = subject.language
    if settings.WEBSUB_HUB:
        document["hubs"] = [{"type": "WebSub", "url": settings.WEBSUB_HUB}]
    for scoop in scoops:
        item = {
            "id": scoop_id(scoop),
            "url": absolute(scoop.get_absolute_url()),
            "external_url": scoop.url,
            "title": scoop.title,
            "content_html": render_to_string("publishing/feed_item.html", {"scoop": scoop}),
            "summary": scoop.excerpt or scoop.title,
            "date_published": scoop.published_at.isoformat() if scoop.published_at else None,
            "date_modified": scoop.updated_at.isoformat(),
            "authors": [{"name": _author(scoop)}],
            "tags": list(scoop.tags),
        }
        image = feed_image(scoop)
        if image is not None:
            item["image"] = image.url
        if scoop.language:
            item["language"] = scoop.language
        document["items"].append(item)
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
