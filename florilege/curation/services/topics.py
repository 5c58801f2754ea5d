"""A topic's own life: saving its settings (audited), exporting it, deleting it.

Deleting removes the topic and what belongs only to it (its scoops, suggestions, rules,
team, followers, counts, its own audit log: all cascade from the topic row), plus the
sources no other topic uses. A source another topic follows, or whose entries another
topic has scooped or been suggested, stays: that topic's queue and training data must not
change because someone else left. The deletion itself is recorded at site level (an audit
row without a topic), so it outlives the topic.

Federation: a topic's fediverse actor is deleted with the topic (its row cascades); no
``Delete`` of the actor is sent to followers' servers, because the code base has no actor
deletion to reuse (docs/curation.md says so).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from florilege.curation.models import AutomationRule, Scoop
from florilege.curation.services import audit
from florilege.lib import media
from florilege.media import services as pictures
from florilege.media.models import Picture
from florilege.sources.models import Source
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource
from florilege.topics.permissions import Action, require

# Version 2 carries the pictures themselves ("pictures"); version 1 only their addresses.
# Both are read back (topic_import.READ_FORMATS).
EXPORT_FORMAT = "florilege-topic/2"
# Settings written to the export, in this order (the model's own field names).
SETTING_FIELDS = (
    "title", "slug", "description", "languages", "keywords", "is_public", "time_zone",
    "slot_weekdays", "slot_times", "accent_color", "header_image_url", "layout",
)  # fmt: skip


def settings_of(topic: Topic) -> dict[str, Any]:
    """The topic's settings as they are now: taken before a form changes them, so that
    :func:`save_settings` can tell what changed."""
    return {name: getattr(topic, name) for name in SETTING_FIELDS}


def save_settings(topic: Topic, user, before: dict[str, Any], now: datetime) -> Topic:
    """Store settings a form has put on ``topic``; audit what changed since ``before``
    (visibility apart, since making a topic private is worth its own line)."""
    require(user, topic, Action.MANAGE_TOPIC)
    changed = [name for name, value in before.items() if getattr(topic, name) != value]
    with transaction.atomic():
        if "header_image_url" in changed or (
            topic.header_image_url and not topic.header_picture_id
        ):
            url = topic.header_image_url
            topic.header_picture = pictures.request(url, now) if url else None
        topic.changed_at = now
        topic.save()
        if "is_public" in changed:
            audit.record(topic, user, "visibility_changed", now, topic, public=topic.is_public)
        others = [name for name in changed if name != "is_public"]
        if others:
            audit.record(topic, user, "topic_settings_changed", now, topic, fields=others)
    return topic


@dataclass(frozen=True)
class BannerState:
    """The banner as the settings page shows it: its thumbnail once made (``src``), else a
    word on its state."""

    src: str = ""
    note: str = ""


def banner_state(topic: Topic) -> BannerState | None:
    """The topic's banner for its settings page; None when it has none."""
    if not topic.header_image_url:
        return None
    picture = topic.header_picture
    card = picture.rendition("card") if picture is not None else None
    if card:
        return BannerState(media.page_url(card["jpeg"]))
    if picture is not None and picture.status == Picture.Status.FAILED:
        return BannerState(note=_("Your picture could not be used: %(reason)s")
                           % {"reason": picture.reason})  # fmt: skip
    return BannerState(note=_("Your picture is being prepared."))


def _banner_address(topic: Topic) -> str:
    """The banner's address as another instance may fetch it (an upload's is our large
    JPEG, "" until made: its original is never served)."""
    return pictures.shareable(topic.header_image_url, lambda: topic.header_picture)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _largest_jpeg(picture: Picture) -> dict[str, Any] | None:
    """A ready picture's largest thumbnail, as the export carries it; None when it is not
    ready or its file is gone. The largest thumbnail, not the original (which this site
    does not keep): an import makes the smaller ones from it again."""
    sizes = [r for r in picture.renditions.values() if isinstance(r, dict) and r.get("jpeg")]
    if not picture.is_ready or not sizes:
        return None
    best = max(sizes, key=lambda r: int(r.get("width") or 0))
    try:
        data = media.read(str(best["jpeg"]), settings.CONFIG.IMAGE_MAX_BYTES)
    except OSError:
        return None
    return {
        "media_type": "image/jpeg",
        "width": best.get("width"),
        "height": best.get("height"),
        "data": base64.b64encode(data).decode("ascii"),
    }


def _pictures(topic: Topic, scoops) -> dict[str, dict[str, Any]]:
    """The ready pictures the topic shows (its scoops', its header), by their address."""
    # Keyed by the address the scoop is exported with (an upload's is our large JPEG's).
    shown = [(pictures.shareable_address(s), s.picture) for s in scoops if s.picture_id]
    shown = [(url, picture) for url, picture in shown if url]
    banner = _banner_address(topic) if topic.header_picture_id else ""
    if banner:
        shown.append((banner, topic.header_picture))
    found: dict[str, dict[str, Any]] = {}
    for url, picture in shown:
        if url not in found and (carried := _largest_jpeg(picture)) is not None:
            found[url] = carried
    return found


def export_topic(topic: Topic, user, now: datetime, with_pictures: bool = True) -> dict[str, Any]:
    """The topic as plain data: its settings, sources (with their folders), scoops with
    their insights (Markdown as written), tags and pictures (the files too, unless
    ``with_pictures`` is false), and its automation rules. The format is documented in
    docs/cli.md; :mod:`florilege.curation.services.topic_import` reads it back."""
    require(user, topic, Action.MANAGE_TOPIC)
    links = TopicSource.objects.filter(topic=topic).select_related("source").order_by("pk")
    scoops = list(
        Scoop.objects.filter(topic=topic)
        .select_related("curator", "picture")
        .order_by("created_at", "pk")
    )
    rules = AutomationRule.objects.filter(topic=topic).order_by("position", "pk")
    url_of = {link.source_id: link.source.url for link in links}
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "settings": {
            **settings_of(topic),
            "header_image_url": _banner_address(topic),
            "allow_scoop_without_insight": topic.allow_scoop_without_insight,
        },
        "sources": [
            {
                "url": link.source.url,
                "title": link.source.title,
                "site_url": link.source.site_url,
                "folder": link.folder,
                "added_at": _iso(link.added_at),
            }
            for link in links
        ],
        "scoops": [
            {
                "url": s.url,
                "title": s.title,
                "excerpt": s.excerpt,
                "insight": s.insight,
                "tags": s.tags,
                "image_url": pictures.shareable_address(s),
                "image_width": s.image_width,
                "image_height": s.image_height,
                "source_name": s.source_name,
                "language": s.language,
                "status": s.status,
                "published_at": _iso(s.published_at),
                "created_at": _iso(s.created_at),
                "updated_at": _iso(s.updated_at),
                "pinned_at": _iso(s.pinned_at),
                "curator": s.curator.get_username(),
            }
            for s in scoops
        ],
        "rules": [
            {
                "name": r.name,
                "enabled": r.enabled,
                "action": r.action,
                "keywords": r.keywords,
                "regex": r.regex,
                "languages": r.languages,
                "min_score": r.min_score,
                "tag": r.tag,
                "insight_template": r.insight_template,
                # Sources by address: their ids mean nothing on another instance.
                "source_urls": [url_of[i] for i in r.source_ids if i in url_of],
            }
            for r in rules
        ],
        "pictures": _pictures(topic, scoops) if with_pictures else {},
    }


def sources_only_of(topic: Topic):
    """The sources that would be left with no use once ``topic`` is gone."""
    mine = TopicSource.objects.filter(topic=topic).values("source_id")
    followed_elsewhere = TopicSource.objects.exclude(topic=topic).values("source_id")
    suggested_elsewhere = Suggestion.objects.exclude(topic=topic).values("entry__source_id")
    scooped_elsewhere = (
        Scoop.objects.exclude(topic=topic).filter(entry__isnull=False).values("entry__source_id")
    )
    return (
        Source.objects.filter(pk__in=mine)
        .exclude(pk__in=followed_elsewhere)
        .exclude(pk__in=suggested_elsewhere)
        .exclude(pk__in=scooped_elsewhere)
    )


def delete_topic(topic: Topic, user, typed_name: str, now: datetime) -> None:
    """Delete the topic once its owner has typed its title (or its address) to confirm."""
    require(user, topic, Action.DELETE_TOPIC)
    typed = " ".join((typed_name or "").split())
    if typed.casefold() not in {topic.title.casefold(), topic.slug.casefold()}:
        raise ValidationError(_("Type the topic's title exactly to confirm the deletion."))
    with transaction.atomic():
        orphans = list(sources_only_of(topic).values_list("pk", flat=True))
        audit.record(None, user, "topic_deleted", now, topic, slug=topic.slug,
                     scoops=Scoop.objects.filter(topic=topic).count(),
                     sources_deleted=len(orphans))  # fmt: skip
        topic.delete()
        Source.objects.filter(pk__in=orphans).delete()
