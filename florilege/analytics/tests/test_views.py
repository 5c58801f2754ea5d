"""Counting rules: views, visitors once per topic a day, salts, DNT, robots, buckets."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from florilege.analytics import counting, services
from florilege.analytics.counting import Target, count, counted_without_db, write_held
from florilege.analytics.models import DailySalt, HeldViews, ViewEvent
from florilege.analytics.rollup import due_days, plan_days, roll_up
from florilege.analytics.services import daily_salt, topic_visitor, view_counts

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def fresh_salt_cache():
    services._salts.clear()
    counting.forget_counted()
    yield
    services._salts.clear()
    counting.forget_counted()


def meta(address="203.0.113.5", ua=FIREFOX, **extra):
    return {"REMOTE_ADDR": address, "HTTP_USER_AGENT": ua, **extra}


def visitors(topic, day) -> int:
    roll_up(day)
    from florilege.analytics.models import DailyCount

    row = DailyCount.objects.filter(topic=topic, day=day, kind="visitors").first()
    return row.value if row else 0


def test_every_view_counts_and_a_visitor_once_a_day(topic) -> None:
    count(meta(), Target(topic.pk), NOW)
    count(meta(), Target(topic.pk), NOW + timedelta(hours=3))
    count(meta("203.0.113.6"), Target(topic.pk), NOW)
    assert ViewEvent.objects.count() == 3
    assert visitors(topic, NOW.date()) == 2
    counts = view_counts(topic, NOW)
    assert (counts.total, counts.today) == (3, 0)  # rolled up: the day is done


def test_dnt_and_gpc_count_a_view_never_a_visitor(topic) -> None:
    count(meta(HTTP_DNT="1"), Target(topic.pk), NOW)
    count(meta("203.0.113.7", HTTP_SEC_GPC="1"), Target(topic.pk), NOW)
    assert list(ViewEvent.objects.values_list("visitor", flat=True)) == ["", ""]
    assert visitors(topic, NOW.date()) == 0
    assert view_counts(topic, NOW + timedelta(days=1)).total == 2


@pytest.mark.parametrize(
    "ua",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "curl/8.5.0",
        "python-httpx/0.28.1",
    ],
)
def test_robots_are_not_counted(topic, ua) -> None:
    count(meta(ua=ua), Target(topic.pk), NOW)
    assert counted_without_db(meta(ua=ua), Target(topic.pk), NOW)
    assert not ViewEvent.objects.exists()


def test_the_address_is_not_recoverable_from_what_is_stored(topic) -> None:
    count(meta(), Target(topic.pk), NOW)
    stored = ViewEvent.objects.get().visitor
    assert "203.0.113.5" not in stored
    assert services.visitor_hash("203.0.113.5", FIREFOX, "") != stored
    assert topic_visitor(topic.pk, "203.0.113.5", FIREFOX, daily_salt(NOW.date())) == stored


def test_salts_rotate_each_day_and_old_ones_are_deleted(topic) -> None:
    first = daily_salt(NOW.date())
    count(meta(), Target(topic.pk), NOW)
    services._salts.clear()  # another process, or a restart
    second = daily_salt((NOW + timedelta(days=1)).date())
    assert first != second and len(first) == 64
    assert list(DailySalt.objects.values_list("day", flat=True)) == [
        (NOW + timedelta(days=1)).date()
    ]
    count(meta(), Target(topic.pk), NOW + timedelta(days=1))
    a, b = ViewEvent.objects.order_by("at").values_list("visitor", flat=True)
    assert a != b  # the same reader on two days cannot be linked


def test_rolled_up_days_forget_their_hashes(topic) -> None:
    count(meta(), Target(topic.pk), NOW)
    roll_up(NOW.date())
    assert list(ViewEvent.objects.values_list("visitor", flat=True)) == [""]


def test_referrers_and_devices_are_bucketed(topic) -> None:
    count(meta(HTTP_REFERER="https://www.google.com/search?q=x"), Target(topic.pk), NOW)
    count(meta(ua=IPHONE, HTTP_REFERER="https://mastodon.social/@someone/1"), Target(topic.pk), NOW)
    count(
        meta(HTTP_REFERER="http://testserver/t/x/", HTTP_HOST="testserver"),
        Target(topic.pk, 5),
        NOW,
    )
    rows = list(ViewEvent.objects.order_by("id").values_list("referrer", "referrer_host", "device"))
    assert rows == [
        ("search", "google.com", "desktop"),
        ("fediverse", "mastodon.social", "phone"),
        ("direct", "", "desktop"),
    ]


def test_buffered_views_are_handed_to_the_worker_in_one_insert(
    topic, settings, django_assert_num_queries
) -> None:
    from dataclasses import replace

    # No writer thread (0 seconds): the request that fills the buffer writes it.
    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=3, ANALYTICS_BUFFER_SECONDS=0
    )
    daily_salt(NOW.date())
    assert counted_without_db(meta(), Target(topic.pk), NOW)
    with django_assert_num_queries(0):
        count(meta("198.51.100.1"), Target(topic.pk), NOW)
    assert not counted_without_db(meta(), Target(topic.pk), NOW)  # a write is due: Django
    assert not ViewEvent.objects.exists()
    # One INSERT, the batch as one held row (on PostgreSQL inside a savepoint that does not
    # wait for the disk at commit: savepoint, SET LOCAL, INSERT, release).
    from django.db import connection

    with django_assert_num_queries(1 if connection.vendor != "postgresql" else 4):
        count(meta("198.51.100.2"), Target(topic.pk), NOW)
    assert not ViewEvent.objects.exists()
    (held,) = HeldViews.objects.all()
    assert (held.views, held.first_at) == (3, NOW)
    assert write_held(10) == 3  # the worker's analytics_views stage
    assert ViewEvent.objects.count() == 3 and not HeldViews.objects.exists()


def test_a_writer_thread_takes_the_writes_off_requests(topic, settings) -> None:
    from dataclasses import replace

    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=5, ANALYTICS_BUFFER_SECONDS=30
    )
    daily_salt(NOW.date())
    for i in range(20):  # far below 5 x the backlog factor: no request writes
        assert counted_without_db(meta(f"198.51.100.{i}"), Target(topic.pk), NOW)
    assert counting._flusher and counting._flusher[0].is_alive()
    assert len(counting._pending) == 20 and not ViewEvent.objects.exists()
    assert counting.flush() == 20  # what the thread does every 30 seconds
    assert not ViewEvent.objects.exists() and HeldViews.objects.count() == 1
    assert write_held(10) == 20
    assert ViewEvent.objects.count() == 20


def test_a_writer_thread_that_ends_is_started_again(topic, settings) -> None:
    from dataclasses import replace

    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=5, ANALYTICS_BUFFER_SECONDS=0.1
    )
    counting._flusher.clear()  # as in a new process (an earlier test's thread sleeps on)
    assert counted_without_db(meta("198.51.100.1"), Target(topic.pk), NOW)
    (first,) = counting._flusher
    # Requests write again: the thread sees it at its next wake-up and ends, emptying the
    # list itself (a cached page only looks at the list, never asks the thread).
    settings.CONFIG = replace(settings.CONFIG, ANALYTICS_BUFFER_SECONDS=0)
    first.join(timeout=5)
    assert not first.is_alive() and not counting._flusher
    settings.CONFIG = replace(settings.CONFIG, ANALYTICS_BUFFER_SECONDS=30)
    assert counted_without_db(meta("198.51.100.2"), Target(topic.pk), NOW)
    (second,) = counting._flusher
    assert second is not first and second.is_alive()
    counting.flush()


def test_topic_scoop_and_tag_pages_are_counted_even_from_the_cache(client, topic, curator) -> None:
    from florilege.publishing.tests.helpers import make_scoop

    scoop = make_scoop(topic, curator, 1, NOW - timedelta(days=1), tags=["fediverse"])
    topic_url = reverse("publishing:topic", args=[topic.slug])
    for _ in range(2):
        client.get(topic_url, HTTP_USER_AGENT=FIREFOX)
    assert client.get(topic_url, HTTP_USER_AGENT=FIREFOX)["X-Page-Cache"] == "hit"
    client.get(scoop.get_absolute_url(), HTTP_USER_AGENT=FIREFOX)
    client.get(reverse("publishing:tag", args=[topic.slug, "fediverse"]), HTTP_USER_AGENT=FIREFOX)
    events = list(ViewEvent.objects.order_by("id").values_list("scoop_id", "tag"))
    assert events == [(None, ""), (None, ""), (None, ""), (scoop.pk, ""), (None, "fediverse")]


def test_a_request_only_notes_the_view_and_the_writer_classifies_it(
    topic, settings, django_assert_num_queries
) -> None:
    from dataclasses import replace

    # A writer thread (30 s: it will not run during the test): requests touch no database
    # and leave robots, hashing and buckets to the write.
    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=5, ANALYTICS_BUFFER_SECONDS=30
    )
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    with django_assert_num_queries(0):
        assert counted_without_db(meta(ua=IPHONE, HTTP_DNT="1"), Target(topic.pk, 7), NOW)
        assert counted_without_db(meta(ua=bot), Target(topic.pk), NOW)
        count(meta(HTTP_REFERER="https://www.google.com/"), Target(topic.pk, tag="x"), NOW)
        count(meta(HTTP_REFERER="https://www.google.com/"), Target(topic.pk, tag="x"), NOW)
    assert len(counting._pending) == 4  # noted as they came, the robot too
    assert counting.flush() == 3  # the robot left out when written
    (held,) = HeldViews.objects.all()
    assert "203.0.113.5" not in held.rows  # hashed in the web process, never handed over
    assert write_held(10) == 3
    rows = list(
        ViewEvent.objects.order_by("id").values_list(
            "scoop_id", "tag", "at", "visitor", "referrer", "referrer_host", "device"
        )
    )
    salt = daily_salt(NOW.date())
    hashed = topic_visitor(topic.pk, "203.0.113.5", FIREFOX, salt)
    assert rows == [
        (7, "", NOW, "", "direct", "", "phone"),
        (None, "x", NOW, hashed, "search", "google.com", "desktop"),
        (None, "x", NOW, hashed, "search", "google.com", "desktop"),
    ]


def test_views_past_the_limit_are_dropped_not_written_by_the_request(
    topic, settings, monkeypatch
) -> None:
    from dataclasses import replace

    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=5, ANALYTICS_BUFFER_SECONDS=30
    )
    monkeypatch.setattr(counting, "HELD_LIMIT", 3)
    for i in range(5):
        assert counted_without_db(meta(f"198.51.100.{i}"), Target(topic.pk), NOW)
    assert len(counting._pending) == 3 and not ViewEvent.objects.exists()
    assert counting.flush() == 3


def test_a_view_keeps_its_time_to_the_microsecond(topic) -> None:
    at = NOW.replace(microsecond=123456)
    count(meta(), Target(topic.pk), at)
    count(meta(), Target(topic.pk), NOW + timedelta(seconds=1))
    assert list(ViewEvent.objects.order_by("at").values_list("at", flat=True)) == [
        at,
        NOW + timedelta(seconds=1),
    ]


def _buffered(settings) -> None:
    from dataclasses import replace

    settings.CONFIG = replace(
        settings.CONFIG, ANALYTICS_BUFFER_EVENTS=5, ANALYTICS_BUFFER_SECONDS=30
    )


def test_held_views_keep_their_time_to_the_microsecond(topic, settings) -> None:
    _buffered(settings)
    times = [NOW.replace(microsecond=123456), NOW.replace(microsecond=999999), NOW]
    for at in times:
        count(meta(), Target(topic.pk), at)
    counting.flush()
    assert write_held(10) == 3
    assert list(ViewEvent.objects.order_by("at").values_list("at", flat=True)) == sorted(times)


def test_held_views_of_a_deleted_topic_are_left_out_and_the_rest_written(
    topic, curator, settings
) -> None:
    from florilege.topics.models import Topic

    _buffered(settings)
    doomed = Topic.objects.create(title="Doomed", slug="doomed", owner=curator)
    count(meta(), Target(doomed.pk), NOW)
    count(meta(), Target(topic.pk), NOW)
    counting.flush()
    doomed.delete()
    assert write_held(10) == 1
    assert list(ViewEvent.objects.values_list("topic_id", flat=True)) == [topic.pk]
    assert not HeldViews.objects.exists()


def test_a_held_row_that_cannot_be_read_is_dropped_not_retried_for_ever(topic, settings) -> None:
    _buffered(settings)
    HeldViews.objects.create(written_at=NOW, first_at=NOW, views=1, rows="[[not json")
    count(meta(), Target(topic.pk), NOW)
    counting.flush()
    assert write_held(10) == 1
    assert ViewEvent.objects.count() == 1 and not HeldViews.objects.exists()


def test_a_day_with_views_still_held_is_not_rolled_up(topic, settings) -> None:
    _buffered(settings)
    later = NOW + timedelta(days=3)
    count(meta(), Target(topic.pk), NOW)
    counting.flush()
    ViewEvent.objects.create(topic=topic, at=NOW - timedelta(days=1))
    plan_days(later)
    assert list(due_days(later).values_list("day", flat=True)) == [(NOW - timedelta(days=1)).date()]
    write_held(10)
    plan_days(later)
    due = set(due_days(later).values_list("day", flat=True))
    assert {(NOW - timedelta(days=1)).date(), NOW.date()} <= due


def test_a_held_row_the_database_refuses_is_dropped_and_the_others_written(topic, settings) -> None:
    import json

    from florilege.analytics.counting import COLUMNS, write_held_batch

    _buffered(settings)
    count(meta(), Target(topic.pk), NOW)
    counting.flush()
    # A feed fetch whose subscriber figure no integer column holds (only a forged user
    # agent could say it; the classifier caps it, this row stands for any the database
    # refuses).
    bad = [topic.pk, None, "", NOW.timestamp(), "", "", "", "feed", 10**20]
    assert len(bad) == len(COLUMNS)
    HeldViews.objects.create(written_at=NOW, first_at=NOW, views=1, rows=json.dumps([bad]))
    count(meta("203.0.113.8"), Target(topic.pk), NOW)
    counting.flush()
    done = write_held_batch(10)
    assert (done.held, done.views) == (3, 2)
    assert ViewEvent.objects.count() == 2 and not HeldViews.objects.exists()


def test_a_made_up_subscriber_count_is_capped() -> None:
    from florilege.analytics.classify import MAX_SUBSCRIBERS, feed_subscribers

    agent = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 99999999999999999999 subscribers)"
    assert feed_subscribers(agent) == ("feedly", MAX_SUBSCRIBERS)


def test_the_stage_writes_every_held_row_not_one_batch_a_cycle(topic, settings) -> None:
    from florilege.analytics.stages import HELD_BATCH
    from florilege.jobs.registry import get
    from florilege.jobs.worker import StageRunner

    _buffered(settings)
    for i in range(HELD_BATCH * 2 + 3):
        count(meta(f"198.51.100.{i % 250}"), Target(topic.pk), NOW)
        counting.flush()
    assert HeldViews.objects.count() == HELD_BATCH * 2 + 3
    StageRunner([get("analytics_views")]).cycle(NOW)
    assert not HeldViews.objects.exists()
    assert ViewEvent.objects.count() == HELD_BATCH * 2 + 3
