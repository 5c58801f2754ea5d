"""Comments on scoops: posting (held for moderation), reports, and the curator's review.

The moderation rule: a comment is held (``pending``) unless its author is known, that is a
curator already approved a comment with the same name and email address on the same topic.
A comment without an email address is always held. Like any name-and-address rule it can be
imitated by someone who knows both; reports and the moderation page are the answer to that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet

from florilege.analytics import throttle
from florilege.curation.models import Scoop
from florilege.publishing.comment_text import plain_to_html
from florilege.publishing.models import Comment, CommentReport
from florilege.publishing.services.visitors import author_key
from florilege.topics.models import Topic
from florilege.topics.services import require_curator

ACTIONS = {
    "approve": Comment.Status.APPROVED,
    "reject": Comment.Status.REJECTED,
    "spam": Comment.Status.SPAM,
}


@dataclass(frozen=True)
class Posted:
    comment: Comment | None
    reason: str = ""  # "rate_limited" when refused


def _shown() -> QuerySet[Comment]:
    """What readers see: approved and not hidden by readers' reports."""
    return Comment.objects.filter(
        status=Comment.Status.APPROVED,
        report_count__lt=settings.CONFIG.COMMENT_REPORTS_TO_HIDE,
    )


def shown(scoop: Scoop) -> QuerySet[Comment]:
    return _shown().filter(scoop=scoop)


def shown_on_topic(slug: str) -> QuerySet[Comment]:
    """Comments readers see on a public topic's visible scoops."""
    visible = Scoop.objects.visible().filter(topic__slug=slug)
    return _shown().filter(scoop__in=visible)


def post_comment(
    scoop: Scoop, *, name: str, email: str, body: str, visitor: str, now: datetime
) -> Posted:
    if not throttle.allow("comment", visitor, settings.CONFIG.COMMENTS_PER_HOUR, now):
        return Posted(None, "rate_limited")
    key = author_key(name, email)
    known = (
        bool(key)
        and Comment.objects.filter(
            scoop__topic_id=scoop.topic_id, author_key=key, status=Comment.Status.APPROVED
        ).exists()
    )
    comment = Comment.objects.create(
        scoop=scoop,
        origin=Comment.Origin.SITE,
        author_name=" ".join(name.split()),
        email=email.strip(),
        author_key=key,
        body=body,
        body_html=plain_to_html(body),
        status=Comment.Status.APPROVED if known else Comment.Status.PENDING,
        created_at=now,
        moderated_at=now if known else None,
    )
    return Posted(comment)


def report(comment: Comment, visitor: str, now: datetime) -> bool:
    """Count one reader's report (once per reader per day); True if it was counted."""
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, day=now.date(), visitor=visitor)
            Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    except IntegrityError:
        return False
    return True


def to_review(user, topic: Topic) -> QuerySet[Comment]:
    """Comments awaiting a curator: held ones, and approved ones that readers reported."""
    require_curator(user, topic)
    return (
        Comment.objects.filter(scoop__topic=topic)
        .filter(Q(status=Comment.Status.PENDING) | Q(status="approved", report_count__gt=0))
        .select_related("scoop", "scoop__topic")
        .order_by("created_at", "id")
    )


def moderate(user, comment: Comment, action: str, now: datetime) -> Comment:
    """Approve, reject or mark as spam; a review also clears readers' reports."""
    require_curator(user, comment.scoop.topic)
    if action not in ACTIONS:
        raise ValueError(f"unknown moderation action {action!r}")
    comment.status = ACTIONS[action]
    comment.report_count = 0
    comment.moderated_at = now
    comment.moderated_by = user
    comment.save(update_fields=["status", "report_count", "moderated_at", "moderated_by"])
    return comment
