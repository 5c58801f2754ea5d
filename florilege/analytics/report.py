"""What the Audience page shows, read from the daily rows: pure reads, no rendering.

Figures cover whole rolled-up days (up to yesterday once the rollup has run); a period is
compared with the one just before it. Visitors over several days are the *sum of daily
visitors* (a reader is not followed from one day to the next, so cannot be counted once).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet, Sum

from florilege.analytics.classify import BUCKETS, DEVICES
from florilege.analytics.models import DailyCount
from florilege.analytics.services import rolled_until

PERIODS = (7, 30, 90, 365)
DAILY_KINDS = ("views", "visitors", "clicks")
KEYED_KINDS = ("scoop_views", "scoop_clicks", "referrer", "ref_host", "device", "tag_views",
               "via_clicks", "edition_clicks", "digest_sent", "digest_bounced", "likes",
               "boosts", "replies", "click_hour", "engage_hour")  # fmt: skip
CHANNELS = ("email", "fediverse", "feed")
# Below this many clicks and reactions, a best hour is noise: the grid is not shown.
BEST_TIME_MINIMUM = 50


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
    keyed: dict[str, dict[str, int]]  # kind -> key -> sum over the period
    followers: list[tuple[date, dict[str, int]]]  # day -> channel -> count
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


def build(topic_ids: list[int] | None, today: date, days: int) -> Report:
    """The report of ``topic_ids`` (None: every topic) over the ``days`` up to the last
    rolled-up day (yesterday at best). Four queries."""
    until = min(rolled_until() or today - timedelta(days=1), today - timedelta(days=1))
    start = until - timedelta(days=days - 1)
    before = start - timedelta(days=days)
    rows = _rows(topic_ids)
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    for r in (
        rows.filter(kind__in=DAILY_KINDS, day__gte=before, day__lte=until)
        .values("day", "kind")
        .annotate(n=Sum("value"))
    ):
        per_day[r["day"]][r["kind"]] = r["n"]
    keyed: dict[str, dict[str, int]] = defaultdict(dict)
    for k in (
        rows.filter(kind__in=KEYED_KINDS, day__gte=start, day__lte=until)
        .values("kind", "key")
        .annotate(n=Sum("value"))
    ):
        keyed[k["kind"]][k["key"]] = k["n"]
    followers: dict[date, dict[str, int]] = defaultdict(dict)
    for f in (
        rows.filter(Q(kind="followers") | Q(kind="unsubscribed"), day__gte=before, day__lte=until)
        .values("day", "kind", "key")
        .annotate(n=Sum("value"))
    ):
        name = f["key"] if f["kind"] == "followers" else "unsubscribed"
        followers[f["day"]][name] = f["n"]
    daily = []
    for i in range(days):
        day = start + timedelta(days=i)
        got = per_day.get(day, {})
        daily.append((day, got.get("views", 0), got.get("visitors", 0), got.get("clicks", 0)))

    def total(kind: str, first: date, last: date) -> int:
        return sum(v.get(kind, 0) for d, v in per_day.items() if first <= d <= last)

    def follow(day: date) -> int:
        return sum(followers.get(day, {}).get(c, 0) for c in CHANNELS)

    headlines = []
    for kind in DAILY_KINDS:
        headlines.append(
            Headline(kind, total(kind, start, until), total(kind, before, start - timedelta(1)))
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
    series = [(start + timedelta(days=i), followers.get(start + timedelta(days=i), {}))
              for i in range(days)]  # fmt: skip
    return Report(start, until, days, headlines, daily, dict(keyed), series, dict(best))


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
