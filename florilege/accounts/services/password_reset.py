"""Password reset by email: Django's views, form and one-use token; the email itself is
sent by a worker, so the page answers at once, and in the same time whether or not the
address has an account."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import TaskContext, task

from florilege.jobs import outbox
from florilege.jobs.tasks import enqueue

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
BODY_TEMPLATE = "registration/password_reset_email.txt"


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's form, which queues the email instead of sending it. Only the account's id
    is queued: the token is made when the email is written, so no live reset link waits
    in the jobs table."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        enqueue(send_password_reset, context["user"].pk, translation.get_language() or "en")


@task(takes_context=True)
def send_password_reset(context: TaskContext, user_id: int, language: str) -> bool:
    """Email a reset link to an account that may still reset its password; False when it
    may not any more (deactivated, no password, no address). Raises when the mail server
    refuses."""
    users = get_user_model()
    user = users._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password() or not user.email:
        return False
    protocol, _, domain = settings.BASE_URL.partition("://")
    values = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(users._meta.pk.value_to_string(user))),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
    }
    with translation.override(language):
        # A subject is one line, whatever the template's line breaks.
        subject = "".join(loader.render_to_string(SUBJECT_TEMPLATE, values).splitlines())
        body = loader.render_to_string(BODY_TEMPLATE, values)
    # Kept in the outbox like every email: where mail is not configured, the site admin
    # reads the link there and passes it on.
    message = EmailMultiAlternatives(subject, body, to=[user.email])
    outbox.deliver("password_reset", message, about=f"user:{user.pk}", job=outbox.job_id(context))
    return True
