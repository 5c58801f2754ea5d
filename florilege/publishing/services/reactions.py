"""The "useful" reaction, and the counts shown beside each scoop."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from florilege.curation.models import Scoop
from florilege.publishing.models import Comment, Reaction


def mark_useful(scoop: Scoop, visitor: str, now: datetime) -> bool:
    """One "useful" per reader per scoop per day; True if this one counted."""
    try:
        with transaction.atomic():
            Reaction.objects.create(scoop=scoop, day=now.date(), visitor=visitor, created_at=now)
    except IntegrityError:
        return False
    return True


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("scoop").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_engagement(scoops: QuerySet[Scoop]) -> QuerySet[Scoop]:
    """Annotate ``useful_count`` and ``comment_count`` in the same query (no query per card)."""
    comments = Comment.objects.filter(
        scoop=OuterRef("pk"),
        status=Comment.Status.APPROVED,
        report_count__lt=settings.CONFIG.COMMENT_REPORTS_TO_HIDE,
    )
    return scoops.annotate(
        useful_count=_count(Reaction.objects.filter(scoop=OuterRef("pk"))),
        comment_count=_count(comments),
    )
