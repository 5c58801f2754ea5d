"""A topic's newsletter settings, changed by its curators only."""

from __future__ import annotations

from django.db.models import Count

from florilege.curation.models import Topic
from florilege.curation.services.topics import require_curator
from florilege.publishing.models import DigestSchedule, Subscriber


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
