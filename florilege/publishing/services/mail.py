"""Building the emails readers receive: both a plain-text and an HTML part, and for
anything sent repeatedly, one-click unsubscribe headers (RFC 2369 and RFC 8058)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from florilege.publishing.models import Subscriber
from florilege.publishing.services.tokens import absolute, confirm_url, unsubscribe_url


def _language(subscriber: Subscriber) -> str:
    languages = subscriber.topic.languages or []
    return languages[0] if languages and languages[0] in dict(settings.LANGUAGES) else "en"


def confirmation_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    context = {
        "topic": subscriber.topic,
        "topic_url": absolute(subscriber.topic.get_absolute_url()),
        "confirm_url": confirm_url(subscriber),
        "subscriber": subscriber,
    }
    with override(_language(subscriber)):
        subject = _("Confirm that you follow %(topic)s") % {
            "topic": _one_line(subscriber.topic.title)
        }
        text = render_to_string("publishing/email/confirm.txt", context)
        html = render_to_string("publishing/email/confirm.html", context)
    message = EmailMultiAlternatives(subject, text, to=[subscriber.email])
    message.attach_alternative(html, "text/html")
    return message


def digest_email(
    subscriber: Subscriber, scoops: list, *, period: str, message_id: str
) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(subscriber)
    topic = subscriber.topic
    context = {
        "topic": topic,
        "topic_url": absolute(topic.get_absolute_url()),
        "scoops": [(s, absolute(s.get_absolute_url())) for s in scoops],
        "unsubscribe_url": unsubscribe,
        "subscriber": subscriber,
        "period": period,
    }
    with override(_language(subscriber)):
        subject = ngettext(
            "%(topic)s: %(count)d new scoop", "%(topic)s: %(count)d new scoops", len(scoops)
        ) % {"topic": _one_line(topic.title), "count": len(scoops)}
        text = render_to_string("publishing/email/digest.txt", context)
        html = render_to_string("publishing/email/digest.html", context)
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{_one_line(topic.title).replace('<', '').replace('>', '')} "
        f"<{topic.slug}.{_list_host()}>",
        # The same id on a retry, so a mailbox that already has the message drops the copy.
        "Message-ID": message_id,
    }
    message = EmailMultiAlternatives(subject, text, to=[subscriber.email], headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _list_host() -> str:
    from urllib.parse import urlsplit

    return urlsplit(settings.BASE_URL).hostname or "localhost"


def _one_line(text: str) -> str:
    # Headers are one line: a line break in a title would start a header of its own.
    return " ".join(text.split())
