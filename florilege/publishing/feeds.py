"""Atom and RSS 2.0 feeds of a topic's scoops, the insight leading the content."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import feedgenerator
from django.utils.html import escape

from florilege.curation.models import Scoop, Topic

FEED_ITEMS = 30


class AtomWithContent(feedgenerator.Atom1Feed):
    """Django's Atom writer puts the description in <summary>; readers show <content>."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


def absolute(path: str) -> str:
    return settings.BASE_URL + path


def scoop_id(scoop: Scoop) -> str:
    # A tag: URI keyed on the primary key stays the same when the title (and with it the
    # permalink's slug) is edited, so readers never see an edited scoop as a new one.
    host = urlsplit(settings.BASE_URL).hostname or "localhost"
    return f"tag:{host},2025:scoop:{scoop.pk}"


def build_feed(topic: Topic, scoops: Iterable[Scoop], kind: str) -> feedgenerator.SyndicationFeed:
    cls = AtomWithContent if kind == "atom" else feedgenerator.Rss201rev2Feed
    feed_url = absolute(f"/t/{topic.slug}/feed.{kind}")
    feed = cls(
        title=topic.title,
        link=absolute(topic.get_absolute_url()),
        description=topic.description or topic.title,
        language=(topic.languages[0] if len(topic.languages) == 1 else None),
        feed_url=feed_url,
        feed_guid=feed_url,
    )
    for scoop in scoops:
        body = render_to_string("publishing/feed_item.html", {"scoop": scoop})
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
            author_name=scoop.curator.get_full_name() or scoop.curator.get_username(),
            categories=scoop.tags,
        )
    return feed
