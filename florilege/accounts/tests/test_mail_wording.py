"""What the curator and the account holder are told about email: never "emailed" or
"sent" when mail is not configured, and the message kept in the outbox either way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from florilege.jobs.models import OutgoingMail
from florilege.jobs.tasks import run_due_tasks

pytestmark = pytest.mark.django_db


def _invite(client, topic, email="ann@example.org"):
    return client.post(reverse("accounts:members", args=[topic.slug]),
                       {"role": "editor", "email": email})  # fmt: skip


def test_invitation_without_a_mail_server_says_so_and_offers_the_link_to_copy(
    client_in, topic, no_mail_server
) -> None:
    team = reverse("accounts:members", args=[topic.slug])
    before = client_in.get(team).content.decode()
    assert "Mail is not configured on this site" in before  # told before inviting
    assert "Ask the site admin to configure mail" in before  # not an admin: no outbox link
    page = _invite(client_in, topic).content.decode()
    assert "nothing was emailed to ann@example.org: mail is not configured" in page
    assert "emailed to ann" not in page.replace("nothing was emailed to ann", "")
    # The link, selectable without JavaScript; the copy button appears with it.
    found = re.search(r'<input id="invitation-link"[^>]*>', page)
    assert found
    field = found.group(0)
    assert "readonly" in field and 'value="http://' in field
    assert re.search(r'<button type="button" data-copy="invitation-link"[^>]* hidden>', page)
    assert '<script src="/static/florilege/copy.js" defer>' in page
    assert "<script>" not in page  # nothing inline: the policy allows none

    assert run_due_tasks() == 1
    mail = OutgoingMail.objects.get()
    assert mail.kind == "invitation" and mail.state == OutgoingMail.State.UNCONFIGURED
    assert "/invite/" in mail.body
    listing = client_in.get(team).content.decode()
    assert "not emailed: mail is not configured" in listing


def test_invitation_with_a_mail_server_says_emailed_only_once_it_was(
    client_in, topic, settings, smtp_sink
) -> None:
    from florilege.testing import closed_port

    team = reverse("accounts:members", args=[topic.slug])
    settings.EMAIL_PORT = closed_port()
    page = _invite(client_in, topic).content.decode()
    assert "Mail is not configured" not in page
    assert "on its way to the mail server" in page
    run_due_tasks()
    listing = client_in.get(team).content.decode()
    assert '<span class="mail-state">email failed</span>' in listing
    assert ">emailed<" not in listing

    settings.EMAIL_PORT = smtp_sink.port
    _invite(client_in, topic, "bo@example.org")
    run_due_tasks()
    listing = client_in.get(team).content.decode()
    assert listing.count('<span class="mail-state">emailed</span>') == 1
    assert [m.recipients for m in smtp_sink.messages] == [["bo@example.org"]]


def test_site_admin_is_pointed_to_the_outbox_from_the_notice(
    client, topic, curator, no_mail_server
) -> None:
    curator.is_staff = True
    curator.save()
    client.force_login(curator)
    page = client.get(reverse("accounts:members", args=[topic.slug])).content.decode()
    assert f'href="{reverse("outbox")}"' in page and "docs/operations.md" in page
    readers = client.get(reverse("publishing:readers", args=[topic.slug])).content.decode()
    assert "Mail is not configured on this site" in readers


def test_password_reset_without_a_mail_server_does_not_claim_it_was_sent(
    client, curator, no_mail_server
) -> None:
    curator.email = "curator@example.org"
    curator.save()
    form = client.get(reverse("password_reset")).content.decode()
    assert "Mail is not configured on this site" in form
    done = client.post(reverse("password_reset"), {"email": curator.email}, follow=True)
    page = done.content.decode()
    assert "Ask the site admin" in page and "Check your email" not in page
    assert "on its way" not in page
    # The same answer for an address without an account.
    other = client.post(reverse("password_reset"), {"email": "x@example.org"}, follow=True)
    assert "Ask the site admin" in other.content.decode()
    assert run_due_tasks() == 1
    mail = OutgoingMail.objects.get()
    assert mail.kind == "password_reset" and mail.recipient == curator.email
    assert re.search(r"/password/reset/\S+/\S+/", mail.body)


def test_password_reset_with_a_mail_server_says_check_your_email(client, curator) -> None:
    curator.email = "curator@example.org"
    curator.save()
    done = client.post(reverse("password_reset"), {"email": curator.email}, follow=True)
    page = done.content.decode()
    assert "Check your email" in page and "Ask the site admin" not in page
