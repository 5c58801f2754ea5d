"""A team on the ``topic`` fixture: one user per role, plus an outsider and a site admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from florilege.curation.models import Membership, Role, Scoop, TopicSource
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Suggestion

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PASSWORD = "a-long-test-password"
ROLES = ("owner", "owner_member", "editor", "contributor", "viewer", "outsider", "admin")


@pytest.fixture
def team(topic, curator, django_user_model) -> dict:
    users = {"owner": curator}
    for name, role in [
        ("owner_member", Role.OWNER),
        ("editor", Role.EDITOR),
        ("contributor", Role.CONTRIBUTOR),
        ("viewer", Role.VIEWER),
    ]:
        users[name] = django_user_model.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(topic=topic, user=users[name], role=role)
    users["outsider"] = django_user_model.objects.create_user("outsider", password=PASSWORD)
    users["admin"] = django_user_model.objects.create_superuser("admin", password=PASSWORD)
    return users


def make_scoop(topic, curator, status: str, n: int = 1, **extra) -> Scoop:
    return Scoop.objects.create(
        topic=topic,
        curator=curator,
        url=f"https://news.example/{status}-{n}",
        canonical_url=f"https://news.example/{status}-{n}",
        title=f"A {status} scoop {n}",
        insight="Why it matters.",
        insight_html="<p>Why it matters.</p>",
        status=status,
        published_at=extra.pop("published_at", NOW if status == "published" else None),
        **extra,
    )


def make_suggestion(topic, n: int = 1) -> Suggestion:
    source, _ = Source.objects.get_or_create(url="https://news.example/feed", title="News")
    TopicSource.objects.get_or_create(topic=topic, source=source)
    entry = Entry.objects.create(
        source=source,
        key=f"k{n}",
        guid=f"g{n}",
        url=f"https://news.example/entry-{n}",
        canonical_url=f"https://news.example/entry-{n}",
        title=f"Mastodon news {n}",
        summary="<p>Mastodon adds users.</p>",
        language="en",
    )
    return Suggestion.objects.create(topic=topic, entry=entry, score=1.0)
