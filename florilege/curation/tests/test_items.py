"""A topic's "all items": newest first across its sources, read or unread per curator (a
watermark per source plus exceptions), mark one or all read, filters, keyset pages, and
scooping an item through the queue's scoop form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from florilege.curation.models import EntryRead, ReadMark
from florilege.curation.services import reading
from florilege.curation.tests.flow_helpers import entry, follow, suggestion
from florilege.sources.models import Entry, Source
from florilege.suggestions.models import Story, StoryMember, Suggestion
from florilege.topics.models import Topic
from florilege.topics.tests.team_fixtures import NOW, team  # noqa: F401 - the team fixture

pytestmark = pytest.mark.django_db


def _items(topic: Topic, source: Source, n: int, start: int = 0) -> list[Entry]:
    """``n`` entries, the later the newer (one hour apart)."""
    return [
        entry(
            source,
            f"{source.pk}-{i}",
            f"{source.title} item {i}",
            fetched_at=NOW + timedelta(hours=i),
            published_at=NOW + timedelta(hours=i),
        )
        for i in range(start, start + n)
    ]


def _titles(items) -> list[str]:
    return [e.title for e in items]


def _unread(topic: Topic, user, source: Source | None = None) -> list[str]:
    listed = reading.topic_items(topic, user, source.pk if source else None, unread_only=True)
    return _titles(listed)


@pytest.fixture
def feeds(topic) -> tuple[Source, Source]:
    return follow(topic, "https://a.example/feed", "A"), follow(
        topic, "https://b.example/feed", "B"
    )


def test_newest_first_across_sources_and_unread_by_default(topic, curator, feeds) -> None:
    a, b = feeds
    _items(topic, a, 2)
    _items(topic, b, 2, start=2)
    # An item of a source the topic does not follow is not listed.
    _items(topic, Source.objects.create(url="https://other.example/feed", title="O"), 1, 9)
    listed = list(reading.topic_items(topic, curator))
    assert _titles(listed) == ["B item 3", "B item 2", "A item 1", "A item 0"]
    assert not any(e.is_read for e in listed)  # type: ignore[attr-defined]  # annotated
    assert _titles(reading.topic_items(topic, curator, source_id=a.pk)) == ["A item 1", "A item 0"]


def test_mark_all_read_keeps_what_arrived_since_unread(topic, curator, feeds) -> None:
    a, b = feeds
    _items(topic, a, 3)
    _items(topic, b, 1, start=3)
    up_to = reading.newest_id(topic)  # what the page showed
    later = _items(topic, a, 1, start=7)  # stored while the curator was reading
    assert reading.mark_all_read(curator, topic, up_to, NOW) == 2  # one watermark per source
    assert _unread(topic, curator) == _titles(later)
    # Another curator's reading is their own.
    other = type(curator).objects.create_user("other")
    assert len(_unread(topic, other)) == 5


def test_one_item_read_or_unread_stores_only_exceptions(topic, curator, feeds) -> None:
    a, _ = feeds
    first, second = _items(topic, a, 2)
    reading.set_read(curator, second, True, NOW)
    assert _unread(topic, curator) == [first.title]
    assert EntryRead.objects.get().read is True
    reading.mark_all_read(curator, topic, reading.newest_id(topic), NOW)
    # The watermark passed the exception: it is spent, and nothing is unread.
    assert not EntryRead.objects.exists() and _unread(topic, curator) == []
    reading.set_read(curator, first, False, NOW)
    assert _unread(topic, curator) == [first.title]
    reading.set_read(curator, first, True, NOW)  # back to what the watermark says
    assert not EntryRead.objects.exists()


def test_mark_all_read_of_one_source_and_never_backwards(topic, curator, feeds) -> None:
    a, b = feeds
    _items(topic, a, 2)
    _items(topic, b, 2, start=2)
    reading.mark_all_read(curator, topic, reading.newest_id(topic, a.pk), NOW, source_id=a.pk)
    assert _unread(topic, curator) == ["B item 3", "B item 2"]
    top = ReadMark.objects.get(source=a).up_to
    # A stale page posts an older watermark: nothing moves back.
    assert reading.mark_all_read(curator, topic, 1, NOW, source_id=a.pk) == 0
    assert ReadMark.objects.get(source=a).up_to == top
    # A source the topic does not follow is left alone.
    stranger = Source.objects.create(url="https://s.example/feed", title="S")
    assert reading.mark_all_read(curator, topic, top, NOW, source_id=stranger.pk) == 0


def test_pages_follow_a_cursor_without_overlap(topic, curator, feeds) -> None:
    a, b = feeds
    _items(topic, a, reading.PAGE_SIZE)
    _items(topic, b, 5, start=reading.PAGE_SIZE)
    listed = reading.topic_items(topic, curator)
    first, cursor = reading.page_of(listed, None)
    assert len(first) == reading.PAGE_SIZE and cursor is not None
    parsed = reading.Cursor.parse(str(cursor))
    second, end = reading.page_of(listed, parsed)
    assert end is None and len(second) == 5
    assert _titles(first) + _titles(second) == _titles(listed)
    for odd in ("", "x", "1_", "_1", "9" * 40 + "_1", "1_2_3", "-0_0"):
        cursor = reading.Cursor.parse(odd)
        assert cursor is None or reading.page_of(listed, cursor)[0] is not None


def test_scooping_an_item_makes_the_suggestion_the_scoop_form_needs(
    client_in, topic, curator, feeds
) -> None:
    a, _ = feeds
    (item,) = _items(topic, a, 1)
    response = client_in.post(reverse("curation:item_scoop", args=[topic.slug, item.pk]))
    made = Suggestion.objects.get(topic=topic, entry=item)
    assert made.status == "pending" and made.reasons  # scored like the suggest stage does
    assert response.status_code == 302
    assert response["Location"] == reverse("curation:scoop", args=[topic.slug, made.pk])
    # The same form as the queue's, and the item counts as read.
    assert client_in.get(response["Location"]).status_code == 200
    assert _unread(topic, curator) == []
    # Once decided, the list says so and refuses a second scoop.
    Suggestion.objects.filter(pk=made.pk).update(status="scooped")
    with pytest.raises(ValidationError):
        reading.suggestion_to_scoop(topic, item, curator, NOW)
    response = client_in.post(
        reverse("curation:item_scoop", args=[topic.slug, item.pk]), follow=True
    )
    assert "already been scooped or discarded" in response.content.decode()
    assert Suggestion.objects.filter(topic=topic, entry=item).count() == 1


def test_an_existing_suggestion_is_reused(client_in, topic, feeds) -> None:
    a, _ = feeds
    (item,) = _items(topic, a, 1)
    pending = suggestion(topic, item)
    response = client_in.post(reverse("curation:item_scoop", args=[topic.slug, item.pk]))
    assert response["Location"] == reverse("curation:scoop", args=[topic.slug, pending.pk])


def test_an_entry_of_another_topic_is_not_found(client_in, topic, curator) -> None:
    stranger = Source.objects.create(url="https://s.example/feed", title="S")
    (item,) = _items(topic, stranger, 1)
    for name in ("curation:item_scoop", "curation:item_read"):
        assert client_in.post(reverse(name, args=[topic.slug, item.pk])).status_code == 404
    assert not Suggestion.objects.exists() and not EntryRead.objects.exists()


def test_the_page_marks_read_and_unread_with_and_without_javascript(
    client_in, topic, curator, feeds
) -> None:
    a, b = feeds
    older, newer = _items(topic, a, 2)
    url = reverse("curation:items", args=[topic.slug])
    page = client_in.get(url).content.decode()
    assert page.index(newer.title) < page.index(older.title)
    assert page.count("Mark read</button>") == 2
    # Without JavaScript: back to the list as it was, at the item.
    read = reverse("curation:item_read", args=[topic.slug, newer.pk])
    response = client_in.post(read, {"read": "1", "back": "unread=1&evil=//x"})
    assert response["Location"] == f"{url}?unread=1#i-{newer.pk}"
    assert _unread(topic, curator) == [older.title]
    # From queue.js: the card's fragment, now read.
    fragment = client_in.post(read, {"read": "0"}, HTTP_X_FLORILEGE_FRAGMENT="1").content.decode()
    assert fragment.startswith("<article") and "Mark read</button>" in fragment
    assert _unread(topic, curator) == [newer.title, older.title]
    # Unread only, then "mark all read" with what the page showed.
    page = client_in.get(url, {"unread": "1"}).content.decode()
    assert f'name="up_to" value="{reading.newest_id(topic)}"' in page
    later = _items(topic, b, 1, start=5)
    response = client_in.post(
        reverse("curation:items_read_all", args=[topic.slug]),
        {"up_to": str(newer.pk), "back": "unread=1&after=1_1"},
    )
    assert response["Location"] == f"{url}?unread=1&after=1_1"
    assert _unread(topic, curator) == _titles(later)
    # A missing or odd watermark changes nothing and says so.
    response = client_in.post(
        reverse("curation:items_read_all", args=[topic.slug]), {"up_to": "x"}, follow=True
    )
    assert "Nothing to mark" in response.content.decode()


def test_items_page_query_count_does_not_grow(
    client_in, topic, curator, feeds, django_assert_num_queries
) -> None:
    a, b = feeds
    url = reverse("curation:items", args=[topic.slug])
    _items(topic, a, 2)
    client_in.get(url)  # warm the session
    # session, user, topic (its owner needs no membership row), entries with their read
    # state, their suggestions, newest id, unread notifications (the header), filter sources
    with django_assert_num_queries(8):
        assert client_in.get(url).status_code == 200
    items = _items(topic, a, 20, start=2) + _items(topic, b, 20, start=30)
    for item in items[::3]:
        suggestion(topic, item)
        reading.set_read(curator, item, True, NOW)
    with django_assert_num_queries(8):
        page = client_in.get(url, {"unread": "1", "source": str(b.pk)})
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("role", "page", "read", "scoop"),
    [
        ("owner", 200, 302, 302),
        ("editor", 200, 302, 302),
        ("contributor", 200, 302, 302),
        ("viewer", 200, 302, 403),
        ("outsider", 403, 403, 403),
        ("admin", 200, 302, 302),
    ],
)
def test_roles(client, team, topic, role, page, read, scoop) -> None:  # noqa: F811
    source = follow(topic, "https://a.example/feed", "A")
    (item,) = _items(topic, source, 1)
    client.force_login(team[role])
    assert client.get(reverse("curation:items", args=[topic.slug])).status_code == page
    mark = reverse("curation:item_read", args=[topic.slug, item.pk])
    assert client.post(mark, {"read": "1"}).status_code == read
    everything = reverse("curation:items_read_all", args=[topic.slug])
    assert client.post(everything, {"up_to": str(item.pk)}).status_code == read
    made = client.post(reverse("curation:item_scoop", args=[topic.slug, item.pk]))
    assert made.status_code == scoop
    assert Suggestion.objects.filter(entry=item).exists() is (scoop == 302)


def test_the_service_checks_the_role_too(team, topic) -> None:  # noqa: F811
    source = follow(topic, "https://a.example/feed", "A")
    (item,) = _items(topic, source, 1)
    with pytest.raises(PermissionDenied):
        reading.suggestion_to_scoop(topic, item, team["viewer"], NOW)
    assert not Suggestion.objects.exists()


def test_a_story_scooped_through_another_source_is_not_scooped_twice(
    client_in, topic, curator, feeds
) -> None:
    a, b = feeds
    (first,) = _items(topic, a, 1)
    (second,) = _items(topic, b, 1, start=1)
    story = Story.objects.create(first_seen=NOW, last_seen=NOW, size=2)
    for item in (first, second):
        StoryMember.objects.create(entry=item, story=story, reason="near", seen_at=NOW)
    Suggestion.objects.filter(pk=suggestion(topic, first).pk).update(status="scooped")
    page = client_in.get(reverse("curation:items", args=[topic.slug])).content.decode()
    # Both items say the story is scooped, and neither offers to scoop it again.
    assert page.count("<strong>scooped</strong>") == 2
    assert "item_scoop" not in page and f"/items/{second.pk}/scoop/" not in page
    response = client_in.post(
        reverse("curation:item_scoop", args=[topic.slug, second.pk]), follow=True
    )
    assert "already been scooped or discarded" in response.content.decode()
    assert not Suggestion.objects.filter(entry=second).exists()


def test_cursor_is_exact_to_the_microsecond(topic, curator, feeds) -> None:
    a, _ = feeds
    for i in range(reading.PAGE_SIZE + 3):
        # Odd microseconds, and ties on the date (the id decides).
        moment = NOW + timedelta(microseconds=123_457 * (i // 2) + 1)
        entry(a, f"m{i}", f"m{i}", fetched_at=moment, published_at=moment)
    listed = reading.topic_items(topic, curator)
    first, cursor = reading.page_of(listed, None)
    second, _ = reading.page_of(listed, reading.Cursor.parse(str(cursor)))
    assert _titles(first) + _titles(second) == _titles(listed)
    assert len(set(_titles(first) + _titles(second))) == reading.PAGE_SIZE + 3
