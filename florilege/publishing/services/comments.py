"""Comments on scoops: posting (held for moderation), reports, and the curator's review.

The moderation rule: a comment is held (``pending``) unless its author is known, that is a
curator already approved a comment with the same name and email address on the same topic.
A comment without an email address is always held. Like any name-and-address rule it can be
imitated by someone who knows both; reports and the moderation page are the answer to that.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils.html import strip_tags

from florilege.analytics import throttle
from florilege.curation.models import DeskItem, Scoop
from florilege.curation.services import desk
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
    desk.record(desk_feedback(comment), now)
    return Posted(comment)


def desk_feedback(comment: Comment, *, reported: bool = False) -> desk.Feedback:
    """How the engagement desk shows a comment (the site's or a fediverse reply) or, with
    ``reported``, readers' report of it."""
    scoop = comment.scoop
    fediverse = comment.origin == Comment.Origin.FEDIVERSE
    kind = DeskItem.Kind.REPLY if fediverse else DeskItem.Kind.COMMENT
    if reported:
        kind = DeskItem.Kind.REPORT
    return desk.Feedback(
        topic=scoop.topic,
        kind=kind,
        key=f"{'report' if reported else 'comment'}:{comment.pk}",
        scoop=scoop,
        author_name=comment.author_name,
        author_url=comment.author_url,
        text=comment_text(comment),
        link=f"{scoop.get_absolute_url()}#comment-{comment.pk}",
        channels="" if reported else ("site fediverse" if fediverse else "site"),
        remote_id=comment.remote_id or "",
        reported=reported,
    )


def backfill_desk(now: datetime) -> int:
    """The desk's items for site comments and reports received before it existed (the
    fediverse's replies are federation's: it knows their authors)."""
    count = 0
    comments = Comment.objects.filter(origin=Comment.Origin.SITE, reply_to__isnull=True)
    for comment in comments.select_related("scoop__topic").iterator():
        feedback = desk_feedback(comment)
        handled = comment.moderated_at is not None
        desk.record(replace(feedback, handled=handled), comment.created_at, announced=False)
        count += 1
    for comment in Comment.objects.filter(report_count__gt=0).select_related("scoop__topic"):
        desk.record(desk_feedback(comment, reported=True), now, announced=False)
        count += 1
    return count


def comment_text(comment: Comment) -> str:
    """The comment as plain text (a fediverse reply arrives as HTML)."""
    if comment.origin == Comment.Origin.SITE:
        return comment.body
    return " ".join(strip_tags(comment.body_html).split())


def report(comment: Comment, visitor: str, now: datetime) -> bool:
    """Count one reader's report (once per reader per day); True if it was counted."""
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, day=now.date(), visitor=visitor)
            Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
    except IntegrityError:
        return False
    desk.record(desk_feedback(comment, reported=True), now)
    return True


def answer_on_site(item: DeskItem, user, text: str, now: datetime) -> str:
    """The desk's "site" channel: the curator's answer, published under the reader's
    comment (a curator's words need no moderation; the reader's own comment keeps its
    moderation status, so answering a hostile one does not publish it). Returns the
    answer's address."""
    pk = _comment_pk(item.key)
    original = Comment.objects.filter(pk=pk).select_related("scoop").first() if pk else None
    if original is None:
        raise ValueError("the comment answered is gone")
    name = user.get_full_name() or user.get_username()
    answer = Comment.objects.create(
        scoop=original.scoop,
        origin=Comment.Origin.SITE,
        user=user,
        author_name=name[:100],
        body=text,
        body_html=plain_to_html(text),
        status=Comment.Status.APPROVED,
        created_at=now,
        moderated_at=now,
        moderated_by=user,
        reply_to=original,
    )
    return f"{original.scoop.get_absolute_url()}#comment-{answer.pk}"


def _comment_pk(key: str) -> int | None:
    prefix, _sep, pk = key.partition(":")
    return int(pk) if prefix == "comment" and pk.isdigit() else None


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
    # Moderated on the Readers page: dealt with on the desk too (the comment and its report).
    desk.resolve(comment.scoop.topic, [f"comment:{comment.pk}", f"report:{comment.pk}"], now)
    return comment
