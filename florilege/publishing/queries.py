"""Read-side queries shared by pages and feeds: always through Scoop.objects.visible()."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from florilege.curation.models import Scoop
from florilege.topics.models import Topic

MAX_TAG = 50


def public_topic(slug: str) -> Topic:
    return get_object_or_404(Topic.objects.select_related("owner"), slug=slug, is_public=True)


def cards(scoops: QuerySet[Scoop]) -> QuerySet[Scoop]:
    """What a scoop card shows beyond the scoop: rescoop credits, readers' counts and the
    fediverse's likes and boosts, in the same query as the list."""
    from florilege.curation.services.rescoop import with_credits
    from florilege.federation.services.counts import with_reaction_counts
    from florilege.publishing.services.reactions import with_engagement

    return with_credits(with_reaction_counts(with_engagement(scoops)))


def topic_scoops(topic: Topic) -> QuerySet[Scoop]:
    return cards(
        Scoop.objects.visible()
        .filter(topic=topic)
        .select_related("curator", "topic")
        .order_by("-published_at", "-id")
    )


def with_tag(scoops: QuerySet[Scoop], tag: str) -> QuerySet[Scoop]:
    """Scoops carrying ``tag`` (exactly as written). JSON containment is PostgreSQL-only in
    Django, so SQLite asks its json_each() table function the same question."""
    if connection.vendor == "postgresql":
        return scoops.filter(tags__contains=[tag])
    has = RawSQL(
        'EXISTS (SELECT 1 FROM json_each("curation_scoop"."tags") WHERE value = %s)',
        [tag],
        output_field=BooleanField(),
    )
    return scoops.annotate(has_tag=has).filter(has_tag=True)


def public_curator(username: str):
    """A user with at least one public topic or visible scoop; 404 otherwise (no listing of
    accounts that publish nothing)."""
    user = get_object_or_404(get_user_model(), username=username, is_active=True)
    if not curator_scoops(user).exists() and not curator_topics(user).exists():
        from django.http import Http404

        raise Http404("No such curator.")
    return user


def curator_topics(user) -> QuerySet[Topic]:
    return Topic.objects.filter(owner=user, is_public=True).order_by("title")


def curator_scoops(user) -> QuerySet[Scoop]:
    return cards(
        Scoop.objects.visible()
        .filter(curator=user)
        .select_related("curator", "topic")
        .order_by("-published_at", "-id")
    )
