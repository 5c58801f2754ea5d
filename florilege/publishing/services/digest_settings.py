"""A topic's newsletter settings, changed by its curators only."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Max

from florilege.publishing.models import DigestRun, DigestSchedule, DigestSend, Subscriber
from florilege.topics.models import Topic
from florilege.topics.services import require_curator


def schedule_for(user, topic: Topic) -> DigestSchedule:
    require_curator(user, topic)
    return DigestSchedule.objects.filter(topic=topic).first() or DigestSchedule(topic=topic)


def save_schedule(
    user, topic: Topic, *, enabled: bool, hour: int, weekday: int, time_zone: str
) -> DigestSchedule:
    require_curator(user, topic)
    schedule, _ = DigestSchedule.objects.update_or_create(
        topic=topic,
        defaults={"enabled": enabled, "hour": hour, "weekday": weekday, "time_zone": time_zone},
    )
    return schedule


def follower_counts(user, topic: Topic) -> dict[str, int]:
    require_curator(user, topic)
    rows = (
        Subscriber.objects.filter(topic=topic)
        .values("status", "frequency")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {"confirmed": 0, "pending": 0, "daily": 0, "weekly": 0}
    for row in rows:
        if row["status"] in counts:
            counts[row["status"]] += row["n"]
        if row["status"] == Subscriber.Status.CONFIRMED:
            counts[row["frequency"]] += row["n"]
    return counts


@dataclass
class EditionStatus:
    run: DigestRun
    counts: dict[str, int] = field(default_factory=dict)
    last_error: str = ""

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)

    @property
    def waiting(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("sending", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)


def recent_editions(user, topic: Topic, limit: int = 5) -> list[EditionStatus]:
    """The latest editions with how many emails were sent, wait or failed, and the last
    error, so a curator sees a delivery problem instead of silence."""
    require_curator(user, topic)
    runs = list(DigestRun.objects.filter(topic=topic).order_by("-until", "-id")[:limit])
    out = {r.pk: EditionStatus(r) for r in runs}
    rows = (
        DigestSend.objects.filter(run__in=runs)
        .values("run_id", "status")
        .annotate(n=Count("id"), error=Max("last_error"))
        .order_by()
    )
    for row in rows:
        status = out[row["run_id"]]
        status.counts[row["status"]] = row["n"]
        if row["error"]:
            status.last_error = row["error"]
    return [out[r.pk] for r in runs]
