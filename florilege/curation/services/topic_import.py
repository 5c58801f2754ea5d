"""Reading a topic export (``florilege-topic/2`` or ``/1``, written by
:func:`topics.export_topic`) back into a new topic on this instance, through the services
the pages use: the topic form checks the settings, OPML import adds the sources, the scoop
creation path adds each scoop (original dates kept), the rules service checks each rule,
and the pictures the export carries go through the media pipeline's checks (decoded and
re-encoded, as a fetched picture is) so the copy shows them without asking the sites they
came from. Nothing is half-imported: the whole import is one transaction (picture files
already stored by a refused import stay in the media storage, unused)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from florilege.curation.automation import RuleSpec
from florilege.curation.forms.topics import TopicForm
from florilege.curation.models import Scoop, ScoopStatus
from florilege.curation.services import opml, rules, scooping
from florilege.curation.services.publication import AT, DRAFT, PublishPlan, attach_picture
from florilege.curation.services.topics import EXPORT_FORMAT
from florilege.media import services as pictures
from florilege.sources.opml import write_opml
from florilege.topics.models import Topic, TopicSource

MAX_SCOOPS = 50_000
# Version 1 has no "pictures" (a copy fetches them again from their addresses).
READ_FORMATS = (EXPORT_FORMAT, "florilege-topic/1")


@dataclass
class TopicImport:
    topic: Topic
    sources: int = 0
    scoops: int = 0
    rules: int = 0
    pictures: int = 0
    skipped: list[str] = field(default_factory=list)


def _when(value: Any) -> datetime | None:
    moment = parse_datetime(value) if isinstance(value, str) else None
    return moment if moment is not None and moment.tzinfo is not None else None


def _str(value: Any, limit: int = 2000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _create(settings: dict[str, Any], owner, slug: str | None) -> Topic:
    form = TopicForm(
        {
            "title": _str(settings.get("title"), 200),
            "slug": slug if slug is not None else _str(settings.get("slug"), 80),
            "description": _str(settings.get("description"), 5000),
            "languages": [c for c in settings.get("languages") or [] if isinstance(c, str)],
            "keywords": ", ".join(k for k in settings.get("keywords") or [] if isinstance(k, str)),
            "visibility": "public" if settings.get("is_public", True) else "private",
            "accent_color": _str(settings.get("accent_color"), 7),
            "use_default_accent": "" if settings.get("accent_color") else "on",
            "header_image_url": _str(settings.get("header_image_url")),
            "allow_scoop_without_insight": bool(settings.get("allow_scoop_without_insight")),
        }
    )
    if not form.is_valid():
        problems = [
            f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()
        ]
        raise ValidationError(_("The topic's settings were refused: %(problems)s")
                              % {"problems": "; ".join(problems)})  # fmt: skip
    topic = form.save(commit=False)
    topic.owner = owner
    zone = _str(settings.get("time_zone"), 60) or "UTC"
    try:
        ZoneInfo(zone)
        topic.time_zone = zone
    except (ZoneInfoNotFoundError, ValueError):
        topic.time_zone = "UTC"
    days = settings.get("slot_weekdays")
    if isinstance(days, list) and all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        topic.slot_weekdays = sorted(set(days))
    times = settings.get("slot_times")
    if isinstance(times, list) and all(isinstance(t, str) and re.fullmatch(r"\d\d:\d\d", t)
                                       for t in times):  # fmt: skip
        with contextlib.suppress(ValueError):  # 25:99 and the like: the default slots stay
            topic.slot_times = sorted({time.fromisoformat(t).strftime("%H:%M") for t in times})
    topic.save()
    return topic


def _sources(topic: Topic, owner, rows: list[Any], now: datetime) -> int:
    feeds = [
        (_str(r.get("title"), 300), _str(r.get("url")), _str(r.get("site_url")), r.get("folder"))
        for r in rows
        if isinstance(r, dict) and r.get("url")
    ]
    if not feeds:
        return 0
    report = opml.import_opml(topic, write_opml(feeds, topic.title, now), owner, now)
    return len(report.added) + len(report.already_followed)


def _scoop(topic: Topic, owner, row: dict[str, Any], now: datetime) -> Scoop:
    draft = scooping.ScoopDraft(
        url=_str(row.get("url")),
        title=_str(row.get("title"), 300),
        insight=_str(row.get("insight"), 100_000),
        excerpt=_str(row.get("excerpt"), 5000),
        image_url=_str(row.get("image_url")),
        image_width=row.get("image_width") if isinstance(row.get("image_width"), int) else None,
        image_height=row.get("image_height") if isinstance(row.get("image_height"), int) else None,
        source_name=_str(row.get("source_name"), 300),
        language=_str(row.get("language"), 10),
        tags=[t for t in row.get("tags") or [] if isinstance(t, str)],
    )
    status, published = row.get("status"), _when(row.get("published_at"))
    if status == ScoopStatus.PUBLISHED:
        scoop = scooping.import_scoop(topic, owner, draft, published, now)
        pinned = _when(row.get("pinned_at"))
        if pinned is not None:
            Scoop.objects.filter(pk=scoop.pk).update(pinned_at=pinned)
        return scoop
    if status == ScoopStatus.SCHEDULED and published and published > now:
        plan = PublishPlan(AT, published)
    else:
        plan = PublishPlan(DRAFT)
    scoop = scooping.import_scoop(topic, owner, draft, None, now, plan=plan)
    if status in (ScoopStatus.AWAITING, ScoopStatus.UNPUBLISHED):
        # Kept in the state it was in (a proposal, a scoop taken down), not published.
        Scoop.objects.filter(pk=scoop.pk).update(status=status)
    return scoop


def _restore_pictures(rows: Any, now: datetime, skipped: list[str]) -> set[str]:
    """Make the pictures the export carries ready here, from their files, under their
    addresses; returns the addresses restored. A picture already ready here is kept."""
    restored: set[str] = set()
    if not isinstance(rows, dict):
        return restored
    for url, row in rows.items():
        try:
            data = base64.b64decode(row["data"], validate=True)
        except (TypeError, KeyError, ValueError, binascii.Error):
            skipped.append(f"picture {_str(url, 200)}: not base64 data")
            continue
        picture = pictures.request(url, now) if isinstance(url, str) else None
        if picture is None:
            skipped.append(f"picture {_str(url, 200)}: not an http(s) address")
        elif picture.is_ready or pictures.process_now(picture, data, now):
            restored.add(url)
        else:
            picture.refresh_from_db()
            skipped.append(f"picture {_str(url, 200)}: {picture.error}")
    return restored


def _rule(topic: Topic, owner, row: dict[str, Any], now: datetime) -> None:
    urls = {u for u in row.get("source_urls") or [] if isinstance(u, str)}
    ids = TopicSource.objects.filter(topic=topic, source__url__in=urls).values_list(
        "source_id", flat=True
    )
    score = row.get("min_score")
    spec = RuleSpec(
        id=None,
        name=_str(row.get("name"), 100),
        action=_str(row.get("action"), 20),
        source_ids=frozenset(ids),
        keywords=tuple(k for k in row.get("keywords") or [] if isinstance(k, str)),
        regex=_str(row.get("regex"), 500),
        languages=tuple(c for c in row.get("languages") or [] if isinstance(c, str)),
        min_score=float(score) if isinstance(score, int | float) else None,
        tag=_str(row.get("tag"), 50),
    )
    rules.save_rule(topic, owner, spec, _str(row.get("insight_template"), 5000), now,
                    enabled=bool(row.get("enabled", True)))  # fmt: skip


def import_topic(data: Any, owner, now: datetime, slug: str | None = None) -> TopicImport:
    """A new topic owned by ``owner`` from an export; ``slug`` replaces the exported
    address (to import beside the original). Raises ValidationError, writing nothing."""
    if not isinstance(data, dict) or data.get("format") not in READ_FORMATS:
        raise ValidationError(
            _("This is not a Florilège topic export (format %(format)s).")
            % {"format": EXPORT_FORMAT}
        )
    settings = data.get("settings")
    scoops = data.get("scoops") or []
    if not isinstance(settings, dict) or not isinstance(scoops, list):
        raise ValidationError(_("The export has no settings or its scoops are not a list."))
    if len(scoops) > MAX_SCOOPS:
        raise ValidationError(_("The export has more than %(n)s scoops.") % {"n": MAX_SCOOPS})
    with transaction.atomic():
        topic = _create(settings, owner, slug)
        result = TopicImport(topic)
        restored = _restore_pictures(data.get("pictures"), now, result.skipped)
        result.pictures = len(restored)
        if topic.header_image_url:
            topic.header_picture = pictures.request(topic.header_image_url, now)
            topic.save(update_fields=["header_picture"])
        result.sources = _sources(topic, owner, data.get("sources") or [], now)
        for row in scoops:
            if not isinstance(row, dict):
                continue
            try:
                with transaction.atomic():
                    scoop = _scoop(topic, owner, row, now)
                result.scoops += 1
                if scoop.image_url in restored:
                    # Published ones get it again from the publication hook; the others
                    # (drafts, proposals) hold it so it is not forgotten as unused.
                    attach_picture(scoop, now)
            except ValidationError as exc:
                result.skipped.append(f"{_str(row.get('url'), 200)}: {' '.join(exc.messages)}")
        for row in data.get("rules") or []:
            if not isinstance(row, dict):
                continue
            try:
                with transaction.atomic():
                    _rule(topic, owner, row, now)
                result.rules += 1
            except ValidationError as exc:
                result.skipped.append(
                    f"rule {_str(row.get('name'), 100)}: {' '.join(exc.messages)}"
                )
    return result
