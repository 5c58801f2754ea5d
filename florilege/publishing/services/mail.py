"""Building the emails readers receive: both a plain-text and an HTML part, and for
anything sent repeatedly, one-click unsubscribe headers (RFC 2369 and RFC 8058)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from florilege.curation.models import Scoop
from florilege.publishing.models import Subscriber
from florilege.publishing.services.tokens import absolute, confirm_url, unsubscribe_url
from florilege.topics.models import Topic


def _language(topic: Topic) -> str:
    languages = topic.languages or []
    return languages[0] if languages and languages[0] in dict(settings.LANGUAGES) else "en"


def confirmation_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    context = {
        "topic": subscriber.topic,
        "topic_url": absolute(subscriber.topic.get_absolute_url()),
        "confirm_url": confirm_url(subscriber),
        "subscriber": subscriber,
    }
    with override(_language(subscriber.topic)):
        subject = _("Confirm that you follow %(topic)s") % {
            "topic": _one_line(subscriber.topic.title)
        }
        text = render_to_string("publishing/email/confirm.txt", context)
        html = render_to_string("publishing/email/confirm.html", context)
    message = EmailMultiAlternatives(subject, text, to=[subscriber.email])
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class Edition:
    """A digest rendered once for all its followers; only the unsubscribe link differs,
    and it is put in place of ``MARK`` for each email."""

    subject: str
    text: str
    html: str


# Random per process, so no scoop title or insight can contain it by chance.
MARK = f"unsubscribe-{secrets.token_hex(12)}"


def render_edition(
    topic: Topic, scoops: list[Scoop], period: str, edition: int | str = "digest"
) -> Edition:
    """``edition``: the edition's number, so clicks on its links count for it."""
    context = {
        "edition": edition,
        "topic": topic,
        "topic_url": absolute(topic.get_absolute_url()),
        "scoops": [(s, absolute(s.get_absolute_url())) for s in scoops],
        "unsubscribe_url": MARK,
        "period": period,
    }
    with override(_language(topic)):
        subject = ngettext(
            "%(topic)s: %(count)d new scoop", "%(topic)s: %(count)d new scoops", len(scoops)
        ) % {"topic": _one_line(topic.title), "count": len(scoops)}
        text = render_to_string("publishing/email/digest.txt", context)
        html = render_to_string("publishing/email/digest.html", context)
    return Edition(subject, text, html)


def digest_email(
    subscriber: Subscriber, edition: Edition, *, message_id: str
) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(subscriber)
    topic = subscriber.topic
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{_one_line(topic.title).replace('<', '').replace('>', '')} "
        f"<{topic.slug}.{_list_host()}>",
        # The same id on a retry, so a mailbox that already has the message drops the copy.
        "Message-ID": message_id,
    }
    text = edition.text.replace(MARK, unsubscribe)
    message = EmailMultiAlternatives(edition.subject, text, to=[subscriber.email], headers=headers)
    message.attach_alternative(edition.html.replace(MARK, escape(unsubscribe)), "text/html")
    return message


def _list_host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.BASE_URL).hostname or "localhost"


def _one_line(text: str) -> str:
    # Headers are one line: a line break in a title would start a header of its own.
    return " ".join(text.split())
