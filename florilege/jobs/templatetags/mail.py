"""``{% load mail %}{% mail_notice %}``: tells a curator, on the pages that send email,
that mail is not configured (and the site admin where to read what was written)."""

from __future__ import annotations

from django import template

from florilege.jobs.outbox import mail_configured

register = template.Library()


@register.inclusion_tag("jobs/_mail_not_configured.html", takes_context=True)
def mail_notice(context: template.Context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"show": not mail_configured(), "admin": bool(user and user.is_staff)}


@register.simple_tag
def mail_is_configured() -> bool:
    """``{% mail_is_configured as configured %}``: for pages whose wording depends on it."""
    return mail_configured()
