"""Store a parsed feed: sanitise, give every item a stable key, upsert."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    ForeignObjectRel,
    IntegerField,
    Q,
    TextField,
)

from florilege.lib.html import (
    clean_text,
    html_to_text,
    sanitize_html,
    sanitized_to_text,
    title_for_post,
)
from florilege.lib.text.fingerprint import entry_fingerprints
from florilege.lib.text.language import detect_languages
from florilege.lib.urls import absolutize, canonical_url, is_http_url
from florilege.sources.models import Entry, Source
from florilege.sources.parsing import Enclosure, ParsedEntry, ParsedFeed
from florilege.sources.parsing.items import REASON_CHARS, newest

log = logging.getLogger("florilege.ingest")

MAX_TITLE = 500
UPDATABLE = ("url", "canonical_url", "title", "summary", "content", "author", "image_url",
             "categories", "published_at", "updated_at")  # fmt: skip


def entry_key(parsed: ParsedEntry, canonical: str) -> str:
    """The item's identity: its guid; without one, its canonical link; without either,
    its title and date (so a feed with neither still does not duplicate on refetch)."""
    if parsed.id.strip():
        basis = "id:" + parsed.id.strip()
    elif canonical:
        basis = "url:" + canonical
    else:
        when = parsed.published or parsed.updated
        basis = f"title:{parsed.title.strip()}|{when.isoformat() if when else ''}"
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


def _image(parsed: ParsedEntry) -> str:
    if parsed.image:
        return parsed.image
    for enclosure in parsed.enclosures:
        if enclosure.type.startswith("image/"):
            return enclosure.url
    return ""


# How much text the language and fingerprint see: enough to tell, cheap to compute.
LANGUAGE_CHARS = 120
FINGERPRINT_CHARS = 400


def annotate(entry: Entry) -> None:
    """Language and near-duplicate fingerprint of one entry (see ``annotate_all``)."""
    annotate_all([entry])


def annotate_all(entries: list[Entry]) -> None:
    """Language and near-duplicate fingerprint, computed once, before the rows are written
    (writing them afterwards would cost an UPDATE per entry). Both are computed for a
    feed's new entries in one batch, several times cheaper than one entry at a time.

    Entries hold sanitised markup here (``build_entry``), which reads back to text cheaply.
    """
    texts = [
        sanitized_to_text(e.content or e.summary, max_length=FINGERPRINT_CHARS) for e in entries
    ]
    untagged = [i for i, entry in enumerate(entries) if not entry.language]
    found = detect_languages([f"{entries[i].title}. {texts[i][:LANGUAGE_CHARS]}" for i in untagged])
    for i, code in zip(untagged, found, strict=True):
        entries[i].language = code
    fingerprints = entry_fingerprints(
        [(e.title, text) for e, text in zip(entries, texts, strict=True)]
    )
    for entry, fingerprint in zip(entries, fingerprints, strict=True):
        entry.fingerprint = fingerprint


def clean_entry(parsed: ParsedEntry) -> ParsedEntry:
    """``parsed`` with every text field cleaned (``clean_text``): the one place where what a
    feed says becomes text that any database and encoder accepts."""
    changes: dict[str, object] = {}
    for f in dataclasses.fields(parsed):
        value = getattr(parsed, f.name)
        if isinstance(value, str):
            cleaned: object = clean_text(value)
        elif f.name == "categories":
            cleaned = [clean_text(c) for c in value]
        elif f.name == "enclosures":
            cleaned = [Enclosure(clean_text(e.url), clean_text(e.type), e.length) for e in value]
        else:
            continue
        if cleaned != value:
            changes[f.name] = cleaned
    return dataclasses.replace(parsed, **changes) if changes else parsed  # type: ignore[arg-type]


def build_entry(source: Source, parsed: ParsedEntry, now: datetime) -> Entry:
    parsed = clean_entry(parsed)
    link = absolutize(source.url, parsed.link) if parsed.link else ""
    link = link if is_http_url(link) else ""
    canonical = canonical_url(link) if link else ""
    image = _image(parsed)
    return Entry(
        source=source,
        key=entry_key(parsed, canonical),
        guid=parsed.id[:2000],
        url=link[:2000],
        canonical_url=canonical[:2000],
        # A titleless item (a microblog post) is named by its first sentence, not its URL.
        title=html_to_text(parsed.title, max_length=MAX_TITLE - 1)
        or title_for_post("", parsed.content or parsed.summary)
        or link[:MAX_TITLE],
        summary=sanitize_html(parsed.summary),
        content=sanitize_html(parsed.content),
        author=html_to_text(parsed.author)[:300],
        image_url=image[:2000] if is_http_url(image) else "",
        categories=[c[:100] for c in parsed.categories[:20]],
        published_at=parsed.published,
        updated_at=parsed.updated,
        fetched_at=now,
    )


@dataclass
class Skips:
    """Items of one read that could not be stored, and why the first of them not."""

    count: int = 0
    reason: str = ""

    def add(self, reason: str, count: int = 1) -> None:
        self.count += count
        self.reason = self.reason or reason[: REASON_CHARS + 100]


@dataclass
class FeedPlan:
    """What storing a feed will write: computed first (reads and CPU only), written after,
    so the write transaction holds the database for the writes alone."""

    feed: ParsedFeed
    new: list[Entry] = field(default_factory=list)
    changed: list[Entry] = field(default_factory=list)
    # Items the parser or storage could not take (the others are stored all the same),
    # and items beyond the per-read cap (``FETCH_MAX_ITEMS``).
    skips: Skips = field(default_factory=Skips)
    dropped: int = 0


def store_feed(source: Source, feed: ParsedFeed, now: datetime) -> list[Entry]:
    """Upsert the feed's items for ``source``; return only the entries that are new."""
    return apply_plan(source, plan_feed(source, feed, now))


def apply_plan(source: Source, plan: FeedPlan) -> list[Entry]:
    """Write a plan. Run inside the write transaction: keys stored since the plan was made
    (a WebSub push, a curator adding the feed, another worker) are skipped by the insert
    itself rather than inserted twice or failing the whole feed."""
    if plan.changed:
        _isolated(plan.changed, lambda rows: Entry.objects.bulk_update(rows, UPDATABLE), plan)
    if plan.new:
        written: list[Entry] = []
        _isolated(plan.new, lambda rows: written.extend(insert_entries(rows)), plan)
        plan.new = written
    _update_source_meta(source, plan.feed)
    return plan.new


def _isolated(entries: list[Entry], write: Callable[[list[Entry]], object], plan: FeedPlan) -> None:
    """``write`` all the entries in one go; if the database refuses, write them one at a
    time, each in its own savepoint, so that a row it refuses costs that row only (the
    transaction around stays usable, and the others are stored)."""
    batches = [entries]
    while batches:
        batch = batches.pop()
        try:
            with transaction.atomic():
                write(batch)
        except DatabaseError as exc:
            if len(batch) > 1:
                batches.extend([entry] for entry in reversed(batch))
                continue
            log.warning("source=%s key=%s event=entry_refused error=%s",
                        batch[0].source_id, batch[0].key, exc)  # fmt: skip
            title = batch[0].title[:80]
            plan.skips.add(f"the database refused the item “{title}” ({exc})")


# Rows per INSERT: 500 rows of about 20 parameters stay under SQLite's variable limit.
INSERT_BATCH = 500


def insert_entries(entries: list[Entry]) -> list[Entry]:
    """``bulk_create`` for new entries, without its per-field, per-row preparation (most of
    the cost of writing a cold feed): each column's conversion to the database's form is
    chosen once, then applied down the column.

    An entry whose key its source already has is skipped (``ON CONFLICT DO NOTHING``):
    between planning and writing, a push or another worker may have stored it, and on
    PostgreSQL two transactions can both see the key missing. Returns the entries written,
    their primary keys set, as ``bulk_create`` does.
    """
    connection = connections[router.db_for_write(Entry)]
    quote = connection.ops.quote_name
    fields = [f for f in Entry._meta.concrete_fields if not f.primary_key]
    convert = [_column_converter(f, connection) for f in fields]
    source_id, key = (quote(_column(Entry._meta.get_field(name))) for name in ("source", "key"))
    insert = (
        f"INSERT INTO {quote(Entry._meta.db_table)} "
        f"({', '.join(quote(_column(f)) for f in fields)}) VALUES {{rows}} "
        f"ON CONFLICT ({source_id}, {key}) DO NOTHING "
        f"RETURNING {quote(_column(Entry._meta.pk))}, {source_id}, {key}"
    )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    written: list[Entry] = []
    with connection.cursor() as cursor:
        for start in range(0, len(entries), INSERT_BATCH):
            batch = entries[start : start + INSERT_BATCH]
            params = [
                to_db(getattr(entry, field.attname))
                for entry in batch
                for field, to_db in zip(fields, convert, strict=True)
            ]
            cursor.execute(insert.format(rows=", ".join([row] * len(batch))), params)
            ids = {(owner, name): pk for pk, owner, name in cursor.fetchall()}
            for entry in batch:
                pk = ids.get((entry.source_id, entry.key))
                if pk is None:
                    continue  # stored meanwhile by someone else
                entry.pk = pk
                entry._state.adding = False
                entry._state.db = connection.alias
                written.append(entry)
    return written


def _column_converter(field: Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """The database form of one column's values. Text, whole numbers and foreign keys pass
    as they are and dates go through the backend's adapter; any other kind of field (JSON,
    or one added later) through the ORM's own preparation."""
    if isinstance(field, DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, CharField | TextField | IntegerField | ForeignKey):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def _column(field: Field | ForeignObjectRel) -> str:
    """The column of a concrete field (optional in general: a many-to-many field or a
    reverse relation has none)."""
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{field} has no column")
    return field.column


def plan_feed(source: Source, feed: ParsedFeed, now: datetime) -> FeedPlan:
    """Match the feed's items against what ``source`` has and prepare the new ones.

    An item matches an existing row by key (its guid), or else by canonical URL, so a feed
    that changes its guids does not create duplicates. A URL is an identity only when it is
    not shared: some feeds point every item at their home page, and those items, or a
    stored item still listed under its own guid, are different items.
    """
    skips = Skips()
    if feed.skipped:
        skips.add(feed.skip_reason, feed.skipped)
    parsed, dropped = newest(feed.entries, settings.CONFIG.FETCH_MAX_ITEMS)
    candidates = _dedupe(_built(source, parsed, now, skips))
    existing = _existing(source, candidates)
    identity_urls = _unshared_urls(candidates)
    live_keys = {e.key for e in candidates}
    new: list[Entry] = []
    changed: list[Entry] = []
    for entry in candidates:
        match = existing.get(("key", entry.key))
        if match is None and entry.canonical_url in identity_urls:
            by_url = existing.get(("url", entry.canonical_url))
            if by_url is not None and by_url.key not in live_keys:
                match = by_url
        if match is None:
            if too_old_to_keep(entry, now):
                dropped += 1
                continue
            new.append(entry)
            continue
        if _refresh(match, entry):
            changed.append(match)
    annotate_all(new)
    return FeedPlan(feed, new, changed, skips, feed.dropped + dropped)


def too_old_to_keep(entry: Entry, now: datetime) -> bool:
    """An item dated before what the retention stage keeps: stored, it would be deleted at
    its next pass and come back as new at the next read of a feed that still lists it."""
    days = settings.CONFIG.RETAIN_ENTRIES_DAYS
    dated = entry.published_at or entry.updated_at
    return bool(days) and dated is not None and dated < now - timedelta(days=days)


def _built(
    source: Source, parsed: list[ParsedEntry], now: datetime, skips: Skips
) -> Iterable[Entry]:
    """Entries for the parsed items; one that cannot be built is skipped, not the feed."""
    for position, item in enumerate(parsed, 1):
        try:
            yield build_entry(source, item, now)
        except Exception as exc:  # one odd item must not cost the others
            log.warning("source=%s event=item_unusable error=%r", source.pk, exc)
            skips.add(f"item {position} could not be stored ({type(exc).__name__}: {exc})")


def _dedupe(entries: Iterable[Entry]) -> list[Entry]:
    """Keep the first of items listed twice under the same key."""
    seen: set[str] = set()
    unique: list[Entry] = []
    for entry in entries:
        if entry.key not in seen:
            seen.add(entry.key)
            unique.append(entry)
    return unique


def _unshared_urls(entries: list[Entry]) -> set[str]:
    counts = Counter(e.canonical_url for e in entries if e.canonical_url)
    return {url for url, n in counts.items() if n == 1}


def _existing(source: Source, candidates: list[Entry]) -> dict[tuple[str, str], Entry]:
    keys = [e.key for e in candidates]
    urls = [e.canonical_url for e in candidates if e.canonical_url]
    found: dict[tuple[str, str], Entry] = {}
    for start in range(0, max(len(keys), len(urls)), 400):
        rows = source.entries.filter(
            Q(key__in=keys[start : start + 400]) | Q(canonical_url__in=urls[start : start + 400])
        )
        for row in rows:
            found[("key", row.key)] = row
            if row.canonical_url:
                found.setdefault(("url", row.canonical_url), row)
    return found


def _refresh(stored: Entry, fresh: Entry) -> bool:
    """Copy changed fields from a refetched item; True when anything changed."""
    dirty = False
    for name in UPDATABLE:
        value = getattr(fresh, name)
        if value in ("", None, []) and name not in ("updated_at",):
            continue  # a feed that drops a field later does not erase what we had
        if getattr(stored, name) != value:
            setattr(stored, name, value)
            dirty = True
    return dirty


# The source's fields that storing a feed sets from the feed itself (``apply_plan``): all
# that items arriving without a poll (a WebSub push, a fediverse post) may write on their
# source, whose fetch state (validators, schedule, lease) a worker may be writing.
FEED_META_FIELDS = ("title", "description", "site_url", "feed_format")


def _update_source_meta(source: Source, feed: ParsedFeed) -> None:
    source.title = source.title or html_to_text(feed.title)[:300]
    source.description = source.description or html_to_text(feed.description)[:2000]
    link = absolutize(source.url, clean_text(feed.link)) if feed.link else ""
    if link and is_http_url(link):
        source.site_url = link[:2000]
    source.feed_format = clean_text(feed.format)[:20]
