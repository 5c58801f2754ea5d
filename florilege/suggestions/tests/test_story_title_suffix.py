"""The same press release run by two publications with their own title suffix ("— Alpha
News", "| Beta Daily") is one story, so one card in the queue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from florilege.lib.text.fingerprint import entry_fingerprint
from florilege.sources.models import Entry, Source
from florilege.suggestions.stories import assign_stories

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RELEASE = "Open Timelines Project opens a grant round for small instances"
LONG = (
    "The Open Timelines Project announced a grant round of 2 million euros for community-run "
    "social servers with fewer than 10,000 accounts. Grants cover moderation tooling, hosting "
    "and accessibility audits; applications open next month and decisions will be public."
)
SHORT = "A grant round of 2 million euros for community-run social servers."


def _entry(n: int, title: str, text: str) -> Entry:
    source = Source.objects.create(url=f"https://s{n}.example/feed", title=f"S{n}")
    return Entry.objects.create(
        source=source,
        key="k",
        url=f"https://s{n}.example/release",
        canonical_url=f"https://s{n}.example/release",
        title=title,
        summary=f"<p>{text}</p>",
        fingerprint=entry_fingerprint(title, text),
        published_at=NOW,
        language="en",
    )


@pytest.mark.parametrize("text", [LONG, SHORT, ""], ids=["long", "short", "title-only"])
def test_a_title_suffix_does_not_split_a_story(text) -> None:
    entries = [
        _entry(0, RELEASE, text),
        _entry(1, f"{RELEASE} - Alpha News", text),
        _entry(2, f"{RELEASE} | Beta Daily", text),
    ]
    stories = assign_stories(entries, NOW)
    assert len(set(stories.values())) == 1, stories
