"""Read-side queries shared by pages and feeds: always through Scoop.objects.visible()."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from florilege.curation.models import Scoop
from florilege.topics.models import Topic

MAX_TAG = 50


def public_topic(slug: str) -> Topic:
    return get_object_or_404(Topic.objects.select_related("owner"), slug=slug, is_public=True)


# What other apps add to a card, registered at start-up (federation: the fediverse's likes
# and boosts), so publishing need not know those apps: each annotates the list's own query.
CardAnnotation = Callable[[QuerySet[Scoop]], QuerySet[Scoop]]
_card_annotations: list[CardAnnotation] = []


def add_card_annotation(annotate: CardAnnotation) -> None:
    if annotate not in _card_annotations:
        _card_annotations.append(annotate)


def cards(scoops: QuerySet[Scoop]) -> QuerySet[Scoop]:
    """What a scoop card shows beyond the scoop: rescoop credits, readers' counts and what
    other apps registered, in the same query as the list."""
    from florilege.curation.services.rescoop import with_credits
    from florilege.publishing.services.reactions import with_engagement

    scoops = with_engagement(scoops)
    for annotate in _card_annotations:
        scoops = annotate(scoops)
    return with_credits(scoops)


def topic_scoops(topic: Topic) -> QuerySet[Scoop]:
    return cards(
        Scoop.objects.visible()
        .filter(topic=topic)
        .select_related("curator", "topic")
        .order_by("-published_at", "-id")
    )


def topic_page_scoops(topic: Topic) -> QuerySet[Scoop]:
    """The topic page's order: the scoops its editors pinned (latest pin first), then the
    rest newest first. Feeds keep the plain date order."""
    return topic_scoops(topic).order_by(
        F("pinned_at").desc(nulls_last=True), "-published_at", "-id"
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
