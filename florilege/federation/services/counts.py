"""Likes and boosts from the fediverse, counted for scoop cards in the list's own query."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from florilege.curation.models import Scoop
from florilege.federation.models import Reaction


def _count(kind: str) -> Coalesce:
    counted = (
        Reaction.objects.filter(scoop=OuterRef("pk"), kind=kind)
        .order_by()
        .values("scoop")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_reaction_counts(scoops: QuerySet[Scoop]) -> QuerySet[Scoop]:
    """Annotate ``like_count`` and ``boost_count``: two subqueries of the list (served by
    the reaction table's unique index, which starts with the scoop), no query per card."""
    return scoops.annotate(
        like_count=_count(Reaction.Kind.LIKE), boost_count=_count(Reaction.Kind.ANNOUNCE)
    )
