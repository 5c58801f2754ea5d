"""Full text for sources whose feeds carry only a summary.

For a source set to "fetch full text", each new entry without content gets its page
fetched (through the guarded client) and its main text extracted; the page's og:image
becomes the entry's image when the feed gave none. This runs after storing, outside the
storing transaction, a bounded number of pages per worker cycle; a failure is recorded on
the entry (``extracted_at`` set, content still empty) and never retried in a loop.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from florilege.jobs import leases
from florilege.lib.html import sanitize_html
from florilege.lib.http import FetchError, FetchResponse, GuardedClient
from florilege.lib.urls import is_http_url
from florilege.sources.extract import PageMeta, extract_page
from florilege.sources.models import Entry

MAX_CONTENT_CHARS = 100_000
log = logging.getLogger("florilege.fulltext")


@dataclass
class PageOutcome:
    entry: Entry
    response: FetchResponse | None = None
    error: str = ""


def pending() -> QuerySet[Entry]:
    """Entries of full-text sources whose page was never tried."""
    return Entry.objects.filter(
        source__full_text=True, content="", extracted_at__isnull=True
    ).exclude(url="")


def claim(now: datetime, limit: int) -> list[Entry]:
    """Entries of full-text sources never tried yet, oldest first, leased to the caller:
    workers running the stage at the same time take different entries, so no page is
    fetched twice. The lease outlives any fetch; a crashed worker's runs out and the entry
    is tried again."""
    due = pending().order_by("fetched_at", "id")
    return leases.claim(
        due,
        now=now,
        limit=limit,
        lease_field="extract_leased_until",
        owner_field=None,
        of=("self",),
    )


async def fetch_pages(client: GuardedClient, entries: Sequence[Entry]) -> list[PageOutcome]:
    async def one(entry: Entry) -> PageOutcome:
        try:
            response = await client.get(entry.url, {"Accept": "text/html,*/*;q=0.5"})
        except FetchError as exc:
            return PageOutcome(entry, error=exc.message)
        except Exception as exc:  # one page must not cost the others
            log.exception("entry=%s event=page_fetch_crashed", entry.pk)
            return PageOutcome(entry, error=f"Internal error: {type(exc).__name__}")
        if response.status != 200:
            return PageOutcome(entry, error=f"The page answered {response.status}.")
        return PageOutcome(entry, response=response)

    return list(await asyncio.gather(*(one(e) for e in entries)))


def text_to_html(text: str) -> str:
    """Extracted text keeps one paragraph per line; give each its <p>."""
    paragraphs = [line.strip() for line in text[:MAX_CONTENT_CHARS].splitlines() if line.strip()]
    return sanitize_html("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))


def _extract(outcome: PageOutcome) -> PageMeta | None:
    response = outcome.response
    if response is None:
        return None
    try:
        return extract_page(response.content, response.url, response.content_type)
    except Exception:
        # Marked as tried all the same: a page that breaks extraction is not retried in a
        # loop, and never holds up the entries behind it.
        log.exception("entry=%s event=extraction_crashed", outcome.entry.pk)
        return None


def apply_page(outcome: PageOutcome, now: datetime) -> bool:
    """Store what the page gave; True when the entry got its full text."""
    entry = outcome.entry
    entry.extracted_at = now
    fields = ["extracted_at"]
    meta = _extract(outcome)
    if meta is not None:
        if meta.text:
            entry.content = text_to_html(meta.text)
            fields.append("content")
        # The page's own canonical link (same site only, see extract) names the story's
        # URL better than the feed's link, which is often a redirect or carries tracking.
        canonical = meta.canonical_url[:2000]
        if is_http_url(canonical) and canonical != entry.canonical_url:
            entry.canonical_url = canonical
            fields.append("canonical_url")
        if not entry.image_url and is_http_url(meta.image):
            entry.image_url = meta.image[:2000]
            fields.append("image_url")
    # update, not save: the entry may have been refreshed by a fetch in the meantime, and
    # only these fields are ours to write.
    Entry.objects.filter(pk=entry.pk).update(**{name: getattr(entry, name) for name in fields})
    return "content" in fields
