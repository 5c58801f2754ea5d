"""What federation adds to a topic's daily audience figures (see
``analytics.contributors``): fediverse followers, and likes, boosts and replies per scoop,
counted from the rows the inbox already keeps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count

from florilege.analytics.contributors import Row, register
from florilege.federation.models import Follower, Reaction, ReplyAuthor


def fediverse_followers(start: datetime, end: datetime) -> Iterable[Row]:
    accepted = Follower.objects.filter(
        status=Follower.Status.ACCEPTED, created_at__lt=end, actor__topic__isnull=False
    )
    for r in accepted.values("actor__topic_id").annotate(n=Count("id")):
        yield (r["actor__topic_id"], "followers", "fediverse", r["n"])


def fediverse_engagement(start: datetime, end: datetime) -> Iterable[Row]:
    kinds: dict[str, str] = {Reaction.Kind.LIKE: "likes", Reaction.Kind.ANNOUNCE: "boosts"}
    day = Reaction.objects.filter(created_at__gte=start, created_at__lt=end)
    for r in day.values("scoop__topic_id", "scoop_id", "kind").annotate(n=Count("id")):
        kind = kinds.get(r["kind"])
        if kind:
            yield (r["scoop__topic_id"], kind, str(r["scoop_id"]), r["n"])
    replies = ReplyAuthor.objects.filter(
        comment__created_at__gte=start, comment__created_at__lt=end
    )
    for reply in replies.values("comment__scoop__topic_id", "comment__scoop_id").annotate(
        n=Count("pk")
    ):
        yield (
            reply["comment__scoop__topic_id"], "replies", str(reply["comment__scoop_id"]),
            reply["n"],
        )  # fmt: skip
    # By UTC hour: the rollup moves them into the topic's time zone for "best time".
    for hour in day.values("scoop__topic_id", "created_at__hour").annotate(n=Count("id")):
        yield (hour["scoop__topic_id"], "engage_utc", str(hour["created_at__hour"]), hour["n"])


register("fediverse_followers", fediverse_followers)
register("fediverse_engagement", fediverse_engagement)
