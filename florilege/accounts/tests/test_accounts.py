"""Invitations, roles, password reset and two-factor login, through the browser's routes."""

from __future__ import annotations

import re
import time as clock
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from florilege.accounts.models import Invitation, TwoFactor
from florilege.accounts.services import team as team_service
from florilege.accounts.services import two_factor
from florilege.curation.models import AuditEvent
from florilege.jobs.tasks import failed_tasks, run_due_tasks
from florilege.lib import totp
from florilege.testing import closed_port
from florilege.topics.models import Membership
from florilege.topics.permissions import Action
from florilege.topics.tests.team_fixtures import NOW, PASSWORD, ROLES
from florilege.topics.tests.test_permission_matrix import EXPECTED

pytestmark = pytest.mark.django_db


def _link_path(text: str) -> str:
    found = re.search(r"https?://[^/\s]+(/invite/[^/\s]+/)", text)
    assert found, text
    return found.group(1)


def test_invite_by_email_and_join_with_a_new_account(client, topic, curator, smtp_sink) -> None:
    client.force_login(curator)
    response = client.post(
        reverse("accounts:members", args=[topic.slug]),
        {"role": "contributor", "email": "ann@example.org"},
    )
    page = response.content.decode()
    # Not "emailed" before the mail server has it: the job has not run yet.
    assert "its email to ann@example.org is on its way to the mail server" in page
    assert "email queued" not in page and ">emailed<" not in page
    assert "email waiting to be written" in page
    assert smtp_sink.messages == [] and run_due_tasks() == 1
    team_page = client.get(reverse("accounts:members", args=[topic.slug])).content.decode()
    assert '<span class="mail-state">emailed</span>' in team_page
    mail = smtp_sink.messages[0].message()
    assert mail["To"] == "ann@example.org" and "Social networks" in mail["Subject"]
    path = _link_path(mail.get_content())
    client.logout()

    page = client.get(path).content.decode()
    assert "You are invited as Contributor" in page
    # A weak password is refused and nothing is created.
    client.post(path, {"username": "ann", "email": "ann@example.org", "password": "123"})
    assert not get_user_model().objects.filter(username="ann").exists()
    response = client.post(path, {"username": "ann", "email": "", "password": PASSWORD})
    assert response.status_code == 302
    ann = get_user_model().objects.get(username="ann")
    assert Membership.objects.get(topic=topic, user=ann).role == "contributor"
    assert client.get(reverse("curation:queue", args=[topic.slug])).status_code == 200
    # The link works once.
    client.logout()
    assert "already been used" in client.get(path).content.decode()
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "invited",
        "joined",
    ]


def test_invite_by_link_and_an_existing_user_accepts(client, topic, curator, django_user_model):
    bob = django_user_model.objects.create_user("bob", password=PASSWORD)
    invited = team_service.invite(topic, curator, "editor", "", timezone.now())
    assert invited.mail == ""
    client.force_login(bob)
    path = _link_path(invited.link)
    assert "Accept as bob" in client.get(path).content.decode()
    client.post(path)
    assert Membership.objects.get(user=bob).role == "editor"


def test_invitation_email_is_sent_by_a_worker_and_a_dead_mail_server_is_not_the_owners(
    client, topic, curator, settings, smtp_sink
) -> None:
    settings.EMAIL_PORT = closed_port()
    client.force_login(curator)
    members = reverse("accounts:members", args=[topic.slug])
    response = client.post(members, {"role": "editor", "email": "bo@example.org"})
    assert response.status_code == 200
    assert 'id="invitation-link"' in response.content.decode()  # to pass on by hand
    assert run_due_tasks() == 1
    [failed] = failed_tasks()
    assert failed.name == "florilege.accounts.services.team.send_invitation"
    assert failed.error == "builtins.ConnectionRefusedError"
    # A withdrawn invitation's queued email is not sent.
    settings.EMAIL_PORT = smtp_sink.port
    invited = team_service.invite(topic, curator, "viewer", "cy@example.org", timezone.now())
    team_service.revoke(topic, curator, invited.invitation.pk, timezone.now())
    assert run_due_tasks() == 1 and smtp_sink.messages == []


@pytest.mark.parametrize("case", ["forged", "expired", "revoked"])
def test_bad_invitation_links(client, topic, curator, case: str) -> None:
    invited = team_service.invite(topic, curator, "editor", "", timezone.now())
    path = _link_path(invited.link)
    if case == "forged":
        path = reverse("invitation", args=[signing.dumps(invited.invitation.pk, salt="other")])
    elif case == "expired":
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    else:
        team_service.revoke(topic, curator, invited.invitation.pk, timezone.now())
    response = client.post(path, {"username": "eve", "password": PASSWORD})
    assert response.status_code == 410
    message = {"forged": "not valid", "expired": "expired", "revoked": "withdrawn"}[case]
    assert message in response.content.decode()
    assert not Membership.objects.exists()
    assert not get_user_model().objects.filter(username="eve").exists()


def test_roles_change_and_removal(client, team, topic) -> None:
    client.force_login(team["owner"])
    editor = team["editor"]
    url = reverse("accounts:member_action", args=[topic.slug, editor.pk, "role"])
    client.post(url, {"role": "viewer"})
    assert Membership.objects.get(user=editor).role == "viewer"
    client.post(reverse("accounts:member_action", args=[topic.slug, editor.pk, "remove"]))
    assert not Membership.objects.filter(user=editor).exists()
    with pytest.raises(ValidationError, match="always an owner"):
        team_service.set_role(topic, team["owner_member"], team["owner"].pk, "viewer", NOW)
    # An editor may not manage the team, through the view either.
    client.force_login(team["contributor"])
    url = reverse("accounts:member_action", args=[topic.slug, team["viewer"].pk, "role"])
    assert client.post(url, {"role": "owner"}).status_code == 403
    assert Membership.objects.get(user=team["viewer"]).role == "viewer"


def test_password_reset_by_email(client, curator, smtp_sink) -> None:
    curator.email = "curator@example.org"
    curator.save()
    login_page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in login_page
    response = client.post(reverse("password_reset"), {"email": "curator@example.org"})
    assert response.status_code == 302
    # An address without an account is answered the same, and nothing is queued for it.
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert unknown.status_code == 302
    assert smtp_sink.messages == [] and run_due_tasks() == 1
    body = smtp_sink.messages[0].message().get_content()
    found = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", body)
    assert found, body
    path = found.group(1)
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    curator.refresh_from_db()
    assert curator.check_password("a-brand-new-passphrase")


def test_queued_emails_are_written_in_the_language_of_whoever_asked(
    client, topic, curator, smtp_sink
) -> None:
    from django.utils import translation

    curator.email = "curator@example.org"
    curator.save()
    client.post(reverse("password_reset"), {"email": curator.email}, HTTP_ACCEPT_LANGUAGE="fr")
    with translation.override("fr"):
        team_service.invite(topic, curator, "editor", "ann@example.org", timezone.now())
    with translation.override("en"):  # whatever the worker's own language
        assert run_due_tasks() == 2
    subjects = sorted(m.message()["Subject"] for m in smtp_sink.messages)
    assert subjects == [
        "Choisissez un nouveau mot de passe Florilège",
        "Rejoignez Social networks sur Florilège",
    ]


def test_two_factor_set_up_and_login(client, curator) -> None:
    client.force_login(curator)
    page = client.post(reverse("two_factor"), {"step": "start"}).content.decode()
    found = re.search(r'<code id="totp-secret">(\w+)</code>', page)
    assert found, page
    secret = found.group(1)
    assert "otpauth://totp/" in page
    wrong = client.post(reverse("two_factor"), {"step": "confirm", "code": "000000"})
    assert "not right" in wrong.content.decode() and not two_factor.enabled(curator)
    code = totp.code_at(secret, clock.time())
    client.post(reverse("two_factor"), {"step": "confirm", "code": code})
    assert two_factor.enabled(curator)
    client.logout()

    response = client.post(reverse("login"), {"username": "curator", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    # The password alone logs nobody in.
    assert client.get(reverse("curation:dashboard")).status_code == 302
    assert "not right" in client.post(reverse("login_code"), {"code": "123456"}).content.decode()
    # The code used to confirm was consumed: the next step's code is needed.
    TwoFactor.objects.update(last_counter=totp.counter_at(clock.time()) - 2)
    code = totp.code_at(secret, clock.time())
    response = client.post(reverse("login_code"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("curation:dashboard")).status_code == 200
    # The same code cannot log in a second time.
    client.logout()
    client.post(reverse("login"), {"username": "curator", "password": PASSWORD})
    assert "not right" in client.post(reverse("login_code"), {"code": code}).content.decode()


def test_too_many_wrong_codes_start_over(client, curator) -> None:
    device = two_factor.start(curator)
    TwoFactor.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    client.post(reverse("login"), {"username": "curator", "password": PASSWORD})
    for _ in range(5):
        response = client.post(reverse("login_code"), {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("login_code"))["Location"] == reverse("login")


@pytest.mark.parametrize("role", ROLES)
def test_invitations_follow_the_permission_matrix(team, topic, role: str) -> None:
    user = team[role]
    if role in EXPECTED[Action.MANAGE_MEMBERS]:
        team_service.invite(topic, user, "viewer", "", NOW)
        assert Invitation.objects.exists()
    else:
        with pytest.raises(PermissionDenied) as refused:
            team_service.invite(topic, user, "viewer", "", NOW)
        assert str(refused.value)  # a message the user can read
        assert not Invitation.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("outsider", 403), ("viewer", 200)])
def test_team_page_follows_roles(client, team, topic, role: str, status: int) -> None:
    client.force_login(team[role])
    response = client.get(reverse("accounts:members", args=[topic.slug]))
    assert response.status_code == status
    if status == 403:
        assert "Nothing was changed" in response.content.decode()
