"""OPML import into a topic, and export of a topic's sources.

Import fetches nothing: it stores every valid feed as a Source due now and links it to
the topic, and the worker fetches them like any other source (through the guarded
client, so an OPML full of private addresses ends as source errors, not requests from
the web process). The work is a handful of set-based queries whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from florilege.lib.urls import canonical_url, is_http_url
from florilege.sources.models import Source
from florilege.sources.opml import (
    MAX_FEED_URL,
    OpmlError,
    Outline,
    feed_url_problem,
    parse_opml,
    write_opml,
)
from florilege.topics.models import Topic, TopicSource
from florilege.topics.services import require_curator

# Rows per INSERT/IN (...): well under every backend's parameter limit for the IN reads;
# SQLite's bulk_create batches itself further.
CHUNK = 500


@dataclass(frozen=True)
class ImportedFeed:
    url: str
    title: str
    # The outline folder path (outermost first), kept on the topic's link to the source.
    folder: tuple[str, ...] = ()
    site_url: str = ""


@dataclass(frozen=True)
class RejectedFeed:
    url: str
    title: str
    reason: str


@dataclass
class ImportReport:
    added: list[ImportedFeed] = field(default_factory=list)
    already_followed: list[ImportedFeed] = field(default_factory=list)
    invalid: list[RejectedFeed] = field(default_factory=list)
    # Outlines whose feed appeared earlier in the same file.
    duplicates: int = 0
    file_title: str = ""

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "already_followed": len(self.already_followed),
            "invalid": len(self.invalid),
            "duplicates": self.duplicates,
        }


def _sort_outlines(outlines: Iterable[Outline], report: ImportReport) -> dict[str, ImportedFeed]:
    """Valid feeds by URL, first occurrence kept; invalid ones and repeats go to the report.

    Two spellings of one address (host case, a tracking parameter) count as a repeat, so
    the import never makes two sources for one feed out of one file.
    """
    feeds: dict[str, ImportedFeed] = {}
    seen: set[str] = set()
    for outline in outlines:
        problem = feed_url_problem(outline.xml_url)
        if problem:
            report.invalid.append(
                RejectedFeed(outline.xml_url[:MAX_FEED_URL], outline.title, problem)
            )
            continue
        key = canonical_url(outline.xml_url)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        site_url = outline.html_url if is_http_url(outline.html_url) else ""
        feeds[outline.xml_url] = ImportedFeed(
            outline.xml_url, outline.title, outline.folder, site_url[:MAX_FEED_URL]
        )
    return feeds


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def import_opml(topic: Topic, data: bytes, user, now: datetime) -> ImportReport:
    """Follow, in ``topic``, every http(s) feed listed in the OPML ``data``.

    Raises ValidationError (with a message for the curator) when the file is not OPML,
    PermissionDenied when ``user`` does not curate the topic.
    """
    require_curator(user, topic)
    try:
        document = parse_opml(data)
    except OpmlError as exc:
        raise ValidationError(str(exc)) from exc
    report = ImportReport(file_title=document.title)
    feeds = _sort_outlines(document.outlines, report)
    if not feeds:
        return report

    followed = {
        canonical_url(url)
        for url in TopicSource.objects.filter(topic=topic).values_list("source__url", flat=True)
    }
    new: dict[str, ImportedFeed] = {}
    for url, feed in feeds.items():
        if canonical_url(url) in followed:
            report.already_followed.append(feed)
        else:
            new[url] = feed
    if not new:
        return report

    with transaction.atomic():
        # Existing rows (another topic follows the feed) win the conflict untouched.
        Source.objects.bulk_create(
            [_new_source(feed, now) for feed in new.values()],
            ignore_conflicts=True,
            batch_size=CHUNK,
        )
        ids: dict[str, int] = {}
        for chunk in _chunks(list(new)):
            ids.update(Source.objects.filter(url__in=chunk).values_list("url", "id"))
        # A feed once gone (410) that someone imports again gets another chance, as
        # adding it by hand would give it.
        Source.objects.filter(id__in=list(ids.values()), enabled=False).update(
            enabled=True, disabled_reason="", error_count=0, next_fetch_at=now
        )
        TopicSource.objects.bulk_create(
            [
                TopicSource(
                    topic=topic,
                    source_id=ids[url],
                    added_by=user,
                    added_at=now,
                    folder=list(feed.folder),
                )
                for url, feed in new.items()
                if url in ids
            ],
            ignore_conflicts=True,
            batch_size=CHUNK,
        )
    report.added = [feed for url, feed in new.items() if url in ids]
    return report


def _new_source(feed: ImportedFeed, now: datetime) -> Source:
    # The curator's own name for the feed (from their reader) is kept: the worker only
    # fills an empty title from the feed.
    return Source(
        url=feed.url,
        title=feed.title[:300],
        site_url=feed.site_url,
        next_fetch_at=now,
        created_at=now,
    )


def export_opml(topic: Topic, user, now: datetime) -> bytes:
    """The topic's sources as OPML 2.0, in one folder named after the topic, each in the
    folder it was imported from (so an export imports back as it came)."""
    require_curator(user, topic)
    links = TopicSource.objects.filter(topic=topic).values_list(
        "folder", "source__title", "source__url", "source__site_url"
    )
    rows = sorted(
        (
            (topic.title, *_folder(folder)),
            title or url,
            url,
            site_url if is_http_url(site_url) else "",
        )
        for folder, title, url, site_url in links
    )
    return write_opml(
        [(title, url, site_url, path) for path, title, url, site_url in rows],
        title=topic.title,
        created=now,
    )


def _folder(value: object) -> tuple[str, ...]:
    """A stored folder path; anything else (a hand-edited row) counts as no folder."""
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return tuple(value)
    return ()
