from datetime import UTC, datetime, timedelta

import pytest

from florilege.analytics.models import DailySalt, TopicVisitor
from florilege.analytics.services import prune, record_view, view_counts, visitor_hash

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 Firefox/140.0"


def test_once_per_visitor_per_day(topic) -> None:
    assert record_view(topic, "203.0.113.5", FIREFOX, NOW)
    assert not record_view(topic, "203.0.113.5", FIREFOX, NOW + timedelta(hours=3))
    assert record_view(topic, "203.0.113.6", FIREFOX, NOW)
    assert record_view(topic, "203.0.113.5", FIREFOX, NOW + timedelta(days=1))
    counts = view_counts(topic, NOW + timedelta(days=1))
    assert (counts.total, counts.today) == (3, 1)


def test_raw_address_is_never_stored(topic) -> None:
    record_view(topic, "203.0.113.5", FIREFOX, NOW)
    stored = TopicVisitor.objects.get().visitor
    assert "203.0.113.5" not in stored and len(stored) == 64


def test_daily_salt_unlinks_days() -> None:
    a = visitor_hash("203.0.113.5", FIREFOX, "salt-day-1")
    b = visitor_hash("203.0.113.5", FIREFOX, "salt-day-2")
    assert a != b


def test_bots_are_not_counted(topic) -> None:
    assert not record_view(topic, "203.0.113.5", "Googlebot/2.1", NOW)
    assert not record_view(topic, "203.0.113.5", "", NOW)
    assert view_counts(topic, NOW).total == 0


def test_old_visitor_rows_and_salts_are_forgotten(topic) -> None:
    record_view(topic, "203.0.113.5", FIREFOX, NOW)
    record_view(topic, "203.0.113.5", FIREFOX, NOW + timedelta(days=3))
    assert prune(NOW + timedelta(days=3)) == 1
    assert list(DailySalt.objects.values_list("day", flat=True)) == [
        (NOW + timedelta(days=3)).date()
    ]
    assert view_counts(topic, NOW + timedelta(days=3)).total == 2
