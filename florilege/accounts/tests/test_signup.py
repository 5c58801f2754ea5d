"""Self sign-up: closed by default (404, no link), and when open an inactive account
confirmed by an emailed link, limited per address, with the same answer whether or not
the address already has an account."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail as django_mail
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from florilege.accounts.models import SignUp
from florilege.accounts.services import signup as service
from florilege.jobs.models import OutgoingMail
from florilege.jobs.tasks import run_due_tasks
from florilege.topics.models import Topic

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def signup_open(settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, SIGNUP="open")


def _sign_up(client, username="ann", email="ann@example.org", password=PASSWORD, **extra):
    data = {"username": username, "email": email, "password": password, "website": ""}
    data.update(extra.pop("data", {}))
    return client.post(reverse("signup"), data, REMOTE_ADDR=extra.pop("addr", "203.0.113.7"))


def _link_path(body: str) -> str:
    found = re.search(r"https?://\S+(/signup/confirm/\S+/)", body)
    assert found, body
    return found.group(1)


def test_closed_by_default_answers_404_and_shows_no_link(client) -> None:
    assert service.is_open() is False
    assert client.get(reverse("signup")).status_code == 404
    assert _sign_up(client).status_code == 404
    token = signing.dumps(1, salt=service.SALT)
    assert client.get(reverse("signup_confirm", args=[token])).status_code == 404
    assert client.post(reverse("signup_confirm", args=[token])).status_code == 404
    assert reverse("signup") not in client.get(reverse("login")).content.decode()
    assert not get_user_model().objects.exists()


def test_sign_up_confirm_and_create_a_topic(client, signup_open) -> None:
    login_page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("signup")}"' in login_page
    response = _sign_up(client)
    assert response.status_code == 200 and 'id="signup-sent"' in response.content.decode()
    ann = get_user_model().objects.get(username="ann")
    assert not ann.is_active and ann.check_password(PASSWORD)
    # Not usable before confirmation.
    assert not client.login(username="ann", password=PASSWORD)

    assert run_due_tasks() == 1
    [sent] = django_mail.outbox
    assert sent.to == ["ann@example.org"]
    outgoing = OutgoingMail.objects.get()
    assert outgoing.kind == "signup" and outgoing.state == OutgoingMail.State.SENT
    path = _link_path(str(sent.body))

    page = client.get(path)  # opening the link (or a mail scanner) confirms nothing
    assert page.status_code == 200 and "Confirm my account" in page.content.decode()
    ann.refresh_from_db()
    assert not ann.is_active
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("curation:topic_create")
    ann.refresh_from_db()
    assert ann.is_active and SignUp.objects.get(user=ann).confirmed_at is not None

    # A confirmed self-signed-up user creates their own topic.
    topic = {"title": "Birds", "slug": "birds", "languages": "en", "keywords": ""}
    created = client.post(reverse("curation:topic_create"), topic)
    assert created.status_code == 302
    assert Topic.objects.get(slug="birds").owner == ann
    # The link works once.
    client.logout()
    again = client.post(path)
    assert again.status_code == 410 and "already confirmed" in again.content.decode()


def test_the_answer_is_the_same_whether_the_address_has_an_account(
    client, signup_open, django_user_model
) -> None:
    django_user_model.objects.create_user("bob", "bob@example.org", PASSWORD)

    def answer(response) -> str:
        found = re.search(r'<p id="signup-sent">.*?</p>', response.content.decode())
        assert found
        return found.group(0)

    new = _sign_up(client, "carol", "carol@example.org")
    known = _sign_up(client, "bobby", "BOB@example.org", addr="198.51.100.2")
    assert new.status_code == known.status_code == 200
    assert answer(new) == answer(known)
    assert not django_user_model.objects.filter(username="bobby").exists()
    assert run_due_tasks() == 2
    by_kind = {m.kind: m for m in OutgoingMail.objects.all()}
    assert set(by_kind) == {"signup", "signup_existing"}
    # The address's owner is told, with the way back into their account.
    assert by_kind["signup_existing"].recipient == "bob@example.org"
    assert "/password/reset/" in by_kind["signup_existing"].body
    assert "bob" in by_kind["signup_existing"].body


def test_weak_passwords_bad_names_and_taken_names_are_refused(
    client, signup_open, django_user_model
) -> None:
    weak = _sign_up(client, password="123")
    assert weak.status_code == 400 and 'class="error"' in weak.content.decode()
    bad = _sign_up(client, username="ann smith!")
    assert bad.status_code == 400
    header = _sign_up(client, email="ann@example.org\r\nBcc: x@example.net")
    assert header.status_code == 400
    django_user_model.objects.create_user("ann", password=PASSWORD)
    taken = _sign_up(client, username="ANN", email="other@example.org")
    assert taken.status_code == 400 and "taken" in taken.content.decode()
    assert django_user_model.objects.count() == 1 and run_due_tasks() == 0


def test_a_honeypot_is_told_the_same_and_nothing_is_made(client, signup_open) -> None:
    response = _sign_up(client, data={"website": "http://spam.example"})
    assert response.status_code == 200 and 'id="signup-sent"' in response.content.decode()
    assert not get_user_model().objects.exists() and run_due_tasks() == 0


def test_sign_ups_are_limited_per_client_and_per_mailbox(client, signup_open, settings) -> None:
    settings.CONFIG = replace(settings.CONFIG, SIGNUPS_PER_HOUR=2)
    assert _sign_up(client, "u1", "u1@example.org").status_code == 200
    assert _sign_up(client, "u2", "u2@example.org").status_code == 200
    refused = _sign_up(client, "u3", "u3@example.org")
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    assert not get_user_model().objects.filter(username="u3").exists()

    # One mailbox is sent at most a few emails an hour, whoever asks.
    settings.CONFIG = replace(settings.CONFIG, SIGNUPS_PER_HOUR=100)
    for n in range(service.EMAILS_PER_ADDRESS + 2):
        response = _sign_up(client, f"v{n}", "victim@example.org", addr=f"198.51.100.{n + 10}")
        assert response.status_code == 200
    run_due_tasks()
    to_victim = OutgoingMail.objects.filter(recipient="victim@example.org")
    assert to_victim.count() == service.EMAILS_PER_ADDRESS


def test_without_a_mail_server_the_link_waits_in_the_outbox(
    client, signup_open, no_mail_server
) -> None:
    page = client.get(reverse("signup")).content.decode()
    assert "Mail is not configured on this site" in page
    response = _sign_up(client)
    assert "ask them to pass it on to you" in response.content.decode()
    run_due_tasks()
    outgoing = OutgoingMail.objects.get()
    assert outgoing.state == OutgoingMail.State.UNCONFIGURED
    assert client.post(_link_path(outgoing.body)).status_code == 302


@pytest.mark.parametrize("case", ["forged", "expired", "unknown"])
def test_bad_links_are_refused(client, signup_open, case: str) -> None:
    _sign_up(client)
    ann = get_user_model().objects.get(username="ann")
    token = signing.dumps(ann.pk, salt=service.SALT)
    if case == "forged":
        token = signing.dumps(ann.pk, salt="another")
    elif case == "unknown":
        token = signing.dumps(ann.pk + 100, salt=service.SALT)
    else:
        token = _Past(salt=service.SALT).sign_object(ann.pk)
    response = client.post(urlsplit(reverse("signup_confirm", args=[token])).path)
    assert response.status_code == 410
    ann.refresh_from_db()
    assert not ann.is_active


class _Past(signing.TimestampSigner):
    """Signs as if it were a day past the link's life."""

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - (service.LINK_DAYS + 1) * 86400)


def test_an_unconfirmed_sign_up_frees_its_name_once_its_link_expired(client, signup_open) -> None:
    _sign_up(client)
    SignUp.objects.update(created_at=timezone.now() - timedelta(days=service.LINK_DAYS + 1))
    response = _sign_up(client, "ann", "ann2@example.org", addr="198.51.100.3")
    assert response.status_code == 200
    assert get_user_model().objects.get(username="ann").email == "ann2@example.org"
