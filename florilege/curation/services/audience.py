"""The Audience page's sections: the analytics report joined with what curation knows
(scoop titles, sources, members). Every section is a table (the source of truth, also
given as CSV and JSON) and, where it helps, a chart of the same numbers."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from florilege.analytics import charts, report
from florilege.curation.models import Scoop, ScoopStatus
from florilege.sources.models import Source
from florilege.suggestions.models import Suggestion
from florilege.topics.models import Topic, TopicSource

Cell = str | int | float | date


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]]
    chart: SafeString | None = None
    note: str = ""


@dataclass
class Audience:
    report: report.Report
    sections: list[Section] = field(default_factory=list)
    waiting: int = 0  # proposals awaiting approval

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def wait_hours(made: datetime, start: datetime | None) -> float | None:
    """Hours from an item reaching us (or being suggested) to its scoop; None when the
    scoop came first (a page scooped by its address, whose feed brought the same article
    later): that scoop owed nothing to the queue, and a negative wait would drag the
    median below zero."""
    if start is None or made < start:
        return None
    return _hours(made - start)


def _day(d: date) -> str:
    return date_format(d, "SHORT_DATE_FORMAT")


WEEKLY_ABOVE = report.WEEKLY_ABOVE


def _weeks(r: report.Report) -> list[range]:
    """Index ranges of ``r.daily`` shown as one row: each day, or each week from the start."""
    return report.spans(r.days)


def _daily(r: report.Report) -> Section:
    rows: list[list[Cell]] = []
    for span in _weeks(r):
        days = [r.daily[i] for i in span]
        views, visitors, clicks = (sum(d[1] for d in days), sum(d[2] for d in days),
                                   sum(d[3] for d in days))  # fmt: skip
        rows.append([days[0][0], views, visitors, clicks])
    chart = charts.lines(
        _("Views, visitors and clicks per day"),
        _("From %(start)s to %(until)s; the table below gives every number.")
        % {"start": _day(r.start), "until": _day(r.until)},
        [_day(r.start), _day(r.until)] if r.days > 1 else [_day(r.start)],
        [(_("Views"), [float(str(x[1])) for x in rows]),
         (_("Visitors"), [float(str(x[2])) for x in rows]),
         (_("Clicks"), [float(str(x[3])) for x in rows])],
    )  # fmt: skip
    first = _("Week from") if r.days > WEEKLY_ABOVE else _("Day")
    headers = [first, _("Views"), _("Visitors"), _("Clicks")]
    note = _("Visitors over several days are the sum of daily visitors.")
    return Section("daily", _("Day by day"), headers, rows, chart, note)


def _engagement(r: report.Report) -> Section:
    rows: list[list[Cell]] = []
    for span in _weeks(r):
        days = [r.engagement[i] for i in span]
        rows.append([days[0][0], sum(d[1] for d in days), sum(d[2] for d in days),
                     sum(d[3] for d in days)])  # fmt: skip
    if not any(row[1] or row[2] or row[3] for row in rows):
        rows = []  # "nothing counted yet" rather than a table of zeros
    chart = charts.lines(
        _("Likes, boosts and replies per day"),
        _("On the fediverse, from %(start)s to %(until)s; the table below gives every number.")
        % {"start": _day(r.start), "until": _day(r.until)},
        [_day(r.start), _day(r.until)] if r.days > 1 else [_day(r.start)],
        [(_("Likes"), [float(str(x[1])) for x in rows]),
         (_("Boosts"), [float(str(x[2])) for x in rows]),
         (_("Replies"), [float(str(x[3])) for x in rows])],
    )  # fmt: skip
    first = _("Week from") if r.days > WEEKLY_ABOVE else _("Day")
    headers = [first, _("Likes"), _("Boosts"), _("Replies")]
    return Section("engagement", _("Fediverse engagement"), headers, rows, chart)


def _top_scoops(r: report.Report, topic_ids: list[int] | None) -> Section:
    views = r.keyed.get("scoop_views", {})
    clicks = r.keyed.get("scoop_clicks", {})
    ranked = sorted(set(views) | set(clicks),
                    key=lambda k: (-(clicks.get(k, 0) + views.get(k, 0)), k))[:10]  # fmt: skip
    scoops = Scoop.objects.filter(pk__in=[int(k) for k in ranked])
    if topic_ids is not None:
        scoops = scoops.filter(topic_id__in=topic_ids)
    titles = dict(scoops.values_list("pk", "title"))
    rows: list[list[Cell]] = []
    for key in ranked:
        if int(key) not in titles:
            continue
        v, c = views.get(key, 0), clicks.get(key, 0)
        rows.append([titles[int(key)], v, c, round(c * 100 / v, 1) if v else 0,
                     r.keyed.get("likes", {}).get(key, 0), r.keyed.get("boosts", {}).get(key, 0),
                     r.keyed.get("replies", {}).get(key, 0)])  # fmt: skip
    chart = charts.bars(_("Clicks per scoop"), _("The most clicked scoops of the period."),
                        [(str(row[0]), float(str(row[2]))) for row in rows])  # fmt: skip
    headers = [_("Scoop"), _("Views"), _("Clicks"), _("Click-through rate (%)"), _("Likes"),
               _("Boosts"), _("Replies")]  # fmt: skip
    return Section("scoops", _("Top scoops"), headers, rows, chart)


def _sources(r: report.Report, topic_ids: list[int] | None, since: datetime) -> list[Section]:
    suggestions = Suggestion.objects.filter(created_at__gte=since)
    scoops = Scoop.objects.filter(created_at__gte=since, entry__isnull=False)
    linked = TopicSource.objects.all()
    if topic_ids is not None:
        suggestions = suggestions.filter(topic_id__in=topic_ids)
        scoops = scoops.filter(topic_id__in=topic_ids)
        linked = linked.filter(topic_id__in=topic_ids)
    suggested = dict(
        suggestions.values("entry__source_id")
        .annotate(n=Count("id"))
        .values_list("entry__source_id", "n")
    )
    clicks = r.keyed.get("scoop_clicks", {})
    scooped: dict[int, int] = defaultdict(int)
    clicked: dict[int, int] = defaultdict(int)
    waits: dict[int, list[float]] = defaultdict(list)
    for pk, source_id, made, fetched in scoops.values_list(
        "pk", "entry__source_id", "created_at", F("entry__fetched_at")
    ):
        scooped[source_id] += 1
        clicked[source_id] += clicks.get(str(pk), 0)
        if (wait := wait_hours(made, fetched)) is not None:
            waits[source_id].append(wait)
    ids = set(suggested) | set(scooped)
    names = {s.pk: s.display_name for s in Source.objects.filter(pk__in=ids)}
    order = sorted(ids, key=lambda i: (-clicked.get(i, 0), -scooped.get(i, 0), names.get(i, "")))
    rows: list[list[Cell]] = [
        [names.get(i, "?"), suggested.get(i, 0), scooped.get(i, 0), clicked.get(i, 0),
         statistics.median(waits[i]) if waits[i] else ""]
        for i in order[:20]
    ]  # fmt: skip
    ever = Scoop.objects.filter(entry__isnull=False)
    if topic_ids is not None:
        ever = ever.filter(topic_id__in=topic_ids)
    never = (
        Source.objects.filter(pk__in=linked.values("source_id"))
        .exclude(pk__in=ever.values("entry__source_id"))
        .order_by("pk")[:50]
    )
    headers = [_("Source"), _("Suggested"), _("Scooped"), _("Clicks"),
               _("Median hours to scoop")]  # fmt: skip
    return [
        Section("sources", _("Sources worth following"), headers, rows),
        Section("never", _("Sources you never scoop from"), [_("Source")],
                [[s.display_name] for s in never],
                note=_("Candidates to prune: followed, never scooped from.")),
    ]  # fmt: skip


def _bucketed(r: report.Report) -> list[Section]:
    labels = {"search": _("Search engines"), "fediverse": _("Fediverse"), "social": _("Social"),
              "email": _("Email"), "direct": _("Direct or unknown"), "other": _("Other sites"),
              "phone": _("Phone"), "tablet": _("Tablet"), "desktop": _("Desktop")}  # fmt: skip
    refs = [(labels[k], v) for k, v in r.buckets("referrer")]
    devices = [(labels[k], v) for k, v in r.buckets("device")]
    return [
        Section("referrers", _("Where readers came from"), [_("Referrer"), _("Views")],
                [[k, v] for k, v in refs],
                charts.bars(_("Views by referrer"), _("Views of the period by kind of referrer."),
                            [(k, float(v)) for k, v in refs])),
        Section("hosts", _("Referring sites"), [_("Site"), _("Views")],
                [[k, v] for k, v in r.top("ref_host", 15)]),
        Section("devices", _("Devices"), [_("Device"), _("Views")],
                [[k, v] for k, v in devices],
                charts.bars(_("Views by device"), _("Phone, tablet or desktop, from the browser."),
                            [(k, float(v)) for k, v in devices])),
    ]  # fmt: skip


def _followers(r: report.Report) -> Section:
    keys = [*report.CHANNELS, "websub", "unsubscribed"]
    # Followers are counted at the end of each day: a week shows its last day's count.
    rows: list[list[Cell]] = []
    for span in _weeks(r):
        last = r.followers.get(r.start + timedelta(days=span[-1]), {})
        rows.append([r.start + timedelta(days=span[0]), *[last.get(k, 0) for k in keys]])
    chart = charts.lines(
        _("Followers by channel"), _("Followers at the end of each day, by channel."),
        [_day(r.start), _day(r.until)],
        [(_("Email"), [float(str(x[1])) for x in rows]),
         (_("Fediverse"), [float(str(x[2])) for x in rows]),
         (_("Feed readers"), [float(str(x[3])) for x in rows])],
    )  # fmt: skip
    first = _("Week from") if r.days > WEEKLY_ABOVE else _("Day")
    headers = [first, _("Email"), _("Fediverse"), _("Feed readers"),
               _("Of which WebSub hubs"), _("Unsubscribed (email)")]  # fmt: skip
    return Section("followers", _("Followers"), headers, rows, chart,
                   _("Feed readers count as their services report (Feedly, Inoreader, "
                     "NewsBlur…) or one per reader fetching; WebSub hubs (Superfeedr…) "
                     "are among them, one per subscription fetching."))  # fmt: skip


def _digests(r: report.Report) -> Section:
    sent, bounced = r.keyed.get("digest_sent", {}), r.keyed.get("digest_bounced", {})
    clicks = r.keyed.get("edition_clicks", {})
    editions = sorted(set(sent) | set(bounced) | set(clicks), key=int, reverse=True)[:30]
    rows: list[list[Cell]] = [
        [f"#{e}", sent.get(e, 0), bounced.get(e, 0), clicks.get(e, 0)] for e in editions
    ]
    return Section("digests", _("Email digests"), [_("Edition"), _("Sent"),
                   _("Refused by the mail server"), _("Clicks")], rows,
                   note=_("Clicks count as opens: there is no tracking pixel."))  # fmt: skip


def _best_time(r: report.Report) -> Section:
    days = [str(WEEKDAYS[i]) for i in range(7)]
    if not r.best_shown:
        note = _("Shown once there are at least %(n)d clicks and reactions (%(have)d so far).") % {
            "n": report.BEST_TIME_MINIMUM, "have": r.best_total}  # fmt: skip
        return Section("best", _("Best time to publish"), [_("Day"), _("Hour"), _("Count")], [],
                       note=note)  # fmt: skip
    rows: list[list[Cell]] = [[days[d], f"{h:02d}", n] for (d, h), n in sorted(r.best.items()) if n]
    chart = charts.grid(_("Clicks and reactions by weekday and hour"),
                        _("In the topic's time zone; darker is more."), days, r.best)  # fmt: skip
    note = _("From %(n)d clicks and reactions, in the topic's time zone.") % {"n": r.best_total}
    return Section("best", _("Best time to publish"), [_("Day"), _("Hour"), _("Count")], rows,
                   chart, note)  # fmt: skip


def _curators(topic_ids: list[int] | None, since: datetime, weeks: float) -> Section:
    scoops = Scoop.objects.filter(published_at__gte=since, status=ScoopStatus.PUBLISHED)
    if topic_ids is not None:
        scoops = scoops.filter(topic_id__in=topic_ids)
    per: dict[str, int] = defaultdict(int)
    waits: dict[str, list[float]] = defaultdict(list)
    suggested = {
        (t, e): at
        for t, e, at in Suggestion.objects.filter(
            entry_id__in=scoops.values("entry_id")
        ).values_list("topic_id", "entry_id", "created_at")
    }
    for name, topic_id, entry_id, made in scoops.values_list(
        "curator__username", "topic_id", "entry_id", "created_at"
    ):
        per[name] += 1
        if (wait := wait_hours(made, suggested.get((topic_id, entry_id)))) is not None:
            waits[name].append(wait)
    rows: list[list[Cell]] = [
        [name, n, round(n / weeks, 1), statistics.median(waits[name]) if waits[name] else ""]
        for name, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return Section("curators", _("Curators"), [_("Member"), _("Scoops"), _("Per week"),
                   _("Median hours from suggestion to scoop")], rows)  # fmt: skip


def build(topic: Topic | None, now: datetime, days: int) -> Audience:
    """The Audience page of ``topic`` (None: the whole site) over ``days``."""
    topic_ids = [topic.pk] if topic is not None else None
    r = report.build(topic_ids, now.date(), days)
    since = now - timedelta(days=days)
    waiting = Scoop.objects.filter(status=ScoopStatus.AWAITING)
    if topic_ids is not None:
        waiting = waiting.filter(topic_id__in=topic_ids)
    audience = Audience(r, waiting=waiting.count())
    audience.sections = [
        _daily(r),
        _engagement(r),
        _top_scoops(r, topic_ids),
        *_sources(r, topic_ids, since),
        *_bucketed(r),
        _followers(r),
        _digests(r),
        _best_time(r),
        _curators(topic_ids, since, days / 7),
    ]
    return audience


def _cell(value: Cell) -> str | int | float:
    return value.isoformat() if isinstance(value, date) else value


def export(audience: Audience, scope: str) -> dict:
    """The page's figures as plain data: its JSON export and the REST API's answer (dates
    as ISO strings, tables as headers and rows, as in the CSV files)."""
    r = audience.report
    return {
        "scope": scope,
        "start": r.start.isoformat(),
        "until": r.until.isoformat(),
        "days": r.days,
        "headlines": {
            h.key: {"value": h.value, "previous": h.previous, "change_percent": h.change}
            for h in r.headlines
        },
        "waiting_approval": audience.waiting,
        "tables": {
            s.key: {"headers": s.headers, "rows": [[_cell(v) for v in row] for row in s.rows]}
            for s in audience.sections
        },
    }


def scoop_panel(scoop: Scoop) -> dict[str, int | float]:
    """A scoop's figures for its editors: views, clicks, likes, boosts, replies ever, and
    its click-through rate."""
    totals: dict[str, int | float] = dict(report.scoop_totals(scoop.topic_id, scoop.pk))
    views, clicks = totals["scoop_views"], totals["scoop_clicks"]
    totals["ctr"] = round(clicks * 100 / views, 1) if views else 0
    return totals
