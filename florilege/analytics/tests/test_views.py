from datetime import UTC, datetime, timedelta

import pytest

from florilege.analytics import services
from florilege.analytics.models import DailySalt, TopicVisitor
from florilege.analytics.services import daily_salt, record_view, view_counts

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 Firefox/140.0"


@pytest.fixture(autouse=True)
def fresh_salt_cache():
    services._salts.clear()
    yield
    services._salts.clear()


def test_once_per_visitor_per_day(topic) -> None:
    assert record_view(topic, "203.0.113.5", FIREFOX, NOW)
    assert not record_view(topic, "203.0.113.5", FIREFOX, NOW + timedelta(hours=3))
    assert record_view(topic, "203.0.113.6", FIREFOX, NOW)
    assert record_view(topic, "203.0.113.5", FIREFOX, NOW + timedelta(days=1))
    counts = view_counts(topic, NOW + timedelta(days=1))
    assert (counts.total, counts.today) == (3, 1)


def test_the_address_is_not_recoverable_from_what_is_stored(topic) -> None:
    record_view(topic, "203.0.113.5", FIREFOX, NOW)
    stored = TopicVisitor.objects.get().visitor
    # Without the day's random salt, hashing the address with the user agent (or with any
    # fixed key) does not give the stored value.
    assert services.visitor_hash("203.0.113.5", FIREFOX, "") != stored
    assert services.visitor_hash("203.0.113.5", FIREFOX, daily_salt(NOW.date())) == stored


def test_each_day_gets_its_own_random_salt(topic) -> None:
    first = daily_salt(NOW.date())
    second = daily_salt((NOW + timedelta(days=1)).date())
    assert first != second and len(first) == 64
    assert daily_salt(NOW.date()) == first  # stable within the day


def test_bots_are_not_counted(topic) -> None:
    assert not record_view(topic, "203.0.113.5", "Googlebot/2.1", NOW)
    assert not record_view(topic, "203.0.113.5", "", NOW)
    assert view_counts(topic, NOW).total == 0


def test_a_new_day_forgets_old_salts_and_visitor_rows(topic) -> None:
    record_view(topic, "203.0.113.5", FIREFOX, NOW)
    record_view(topic, "203.0.113.5", FIREFOX, NOW + timedelta(days=1))
    assert TopicVisitor.objects.count() == 2  # yesterday's rows are kept for today
    services._salts.clear()  # another process, or a restart
    record_view(topic, "203.0.113.5", FIREFOX, NOW + timedelta(days=3))
    later = (NOW + timedelta(days=3)).date()
    assert list(TopicVisitor.objects.values_list("day", flat=True)) == [later]
    assert list(DailySalt.objects.values_list("day", flat=True)) == [later]
    assert view_counts(topic, NOW + timedelta(days=3)).total == 3
