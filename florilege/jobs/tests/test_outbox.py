"""The outbox: every email recorded, kept unsent without a mail server, read and resent by
the site admin, and linked from the status page when its job failed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from florilege.jobs import outbox
from florilege.jobs.models import OutgoingMail
from florilege.jobs.tasks import failed_tasks, run_due_tasks
from florilege.publishing.models import Subscriber
from florilege.testing import closed_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_user("ops", password="x", is_staff=True)


def _follow(client, topic, email="reader@example.org", **extra):
    url = reverse("publishing:follow", args=[topic.slug])
    data = {"email": email, "frequency": "daily", "website": ""}
    return client.post(url, data, REMOTE_ADDR="203.0.113.9", **extra)


def test_mail_is_configured_only_when_a_server_is_named(settings) -> None:
    settings.EMAIL_BACKEND = outbox.SMTP_BACKEND
    settings.EMAIL_HOST = ""
    assert not outbox.mail_configured()
    settings.EMAIL_HOST = "localhost"
    assert outbox.mail_configured()
    # Another backend was chosen on purpose (a file, the console, the tests' memory).
    settings.EMAIL_HOST = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    assert outbox.mail_configured()


def test_follow_without_a_mail_server_is_recorded_and_the_email_waits_in_the_outbox(
    client, topic, admin, no_mail_server
) -> None:
    response = _follow(client, topic, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "this site cannot send email yet" in page and "Almost done" not in page
    assert Subscriber.objects.get().status == "pending"

    assert run_due_tasks() == 1
    assert failed_tasks() == []  # not a failure: nothing could be sent
    mail = OutgoingMail.objects.get()
    assert (mail.kind, mail.recipient, mail.state) == (
        "follow_confirmation",
        "reader@example.org",
        OutgoingMail.State.UNCONFIGURED,
    )
    assert mail.attempts == 0 and "/follow/confirm/" in mail.body and mail.html

    client.force_login(admin)
    status = client.get(reverse("status")).content.decode()
    assert "Mail is not configured: emails are kept in the outbox" in status
    assert f'href="{reverse("outbox")}"' in status
    listing = client.get(reverse("outbox")).content.decode()
    assert "reader@example.org" in listing and "not sent: mail is not configured" in listing
    assert 'id="mail-not-configured"' in listing
    message = client.get(reverse("outbox_message", args=[mail.pk])).content.decode()
    confirm = re.search(r"https?://\S+/follow/confirm/\S+/", mail.body)
    assert confirm and confirm.group(0) in message
    # The admin may pass the link on: it confirms the follow.
    client.logout()
    client.post(urlsplit(confirm.group(0)).path)
    assert Subscriber.objects.get().status == "confirmed"


def test_a_refused_send_is_kept_as_failed_and_the_status_page_links_to_it(
    client, topic, admin, settings, smtp_sink
) -> None:
    settings.EMAIL_PORT = closed_port()
    assert _follow(client, topic, follow=True).status_code == 200  # the reader is answered
    assert run_due_tasks() == 1
    mail = OutgoingMail.objects.get()
    assert mail.state == OutgoingMail.State.FAILED and mail.attempts == 1
    assert mail.last_error.startswith("ConnectionRefusedError")
    [failed] = failed_tasks()
    assert mail.job_id == failed.id

    client.force_login(admin)
    status = client.get(reverse("status")).content.decode()
    assert f'href="{reverse("outbox_message", args=[mail.pk])}"' in status

    # Back up: the admin resends, a worker sends, and the same row says so.
    settings.EMAIL_PORT = smtp_sink.port
    response = client.post(reverse("outbox_resend", args=[mail.pk]))
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.state == OutgoingMail.State.QUEUED
    assert run_due_tasks() == 1
    mail.refresh_from_db()
    assert mail.state == OutgoingMail.State.SENT and mail.attempts == 2 and not mail.last_error
    [received] = smtp_sink.messages
    assert received.recipients == ["reader@example.org"]
    assert "/follow/confirm/" in received.message().get_body(("plain",)).get_content()
    # A twin job finds nothing left to send.
    outbox.send_again.enqueue(mail.pk)
    assert run_due_tasks() == 1 and len(smtp_sink.messages) == 1


def test_a_message_kept_without_a_server_is_sent_once_mail_is_configured(
    client, topic, admin, settings, no_mail_server
) -> None:
    _follow(client, topic)
    run_due_tasks()
    mail = OutgoingMail.objects.get()
    client.force_login(admin)
    # Still not configured: resending says why and queues nothing.
    page = client.post(reverse("outbox_resend", args=[mail.pk]), follow=True).content.decode()
    assert "Not queued: mail is not configured" in page
    assert run_due_tasks() == 0
    mail.refresh_from_db()
    assert mail.state == OutgoingMail.State.UNCONFIGURED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.core import mail as django_mail

    client.post(reverse("outbox_resend", args=[mail.pk]))
    assert run_due_tasks() == 1
    mail.refresh_from_db()
    assert mail.state == OutgoingMail.State.SENT
    [sent] = django_mail.outbox
    assert sent.to == ["reader@example.org"] and sent.subject == mail.subject
    assert isinstance(sent, EmailMultiAlternatives)
    assert sent.alternatives and sent.alternatives[0][1] == "text/html"


def test_only_site_admins_read_the_outbox_and_resend(
    client, topic, curator, admin, no_mail_server
) -> None:
    _follow(client, topic)
    run_due_tasks()
    mail = OutgoingMail.objects.get()
    urls = [reverse("outbox"), reverse("outbox_message", args=[mail.pk])]
    for who in (None, curator):
        if who is not None:
            client.force_login(who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 302 and "/login/" in response["Location"]
        assert client.post(reverse("outbox_resend", args=[mail.pk])).status_code == 302
    client.force_login(admin)
    assert all(client.get(url).status_code == 200 for url in urls)
    assert client.get(reverse("outbox_message", args=[mail.pk + 1000])).status_code == 404
    assert client.get(reverse("outbox_resend", args=[mail.pk])).status_code == 405


def test_resend_needs_the_csrf_token(client, topic, admin, settings, no_mail_server) -> None:
    _follow(client, topic)
    run_due_tasks()
    mail = OutgoingMail.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.handler.enforce_csrf_checks = True
    client.force_login(admin)
    assert client.post(reverse("outbox_resend", args=[mail.pk])).status_code == 403
    page = client.get(reverse("outbox_message", args=[mail.pk])).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found
    token = found.group(1)
    response = client.post(reverse("outbox_resend", args=[mail.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and run_due_tasks() == 1


def test_the_outbox_list_reads_a_fixed_number_of_queries(
    client, admin, django_assert_num_queries
) -> None:
    from django.utils import timezone

    now = timezone.now()

    def add(count: int) -> None:
        OutgoingMail.objects.bulk_create(
            OutgoingMail(kind="digest", recipient=f"r{n}@example.org", subject=f"S{n}",
                         body="b", created_at=now, updated_at=now)
            for n in range(count)
        )  # fmt: skip

    client.force_login(admin)
    add(3)
    # Session, user, the page of messages, the unread notifications in the header.
    with django_assert_num_queries(4):
        assert client.get(reverse("outbox")).status_code == 200
    add(60)
    with django_assert_num_queries(4):
        page = client.get(reverse("outbox") + "?state=queued&page=2").content.decode()
    assert "S" in page and "Newer" in page
    # Bad filters fall back: never an error.
    assert client.get(reverse("outbox") + "?state=nope&page=abc").status_code == 200
