"""Following a topic by email: double opt-in through a real SMTP server, and bad input."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from florilege.analytics.models import RateEvent
from florilege.jobs.tasks import failed_tasks, run_due_tasks, task_backlog
from florilege.publishing.models import Subscriber
from florilege.publishing.services.tokens import UNSUBSCRIBE_SALT, unsubscribe_url
from florilege.publishing.tests.helpers import link_in, text_part
from florilege.testing import closed_port

pytestmark = pytest.mark.django_db


def follow(client, topic, email="reader@example.org", **extra):
    data = {"email": email, "frequency": "daily", "website": "", **extra}
    return client.post(reverse("publishing:follow", args=[topic.slug]), data,
                       REMOTE_ADDR=extra.pop("addr", "203.0.113.9"))  # fmt: skip


def test_topic_page_links_to_its_follow_page_which_offers_every_way(client, topic) -> None:
    body = client.get(topic.get_absolute_url()).content.decode()
    # One way to follow above the scoops: a link, no form.
    assert body.count('href="/t/social-networks/follow/"') == 1
    assert 'action="/t/social-networks/follow/"' not in body
    assert 'action="/t/social-networks/follow-fediverse/"' not in body
    page = client.get("/t/social-networks/follow/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'action="/t/social-networks/follow/"' in text and 'name="website"' in text
    assert 'action="/t/social-networks/follow-fediverse/"' in text
    for kind in ("rss", "atom", "json"):
        assert f'href="/t/social-networks/feed.{kind}"' in text


def test_subscribe_confirm_and_unsubscribe(client, topic, smtp_sink) -> None:
    response = follow(client, topic)
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "pending" and subscriber.frequency == "daily"

    # The request only queued the email; a worker sends it.
    assert smtp_sink.messages == []
    assert run_due_tasks() == 1
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0].message()
    assert smtp_sink.messages[0].recipients == ["reader@example.org"]
    assert "Social networks" in mail["Subject"]
    confirm = link_in(text_part(mail), "/follow/confirm/")
    assert confirm in mail.get_body(preferencelist=("html",)).get_content()

    path = urlsplit(confirm).path
    page = client.get(path)
    assert page.status_code == 200 and "reader@example.org" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"  # opening the link alone confirms nothing
    assert client.post(path).status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at is not None

    # Subscribing again: same answer, no new email, nothing changed.
    follow(client, topic, frequency="weekly")
    assert run_due_tasks() == 0
    subscriber.refresh_from_db()
    assert len(smtp_sink.messages) == 1 and subscriber.frequency == "daily"

    # RFC 8058 one-click: a mail client POSTs the body without any token of ours.
    target = urlsplit(unsubscribe_url(subscriber)).path
    assert "Unsubscribe" in client.get(target).content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed"
    client.handler.enforce_csrf_checks = True
    response = client.post(target, "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"


def test_no_mail_server_the_reader_is_still_told_to_check_the_inbox(
    client, topic, settings, smtp_sink
) -> None:
    settings.EMAIL_PORT = closed_port()
    url = reverse("publishing:follow", args=[topic.slug])
    data = {"email": "reader@example.org", "frequency": "daily", "website": ""}
    page = client.post(url, data, follow=True)
    assert page.status_code == 200 and "Almost done" in page.content.decode()
    subscriber = Subscriber.objects.get()
    count, oldest = task_backlog()
    assert count == 1 and oldest is not None

    assert run_due_tasks() == 1
    assert task_backlog() == (0, None)
    # The operator sees why: the job failed, with the error and its traceback.
    [failed] = failed_tasks()
    assert failed.name == "florilege.publishing.services.follow.send_confirmation"
    assert failed.args == [subscriber.pk]
    assert failed.error == "builtins.ConnectionRefusedError"
    assert "ConnectionRefusedError" in failed.traceback
    subscriber.refresh_from_db()
    assert subscriber.status == "pending" and subscriber.confirmation_sent_at is None

    # The reader asks again once the server is back: a new email goes out at once.
    settings.EMAIL_PORT = smtp_sink.port
    assert client.post(url, data).status_code == 302
    assert run_due_tasks() == 1 and len(smtp_sink.messages) == 1


def test_confirmation_no_longer_owed_is_not_sent(client, topic, smtp_sink) -> None:
    from florilege.publishing.services.tokens import unsubscribe_token

    follow(client, topic)
    # Unsubscribed (from an older email) before the worker came to it.
    token = unsubscribe_token(Subscriber.objects.get())
    client.post(reverse("publishing:unsubscribe", args=[token]))
    assert run_due_tasks() == 1 and smtp_sink.messages == []
    assert failed_tasks() == []


def test_forged_expired_and_tampered_tokens_change_nothing(client, topic, smtp_sink) -> None:
    follow(client, topic)
    subscriber = Subscriber.objects.get()
    forged_confirm = signing.dumps([subscriber.pk, subscriber.email], key="x" * 50,
                                   salt="florilege.publishing.follow.confirm")  # fmt: skip
    for token in (forged_confirm, "nonsense", forged_confirm[:-2] + "AA"):
        response = client.post(reverse("publishing:follow_confirm", args=[token]))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    # An unsubscribe token is not a confirmation token (different salts).
    unsub = signing.dumps([subscriber.pk, subscriber.email], salt=UNSUBSCRIBE_SALT)
    assert client.post(reverse("publishing:follow_confirm", args=[unsub])).status_code == 400
    # Another subscriber's id with this signature does not verify.
    other = signing.dumps(
        [subscriber.pk + 1, subscriber.email], key="y" * 50, salt=UNSUBSCRIBE_SALT
    )
    response = client.post(reverse("publishing:unsubscribe", args=[other]))
    assert response.status_code == 400 and "not valid" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"


def test_confirmation_link_expires(client, topic, smtp_sink) -> None:
    from datetime import timedelta

    from florilege.publishing.services import follow as follow_service
    from florilege.publishing.services.tokens import CONFIRM_SALT

    follow(client, topic)
    run_due_tasks()
    subscriber = Subscriber.objects.get()
    link = link_in(text_part(smtp_sink.messages[0].message()), "/follow/confirm/")
    token = urlsplit(link).path.rstrip("/").rsplit("/", 1)[1]
    sent = subscriber.confirmation_sent_at
    assert sent is not None
    assert follow_service.confirm(token, sent + timedelta(days=3, seconds=1)) is None
    # Through the page: a correctly signed token issued four days ago.
    old = int((sent - timedelta(days=4)).timestamp())
    stale = signing.dumps([subscriber.pk, subscriber.email, old], salt=CONFIRM_SALT)
    response = client.post(reverse("publishing:follow_confirm", args=[stale]))
    assert response.status_code == 400 and "expired" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == "pending"
    assert follow_service.confirm(token, sent + timedelta(days=2)) is not None


@pytest.mark.parametrize(
    "email",
    [
        "reader@example.org\r\nBcc: victim@example.net",
        "reader@example.org\nBcc: victim@example.net",
        "reader@example.org\n",
        "reader@example.org%0d%0aBcc:victim@example.net",
        "not an address",
        "a" * 300 + "@example.org",
    ],
)
def test_header_injection_and_bad_addresses_are_refused(client, topic, smtp_sink, email) -> None:
    response = follow(client, topic, email=email)
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not Subscriber.objects.exists() and smtp_sink.messages == []


def test_honeypot_is_told_the_same_and_nothing_is_stored(client, topic, smtp_sink) -> None:
    response = follow(client, topic, website="http://spam.example")
    assert response.status_code == 302
    assert not Subscriber.objects.exists() and smtp_sink.messages == []


def test_rate_limit_per_address(client, topic, smtp_sink, settings) -> None:
    from dataclasses import replace

    settings.CONFIG = replace(settings.CONFIG, SUBSCRIBES_PER_HOUR=2)
    for i in range(2):
        assert follow(client, topic, email=f"r{i}@example.org").status_code == 302
    refused = follow(client, topic, email="r3@example.org")
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert run_due_tasks() == 2
    assert Subscriber.objects.count() == 2 and len(smtp_sink.messages) == 2
    # Another address is not limited; the events store only a hash, never the address.
    assert follow(client, topic, email="r4@example.org", addr="198.51.100.1").status_code == 302
    assert not RateEvent.objects.filter(visitor__contains="203.0.113").exists()


def test_cross_site_post_is_refused(client, topic, smtp_sink) -> None:
    response = client.post(reverse("publishing:follow", args=[topic.slug]),
                           {"email": "r@example.org", "frequency": "daily"},
                           HTTP_ORIGIN="https://evil.example")  # fmt: skip
    assert response.status_code == 403 and not Subscriber.objects.exists()


def test_private_topic_cannot_be_followed(client, topic, smtp_sink) -> None:
    topic.is_public = False
    topic.save()
    assert follow(client, topic).status_code == 404
    assert not Subscriber.objects.exists()


def test_frequency_labels_follow_the_readers_language() -> None:
    from django.utils import translation
    from django.utils.functional import Promise

    from florilege.publishing.forms_engage import FollowForm

    # Lazy, so each request's language is used, not the language at import time.
    assert all(isinstance(label, Promise) for _, label in Subscriber.Frequency.choices)
    with translation.override("fr"):
        select = str(FollowForm()["frequency"])
    assert ">Quotidienne</option>" in select and ">Hebdomadaire</option>" in select


def test_the_french_follow_page_shows_french_frequencies(client, topic) -> None:
    from django.conf import settings as django_settings

    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "fr"
    # The full form, as shown when the short one on the topic page needs correcting.
    page = follow(client, topic, email="bad").content.decode()
    assert ">Quotidienne</option>" in page and ">Daily<" not in page
