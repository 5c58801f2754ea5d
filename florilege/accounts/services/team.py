"""The team of a topic: invitations (a signed link, optionally emailed), roles, removal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from florilege.accounts.models import Invitation
from florilege.curation.services import audit
from florilege.jobs import outbox
from florilege.jobs.tasks import enqueue
from florilege.topics.models import Membership, Role, Topic
from florilege.topics.permissions import Action, forget_roles, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SALT = "florilege.invitation"


@dataclass
class Invited:
    invitation: Invitation
    link: str
    # "queued": a job will hand the email to the mail server; "unconfigured": no mail
    # server, the email waits in the outbox and the link is passed on by hand; "": no address.
    mail: str


def invitation_about(invitation_id: int) -> str:
    return f"invitation:{invitation_id}"


def _token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=SALT)


def invitation_link(invitation: Invitation) -> str:
    path = reverse("invitation", args=[_token(invitation)])
    return f"{settings.BASE_URL}{path}"


def invite(topic: Topic, actor, role: str, email: str, now: datetime) -> Invited:
    """Create an invitation; email the link when an address is given (the owner sees the
    link either way, to pass on by other means)."""
    require(actor, topic, Action.MANAGE_MEMBERS)
    if role not in Role.values:
        raise ValidationError(_("Choose a role: owner, editor, contributor or viewer."))
    email = (email or "").strip()
    if email:
        validate_email(email)
    days = settings.CONFIG.INVITATION_DAYS
    with transaction.atomic():
        invitation = Invitation.objects.create(
            topic=topic,
            role=role,
            email=email,
            invited_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        audit.record(topic, actor, "invited", now, invitation, role=role, email=email)
        if email:
            # Sent by a worker, in the inviter's language: the page never waits on the
            # mail server, and shows the link whatever becomes of the email.
            enqueue(send_invitation, invitation.pk, translation.get_language() or "en")
    mail = ("queued" if outbox.mail_configured() else "unconfigured") if email else ""
    return Invited(invitation, invitation_link(invitation), mail)


@task(takes_context=True)
def send_invitation(context: TaskContext, invitation_id: int, language: str) -> bool:
    """Email an open invitation's link; False when it is no longer open (accepted,
    withdrawn, expired or gone). Raises when the mail server refuses."""
    invitation = (
        Invitation.objects.select_related("topic__owner", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .exclude(email="")
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        return False
    with translation.override(language):
        subject, body = _invitation_text(invitation)
    outbox.deliver(
        "invitation",
        EmailMessage(subject, body, to=[invitation.email]),
        about=invitation_about(invitation.pk),
        job=outbox.job_id(context),
    )
    return True


def _invitation_text(invitation: Invitation) -> tuple[str, str]:
    topic = invitation.topic
    # An inviter whose account was deleted meanwhile: the topic's owner answers for it.
    inviter = invitation.invited_by or topic.owner
    subject = _("Join %(topic)s on Florilège") % {"topic": topic.title}
    body = _(
        "%(user)s invites you to curate “%(topic)s” as %(role)s.\n\n"
        "Open this link to accept (it works once, for %(days)s days):\n%(link)s\n"
    ) % {
        "user": inviter.get_username(),
        "topic": topic.title,
        "role": invitation.get_role_display().lower(),
        "days": settings.CONFIG.INVITATION_DAYS,
        "link": invitation_link(invitation),
    }
    return subject, body


def find_invitation(token: str, now: datetime) -> Invitation:
    """The open invitation a token names, or a ValidationError saying why not."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise ValidationError(_("This invitation link is not valid.")) from exc
    invitation = Invitation.objects.select_related("topic").filter(pk=pk).first()
    if invitation is None or invitation.revoked_at:
        raise ValidationError(_("This invitation was withdrawn."))
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.expires_at <= now:
        raise ValidationError(_("This invitation has expired; ask for a new one."))
    return invitation


def accept(token: str, user, now: datetime) -> Membership | None:
    """Join the topic in the invited role. Single use: of two acceptances at once, one
    wins. The owner of record stays owner (None is returned)."""
    invitation = find_invitation(token, now)
    topic = invitation.topic
    with transaction.atomic():
        used = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
            accepted_at=now, accepted_by=user
        )
        if not used:
            raise ValidationError(_("This invitation has already been used."))
        membership = None
        if topic.owner_id != user.pk:
            membership, _created = Membership.objects.update_or_create(
                topic=topic, user=user, defaults={"role": invitation.role, "created_at": now}
            )
        audit.record(topic, user, "joined", now, invitation, role=invitation.role)
    forget_roles(user)
    return membership


def accept_with_new_account(
    token: str, username: str, email: str, password: str, now: datetime
) -> tuple[User, Membership | None]:
    """Create the account and join, in one transaction: a failure leaves neither."""
    find_invitation(token, now)
    users = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ValidationError(_("Choose a user name."))
    candidate = users(username=username, email=email)
    validate_password(password, candidate)
    try:
        with transaction.atomic():
            if users.objects.filter(username__iexact=username).exists():
                raise ValidationError(_("This user name is taken; choose another."))
            user = users.objects.create_user(username, email=email or "", password=password)
            membership = accept(token, user, now)
    except IntegrityError as exc:
        raise ValidationError(_("This user name is taken; choose another.")) from exc
    return user, membership


def revoke(topic: Topic, actor, invitation_id: int, now: datetime) -> None:
    require(actor, topic, Action.MANAGE_MEMBERS)
    with transaction.atomic():
        invitation = Invitation.objects.filter(
            pk=invitation_id, topic=topic, accepted_at__isnull=True
        ).first()
        if invitation is None:
            raise ValidationError(_("This invitation is no longer open."))
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        audit.record(topic, actor, "invitation_revoked", now, invitation)


def set_role(topic: Topic, actor, user_id: int, role: str, now: datetime) -> Membership:
    require(actor, topic, Action.MANAGE_MEMBERS)
    if role not in Role.values:
        raise ValidationError(_("Choose a role: owner, editor, contributor or viewer."))
    if user_id == topic.owner_id:
        raise ValidationError(_("The topic's creator is always an owner."))
    with transaction.atomic():
        membership = Membership.objects.filter(topic=topic, user_id=user_id).first()
        if membership is None:
            raise ValidationError(_("This person is not a member of the topic."))
        before = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit.record(topic, actor, "role_changed", now, membership, user=membership.user.username,
                     before=before, after=role)  # fmt: skip
    forget_roles(actor)
    return membership


def remove(topic: Topic, actor, user_id: int, now: datetime) -> None:
    require(actor, topic, Action.MANAGE_MEMBERS)
    if user_id == topic.owner_id:
        raise ValidationError(_("The topic's creator cannot be removed."))
    with transaction.atomic():
        membership = Membership.objects.filter(topic=topic, user_id=user_id).first()
        if membership is None:
            raise ValidationError(_("This person is not a member of the topic."))
        audit.record(topic, actor, "member_removed", now, membership,
                     user=membership.user.username, role=membership.role)  # fmt: skip
        membership.delete()
    forget_roles(actor)


def members(topic: Topic, user) -> QuerySet[Membership]:
    require(user, topic, Action.VIEW_QUEUE)
    return Membership.objects.filter(topic=topic).select_related("user").order_by("user__username")


def open_invitations(topic: Topic, user, now: datetime) -> list[Invitation]:
    """The topic's open invitations, each with ``mail``: the newest outbox row of its email
    (None before the job has written it), so the owner sees whether it was really sent."""
    require(user, topic, Action.MANAGE_MEMBERS)
    invitations = list(
        Invitation.objects.filter(
            topic=topic, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).order_by("-created_at")
    )
    mails = outbox.latest_about("invitation", [invitation_about(i.pk) for i in invitations])
    for invitation in invitations:
        invitation.mail = mails.get(invitation_about(invitation.pk))  # type: ignore[attr-defined]
    return invitations
