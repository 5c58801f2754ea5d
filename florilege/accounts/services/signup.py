"""Self sign-up (FLORILEGE_SIGNUP=open): an inactive account, confirmed by a signed link
sent to its address, then a curator like any other (any logged-in user may create topics).

The answer never says whether an address already has an account: the form answers the
same, and the address's owner gets an email saying someone tried. Requests are limited per
client address and per email address with the readers' limit (``analytics.throttle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import TaskContext, task

from florilege.accounts.models import SignUp
from florilege.analytics import throttle
from florilege.jobs import outbox
from florilege.jobs.tasks import enqueue

SALT = "florilege.signup"
LINK_DAYS = 3
# Confirmation emails one email address may be sent in an hour, whoever asks: the form
# cannot be used to flood someone's mailbox. Past it, the answer is the same, unsent.
EMAILS_PER_ADDRESS = 3


@dataclass(frozen=True)
class Outcome:
    ok: bool
    reason: str = ""  # "rate_limited" when not ok


def is_open() -> bool:
    return settings.CONFIG.SIGNUP == "open"


def _token(user_id: int) -> str:
    return signing.dumps(user_id, salt=SALT)


def confirm_link(user_id: int) -> str:
    return settings.BASE_URL + reverse("signup_confirm", args=[_token(user_id)])


def sign_up(username: str, email: str, password: str, visitor: str, now: datetime) -> Outcome:
    """Create an inactive account and queue its confirmation email. Raises ValidationError
    for a user name that is taken or invalid, or a weak password: things the person must
    change, and that say nothing about the email address."""
    if not throttle.allow("signup", visitor, settings.CONFIG.SIGNUPS_PER_HOUR, now):
        return Outcome(False, "rate_limited")
    users = get_user_model()
    username, email = username.strip(), email.strip()
    validate_password(password, users(username=username, email=email))
    _forget_stale(username, now)
    if users._default_manager.filter(username__iexact=username).exists():
        raise ValidationError(_("This user name is taken; choose another."))
    # Hashed whether or not an account is made, so the answer takes as long either way.
    hashed = make_password(password)
    language = translation.get_language() or "en"
    mailbox = throttle.address_key(email.casefold(), now)
    if not throttle.allow("signup_email", mailbox, EMAILS_PER_ADDRESS, now):
        return Outcome(True)
    existing = users._default_manager.filter(email__iexact=email).order_by("pk").first()
    if existing is not None:
        pending = SignUp.objects.filter(user=existing, confirmed_at__isnull=True).exists()
        task_ = send_confirmation if pending else send_already_registered
        with transaction.atomic():
            enqueue(task_, existing.pk, language)
        return Outcome(True)
    try:
        with transaction.atomic():
            user = users._default_manager.create(
                username=username, email=email, password=hashed, is_active=False
            )
            SignUp.objects.create(user=user, created_at=now)
            enqueue(send_confirmation, user.pk, language)
    except IntegrityError as exc:  # the same name taken by a request at the same instant
        raise ValidationError(_("This user name is taken; choose another.")) from exc
    return Outcome(True)


def _forget_stale(username: str, now: datetime) -> None:
    """A sign-up never confirmed while its link lasted frees its user name."""
    stale = SignUp.objects.filter(
        user__username__iexact=username,
        user__is_active=False,
        confirmed_at__isnull=True,
        created_at__lt=now - timedelta(days=LINK_DAYS),
    ).values_list("user_id", flat=True)
    get_user_model()._default_manager.filter(pk__in=list(stale)).delete()


def pending(token: str) -> SignUp:
    """The unconfirmed sign-up a valid, unexpired link names, or a ValidationError."""
    try:
        user_id = signing.loads(token, salt=SALT, max_age=timedelta(days=LINK_DAYS))
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This link has expired: sign up again.")) from exc
    except signing.BadSignature as exc:
        raise ValidationError(_("This link is not valid.")) from exc
    found = SignUp.objects.select_related("user").filter(user_id=user_id).first()
    if found is None:
        raise ValidationError(_("This link is not valid."))
    if found.confirmed_at is not None:
        raise ValidationError(_("This account is already confirmed: log in."))
    return found


def confirm(token: str, now: datetime):
    """Activate the account a link names; single use. Returns the user."""
    found = pending(token)
    with transaction.atomic():
        used = SignUp.objects.filter(pk=found.pk, confirmed_at__isnull=True).update(
            confirmed_at=now
        )
        if not used:
            raise ValidationError(_("This account is already confirmed: log in."))
        user = found.user
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@task(takes_context=True)
def send_confirmation(context: TaskContext, user_id: int, language: str) -> bool:
    """Email the confirmation link of a sign-up still waiting for it; False otherwise."""
    found = (
        SignUp.objects.select_related("user")
        .filter(user_id=user_id, confirmed_at__isnull=True)
        .first()
    )
    if found is None or not found.user.email:
        return False
    values = {"user": found.user, "link": confirm_link(user_id), "days": LINK_DAYS}
    with translation.override(language):
        subject = _("Confirm your Florilège account")
        body = render_to_string("accounts/email/signup_confirm.txt", values)
    message = EmailMessage(subject, body, to=[found.user.email])
    outbox.deliver("signup", message, about=f"user:{user_id}", job=outbox.job_id(context))
    return True


@task(takes_context=True)
def send_already_registered(context: TaskContext, user_id: int, language: str) -> bool:
    """Tell an address that already has an account that someone tried to sign up with it."""
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None or not user.email:
        return False
    values = {
        "user": user,
        "login": settings.BASE_URL + reverse("login"),
        "reset": settings.BASE_URL + reverse("password_reset"),
    }
    with translation.override(language):
        subject = _("Your Florilège account")
        body = render_to_string("accounts/email/signup_existing.txt", values)
    message = EmailMessage(subject, body, to=[user.email])
    outbox.deliver("signup_existing", message, job=outbox.job_id(context))
    return True
