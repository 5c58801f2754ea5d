"""Bringing a Scoop.it topic into a topic: from a saved topic page or the topic's RSS feed
(fetched through the guarded client). Each scoop keeps its link, title, insight and original
date; its picture address is kept on the scoop for the media pipeline. A page already
scooped in the topic is skipped, so importing twice adds nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from florilege.curation.models import Scoop
from florilege.curation.scoopit import MAX_BYTES, ScoopitError, ScoopitTopic, parse
from florilege.curation.services.scooping import ScoopDraft, clean_insight, import_scoop
from florilege.lib.fetching import fetch_one
from florilege.lib.http import FetchError
from florilege.lib.urls import canonical_url, is_http_url
from florilege.topics.models import Topic
from florilege.topics.permissions import Action, require


@dataclass
class ScoopitReport:
    kind: str
    title: str = ""
    views: str = ""
    added: int = 0
    already: int = 0
    skipped: list[str] = field(default_factory=list)  # "title: reason"
    curators: list[str] = field(default_factory=list)


def _read(data: bytes, url: str = "", content_type: str = "") -> ScoopitTopic:
    try:
        topic = parse(data, url, content_type)
    except ScoopitError as exc:
        messages = {
            "The file is larger than 5 MB.": _("The file is larger than 5 MB."),
            "The file is empty.": _("The file is empty."),
        }
        raise ValidationError(
            messages.get(
                str(exc),
                _("This file is neither a saved Scoop.it topic page nor its RSS feed."),
            )
        ) from exc
    if not topic.scoops:
        raise ValidationError(
            _("No scoop was found in this file: save the topic page itself (File → Save "
              "page as…, “Web page, complete” or “HTML only”), or give its RSS feed.")
        )  # fmt: skip
    return topic


def fetch_feed(url: str) -> bytes:
    """The topic's RSS feed, fetched under every guard (no private addresses)."""
    if not is_http_url(url):
        raise ValidationError(_("Give the feed's address, starting with http:// or https://."))
    try:
        response = fetch_one(url)
    except FetchError as exc:
        raise ValidationError(exc.message) from exc
    if response.status != 200:
        raise ValidationError(_("The feed answered %(status)s.") % {"status": response.status})
    return response.content


def import_topic(topic: Topic, user, data: bytes, now: datetime, url: str = "") -> ScoopitReport:
    require(user, topic, Action.PUBLISH)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    parsed = _read(data, url)
    report = ScoopitReport(parsed.kind, parsed.title, parsed.views)
    existing = set(Scoop.objects.filter(topic=topic).values_list("canonical_url", flat=True))
    # Oldest first, so the topic's history is rebuilt in order.
    items = sorted(parsed.scoops, key=lambda s: (s.published_at is None, s.published_at or now))
    for item in items:
        if item.scooped_by and item.scooped_by not in report.curators:
            report.curators.append(item.scooped_by)
        if canonical_url(item.url) in existing:
            report.already += 1
            continue
        try:
            insight = clean_insight(item.insight) if item.insight.strip() else ""
            draft = ScoopDraft(url=item.url, title=item.title, insight=insight,
                               excerpt=item.excerpt, image_url=item.image_url,
                               source_name=item.source)  # fmt: skip
            scoop = import_scoop(topic, user, draft, item.published_at, now)
        except ValidationError as exc:
            report.skipped.append(f"{item.title[:80]}: {' '.join(exc.messages)}")
            continue
        existing.add(scoop.canonical_url)
        report.added += 1
    return report
