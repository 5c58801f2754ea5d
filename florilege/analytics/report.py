"""What the Audience page shows, read from the daily rows: pure reads, no rendering.

Figures cover whole rolled-up days (up to yesterday once the rollup has run); a period is
compared with the one just before it. Visitors over several days are the *sum of daily
visitors* (a reader is not followed from one day to the next, so cannot be counted once).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import Case, DateField, F, Max, Q, QuerySet, Sum, Value, When

from florilege.analytics.classify import BUCKETS, DEVICES
from florilege.analytics.models import DailyCount, RollupDay

PERIODS = (7, 30, 90, 365)
DAILY_KINDS = ("views", "visitors", "clicks")
# Fediverse engagement, day by day (its rows are per scoop: a day's sum over scoops).
ENGAGE_KINDS = ("likes", "boosts", "replies")
KEYED_KINDS = ("scoop_views", "scoop_clicks", "referrer", "ref_host", "device", "tag_views",
               "via_clicks", "edition_clicks", "digest_sent", "digest_bounced", "likes",
               "boosts", "replies", "click_hour", "engage_hour")  # fmt: skip
CHANNELS = ("email", "fediverse", "feed")
# Below this many clicks and reactions, a best hour is noise: the grid is not shown.
BEST_TIME_MINIMUM = 50
# A report is kept until the next rollup changes its rows, and a day at most.
CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Headline:
    key: str
    value: float
    previous: float

    @property
    def change(self) -> float | None:
        """Change against the previous period, in percent (None when there was nothing)."""
        if not self.previous:
            return None
        return round((self.value - self.previous) * 100 / self.previous, 1)


@dataclass
class Report:
    start: date
    until: date
    days: int
    headlines: list[Headline]
    daily: list[tuple[date, int, int, int]]  # day, views, visitors, clicks
    engagement: list[tuple[date, int, int, int]]  # day, likes, boosts, replies
    keyed: dict[str, dict[str, int]]  # kind -> key -> sum over the period
    # day -> channel -> count, for the days a row shows (see ``spans``) and the day
    # before the period
    followers: dict[date, dict[str, int]]
    best: dict[tuple[int, int], int] = field(default_factory=dict)  # (weekday, hour) -> n

    def top(self, kind: str, n: int = 10) -> list[tuple[str, int]]:
        items = self.keyed.get(kind, {})
        return sorted(items.items(), key=lambda kv: (-kv[1], kv[0]))[:n]

    def buckets(self, kind: str) -> list[tuple[str, int]]:
        names = BUCKETS if kind == "referrer" else DEVICES
        items = self.keyed.get(kind, {})
        return [(name, items.get(name, 0)) for name in names]

    @property
    def best_total(self) -> int:
        return sum(self.best.values())

    @property
    def best_shown(self) -> bool:
        return self.best_total >= BEST_TIME_MINIMUM


def _rows(topic_ids: list[int] | None) -> QuerySet[DailyCount]:
    rows = DailyCount.objects.all()
    return rows if topic_ids is None else rows.filter(topic_id__in=topic_ids)


# Periods longer than this are shown week by week (a year is 53 rows, not 365).
WEEKLY_ABOVE = 31


def spans(days: int) -> list[range]:
    """Index ranges of a period's days shown as one row: each day, or each week from the
    start."""
    step = 7 if days > WEEKLY_ABOVE else 1
    return [range(i, min(i + step, days)) for i in range(0, days, step)]


def _rolled() -> tuple[date | None, datetime | None]:
    """The last rolled-up day, and when the latest rollup finished (any new daily row
    moves it: the rollup alone writes them)."""
    got = RollupDay.objects.filter(done_at__isnull=False).aggregate(d=Max("day"), at=Max("done_at"))
    return got["d"], got["at"]


def _per_day(rows: QuerySet[DailyCount], before: date, start: date,
             until: date) -> tuple[dict[date, dict[str, int]], dict[str, int]]:  # fmt: skip
    """Views, visitors and clicks of each day of the period, and the previous period's
    totals (summed by the database: a year before a year is 1,095 rows not fetched)."""
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    previous: dict[str, int] = {}
    in_period = Case(When(day__gte=start, then=F("day")), default=Value(None),
                     output_field=DateField())  # fmt: skip
    for day, kind, n in (
        rows.filter(kind__in=DAILY_KINDS + ENGAGE_KINDS, day__gte=before, day__lte=until)
        .annotate(period_day=in_period)
        .values_list("period_day", "kind")
        .annotate(n=Sum("value"))
        .order_by()
    ):
        if day is None:
            previous[kind] = n
        else:
            per_day[day][kind] = n
    return per_day, previous


def _followers(rows: QuerySet[DailyCount], days: list[date]) -> dict[date, dict[str, int]]:
    """Followers by channel at the end of ``days`` only (a week shows its last day)."""
    followers: dict[date, dict[str, int]] = defaultdict(dict)
    for day, kind, key, n in (
        rows.filter(Q(kind="followers") | Q(kind="unsubscribed"), day__in=days)
        .values_list("day", "kind", "key")
        .annotate(n=Sum("value"))
        .order_by()
    ):
        followers[day][key if kind == "followers" else "unsubscribed"] = n
    return followers


def build(topic_ids: list[int] | None, today: date, days: int) -> Report:
    """The report of ``topic_ids`` (None: every topic) over the ``days`` up to the last
    rolled-up day (yesterday at best). Four queries, and one when the same report was
    made since the last rollup (it is cached until the next one)."""
    rolled, rolled_at = _rolled()
    until = min(rolled or today - timedelta(days=1), today - timedelta(days=1))
    ids = "all" if topic_ids is None else ",".join(map(str, sorted(topic_ids)))
    stamp = rolled_at.timestamp() if rolled_at else 0
    cache_key = f"audience-report-2:{ids}:{days}:{until.isoformat()}:{stamp}"
    if (found := cache.get(cache_key)) is not None:
        return found
    made = _build(_rows(topic_ids), until, days)
    cache.set(cache_key, made, CACHE_SECONDS)
    return made


def _build(rows: QuerySet[DailyCount], until: date, days: int) -> Report:
    start = until - timedelta(days=days - 1)
    before = start - timedelta(days=days)
    per_day, previous = _per_day(rows, before, start, until)
    keyed: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, key, n in (
        rows.filter(kind__in=KEYED_KINDS, day__gte=start, day__lte=until)
        .values_list("kind", "key")
        .annotate(n=Sum("value"))
        .order_by()
    ):
        keyed[kind][key] = n
    shown = [start + timedelta(days=span[-1]) for span in spans(days)]
    followers = _followers(rows, [start - timedelta(days=1), *shown])
    daily: list[tuple[date, int, int, int]] = []
    engagement: list[tuple[date, int, int, int]] = []
    for i in range(days):
        day = start + timedelta(days=i)
        got = per_day.get(day, {})
        daily.append((day, got.get("views", 0), got.get("visitors", 0), got.get("clicks", 0)))
        likes, boosts, replies = (got.get(kind, 0) for kind in ENGAGE_KINDS)
        engagement.append((day, likes, boosts, replies))

    def follow(day: date) -> int:
        return sum(followers.get(day, {}).get(c, 0) for c in CHANNELS)

    headlines = []
    for kind in DAILY_KINDS:
        headlines.append(
            Headline(kind, sum(v.get(kind, 0) for v in per_day.values()), previous.get(kind, 0))
        )
    views, clicks = headlines[0], headlines[2]
    headlines.append(
        Headline(
            "ctr",
            round(clicks.value * 100 / views.value, 2) if views.value else 0,
            round(clicks.previous * 100 / views.previous, 2) if views.previous else 0,
        )
    )
    headlines.append(Headline("followers", follow(until), follow(start - timedelta(days=1))))
    best: dict[tuple[int, int], int] = defaultdict(int)
    for kind in ("click_hour", "engage_hour"):
        for key, n in keyed.get(kind, {}).items():
            weekday, hour = key.split("-")
            best[(int(weekday), int(hour))] += n
    return Report(start, until, days, headlines, daily, engagement, dict(keyed), dict(followers),
                  dict(best))  # fmt: skip


SCOOP_KINDS = ("scoop_views", "scoop_clicks", "likes", "boosts", "replies")


def scoop_totals(topic_id: int, scoop_id: int) -> dict[str, int]:
    """One scoop's figures ever (rolled-up days), for its editors' panel. One query."""
    sums = dict(
        DailyCount.objects.filter(topic_id=topic_id, kind__in=SCOOP_KINDS, key=str(scoop_id))
        .values("kind")
        .annotate(n=Sum("value"))
        .values_list("kind", "n")
    )
    return {kind: sums.get(kind, 0) for kind in SCOOP_KINDS}
