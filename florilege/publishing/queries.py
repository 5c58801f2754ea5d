"""Read-side queries shared by pages and feeds: always through Scoop.objects.visible()."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from florilege.curation.models import Scoop
from florilege.lib.text.folding import fold
from florilege.topics.models import Topic

MAX_TAG = 50


def public_topic(slug: str) -> Topic:
    return get_object_or_404(
        Topic.objects.select_related("owner", "header_picture"), slug=slug, is_public=True
    )


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
        .select_related("curator", "topic", "picture")
        .order_by("-published_at", "-id")
    )


def topic_page_scoops(topic: Topic) -> QuerySet[Scoop]:
    """The topic page's order: the scoops its editors pinned (latest pin first), then the
    rest newest first. Feeds keep the plain date order."""
    return topic_scoops(topic).order_by(
        F("pinned_at").desc(nulls_last=True), "-published_at", "-id"
    )


TAGS_COLUMN = '"curation_scoop"."tags"'


def _tag_values(tags_column: str) -> str:
    # The elements of a scoop's JSON tag list, as rows: jsonb on PostgreSQL, json_each on SQLite.
    if connection.vendor == "postgresql":
        return f"jsonb_array_elements_text({tags_column}) AS t(value)"
    return f"json_each({tags_column})"


def with_tag(scoops: QuerySet[Scoop], tag: str) -> QuerySet[Scoop]:
    """Scoops carrying ``tag`` however it is accented or capitalised: "#moderation" and
    "#Modération" are one tag. ``florilege_fold()`` is the same function on both databases
    (migration publishing 0006 on PostgreSQL, publishing/apps.py on SQLite)."""
    has = RawSQL(
        f"EXISTS (SELECT 1 FROM {_tag_values(TAGS_COLUMN)} "
        "WHERE florilege_fold(value) = florilege_fold(%s))",
        [tag],
        output_field=BooleanField(),
    )
    return scoops.filter(has)


def tag_spelling(scoops: QuerySet[Scoop], tag: str) -> str:
    """How the tag is shown: as first written (the oldest scoop carrying it), so a later
    "#Modération" does not rename "#modération"; ``tag`` itself when no scoop has it."""
    key = fold(tag)
    first = with_tag(scoops, tag).order_by("published_at", "id").values_list("tags", flat=True)[:1]
    for tags in first:
        return next((t for t in tags if isinstance(t, str) and fold(t) == key), tag)
    return tag


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
        .select_related("curator", "topic", "picture")
        .order_by("-published_at", "-id")
    )
