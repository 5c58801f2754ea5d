"""The rollup stage: daily rows from raw events, the same whatever happens to a worker."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from florilege.analytics import counting, rollup, services
from florilege.analytics.clicks import Click, record_click
from florilege.analytics.counting import Target, count
from florilege.analytics.models import ClickEvent, DailyCount, RollupDay, ViewEvent
from florilege.jobs.registry import all_stages

pytestmark = pytest.mark.django_db
DAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"


class Killed(BaseException):
    """What a worker killed mid-way looks like to the database: nothing after this runs
    and the transaction is never committed."""


@pytest.fixture(autouse=True)
def fresh():
    services._salts.clear()
    counting.forget_counted()
    yield
    services._salts.clear()


def traffic(topic) -> None:
    for i in range(12):
        meta = {"REMOTE_ADDR": f"203.0.113.{i % 5}", "HTTP_USER_AGENT": FIREFOX}
        if i % 3 == 0:
            meta["HTTP_REFERER"] = "https://duckduckgo.com/"
        count(meta, Target(topic.pk, scoop_id=7 if i % 2 else None), DAY + timedelta(hours=i))
    for i in range(4):
        record_click({"HTTP_USER_AGENT": FIREFOX}, Click(7, "page"), topic.pk,
                     DAY + timedelta(hours=9, minutes=i), "testserver")  # fmt: skip


def snapshot() -> list[tuple]:
    return sorted(DailyCount.objects.values_list("topic_id", "day", "kind", "key", "value"))


def test_a_day_rolls_up_into_daily_rows(topic) -> None:
    topic.time_zone = "Europe/Paris"
    topic.save()
    traffic(topic)
    events = rollup.rollup_cycle(DAY + timedelta(days=1, hours=1), "w1")
    assert events == 16
    rows = {(k, key): v for _t, _d, k, key, v in snapshot()}
    assert rows[("views", "")] == 12 and rows[("visitors", "")] == 5
    assert rows[("scoop_views", "7")] == 6 and rows[("clicks", "")] == 4
    assert rows[("referrer", "search")] == 4 and rows[("referrer", "direct")] == 8
    assert rows[("device", "desktop")] == 12
    assert rows[("click_hour", "0-10")] == 4  # 09:00 UTC on a Monday is 10:00 in Paris
    assert RollupDay.objects.get(day=DAY.date()).done_at is not None


EXPECTED = {("views", ""): 12, ("visitors", ""): 5, ("scoop_views", "7"): 6, ("clicks", ""): 4}


@pytest.mark.parametrize("step", ["deleted", "counted", "blanked"])
def test_a_worker_killed_mid_way_leaves_the_same_result(topic, step) -> None:
    traffic(topic)
    later = DAY + timedelta(days=1, hours=1)

    def die(at: str) -> None:
        if at == step:
            raise Killed

    with pytest.raises(Killed):
        rollup.rollup_cycle(later, "doomed", checkpoint=die)
    assert not RollupDay.objects.filter(done_at__isnull=False).exists()
    assert not DailyCount.objects.exists()
    assert ViewEvent.objects.exclude(visitor="").count() == 12  # hashes still there
    # The dead worker's lease holds the day until it runs out; then another finishes it.
    assert rollup.rollup_cycle(later, "other") == 0
    assert rollup.rollup_cycle(later + timedelta(hours=1), "other") == 16
    done = snapshot()
    assert {(k, key): v for _t, _d, k, key, v in done if (k, key) in EXPECTED} == EXPECTED
    # And once more (a worker that finished but did not know it), hashes now blanked:
    # the same rows, visitors included.
    rollup.roll_up(DAY.date())
    assert snapshot() == done


def test_today_is_not_rolled_up_and_raw_rows_expire(topic, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, ANALYTICS_RAW_DAYS=3)
    traffic(topic)
    assert rollup.rollup_cycle(DAY + timedelta(hours=23), "w") == 0
    rollup.rollup_cycle(DAY + timedelta(days=1, hours=1), "w")
    assert ViewEvent.objects.count() == 12
    rollup.rollup_cycle(DAY + timedelta(days=4, hours=1), "w")
    assert not ViewEvent.objects.exists() and not ClickEvent.objects.exists()
    assert {k for _t, _d, k, _key, _v in snapshot()} >= {"views", "clicks"}  # kept for ever


def test_the_stage_is_registered() -> None:
    (stage,) = [s for s in all_stages() if s.name == "analytics_rollup"]
    assert stage.app == "analytics"
