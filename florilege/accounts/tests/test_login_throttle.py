"""Brute force against the login: failed passwords lock the account and the address,
wrong two-factor codes lock the account's code step, and the owner has ways back in."""

from __future__ import annotations

import re
import time as clock
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from florilege.accounts.models import LoginThrottle, TwoFactor
from florilege.accounts.services import two_factor
from florilege.jobs.tasks import run_due_tasks
from florilege.lib import totp
from florilege.topics.tests.team_fixtures import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed logins"


def _login(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _logged_in(client) -> bool:
    return client.get(reverse("curation:dashboard")).status_code == 200


def _expire_locks() -> None:
    """What the clock would do: every lock ends (the counts of locks stay)."""
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))


def test_many_wrong_passwords_lock_the_account_even_against_the_right_one(client, curator):
    for _ in range(100):
        _login(client, "curator", "wrong-guess")
    response = _login(client, "curator", PASSWORD)
    assert LOCKED in response.content.decode()
    assert not _logged_in(client)


def test_the_lock_starts_at_the_limit_and_ends_with_its_time(client, curator, settings):
    settings.CONFIG = replace(settings.CONFIG, LOGIN_ACCOUNT_FAILURES=3)
    for _ in range(2):
        assert "Please enter a correct" in _login(client, "curator", "wrong").content.decode()
    third = _login(client, "curator", "wrong").content.decode()
    assert LOCKED in _login(client, "curator", PASSWORD).content.decode(), third
    page = _login(client, "curator", PASSWORD).content.decode()
    # Says how long, and what the owner can do now.
    assert re.search(r"Try again in \d+.minutes", page) and "reset your password" in page
    _expire_locks()
    assert _login(client, "curator", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_each_lock_lasts_longer_until_a_success(client, curator, settings):
    settings.CONFIG = replace(settings.CONFIG, LOGIN_ACCOUNT_FAILURES=2, LOGIN_LOCK_MINUTES=10)
    lengths = []
    for _ in range(3):
        for _ in range(2):
            _login(client, "curator", "wrong")
        row = LoginThrottle.objects.filter(locked_until__isnull=False).order_by("-locks").first()
        assert row is not None and row.locked_until is not None
        lengths.append(round((row.locked_until - timezone.now()).total_seconds() / 60))
        _expire_locks()
    assert lengths == [10, 20, 40]
    _login(client, "curator", PASSWORD)
    assert _logged_in(client)
    # The success forgot the account's locks (the address keeps its own count).
    client.logout()
    for _ in range(2):
        _login(client, "curator", "wrong")
    row = LoginThrottle.objects.order_by("-locked_until").first()
    assert row is not None and row.locks == 1


def test_one_address_guessing_many_accounts_is_locked(client, django_user_model, settings):
    settings.CONFIG = replace(settings.CONFIG, LOGIN_ADDRESS_FAILURES=5)
    django_user_model.objects.create_user("ann", password=PASSWORD)
    for n in range(5):
        _login(client, f"someone-{n}", "guess", REMOTE_ADDR="203.0.113.9")
    assert LOCKED in _login(client, "ann", PASSWORD, REMOTE_ADDR="203.0.113.9").content.decode()
    # Ann, from her own address, is not held back by someone else's guessing.
    assert _login(client, "ann", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_behind_a_proxy_the_address_is_the_one_it_added(client, django_user_model, settings):
    settings.CONFIG = replace(settings.CONFIG, LOGIN_ADDRESS_FAILURES=3, TRUST_X_FORWARDED_FOR=True)
    django_user_model.objects.create_user("ann", password=PASSWORD)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(3):
        # The attacker varies the part of the header it writes; the proxy's entry is last.
        forwarded = f"10.0.0.{n}, 203.0.113.9"
        _login(client, f"x{n}", "guess", HTTP_X_FORWARDED_FOR=forwarded, **proxy)
    locked = _login(client, "ann", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert LOCKED in locked.content.decode()
    # Another visitor behind the same proxy is another address.
    other = _login(client, "ann", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert other.status_code == 302


def test_nothing_stored_names_the_account_or_the_address(client, curator):
    _login(client, "curator", "wrong", REMOTE_ADDR="203.0.113.9")
    keys = list(LoginThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert not any("curator" in k or "203.0.113" in k for k in keys)
    assert all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)


def test_old_rows_are_forgotten(client, curator):
    _login(client, "curator", "wrong")
    LoginThrottle.objects.update(forget_at=timezone.now() - timedelta(seconds=1))
    _login(client, "other", "wrong", REMOTE_ADDR="198.51.100.7")
    assert LoginThrottle.objects.count() == 2  # only the new name and address


def test_a_password_reset_unlocks_the_account(client, curator, smtp_sink, settings):
    settings.CONFIG = replace(settings.CONFIG, LOGIN_ACCOUNT_FAILURES=3)
    curator.email = "curator@example.org"
    curator.save()
    for _ in range(3):
        _login(client, "curator", "wrong")
    assert LOCKED in _login(client, "curator", PASSWORD).content.decode()
    client.post(reverse("password_reset"), {"email": curator.email})
    assert run_due_tasks() == 1
    body = smtp_sink.messages[0].message().get_content()
    found = re.search(r"https?://[^/\s]+(/password/reset/\S+/)", body)
    assert found, body
    form_page = client.get(found.group(1), follow=True)
    new = "a-brand-new-passphrase"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert _login(client, "curator", new).status_code == 302
    assert _logged_in(client)


def test_the_unlock_command(client, curator, settings):
    settings.CONFIG = replace(settings.CONFIG, LOGIN_ACCOUNT_FAILURES=2)
    for _ in range(2):
        _login(client, "curator", "wrong")
    assert LOCKED in _login(client, "curator", PASSWORD).content.decode()
    call_command("unlock_login", "curator")
    assert _login(client, "curator", PASSWORD).status_code == 302


# --- two-factor codes ----------------------------------------------------------------------


@pytest.fixture
def with_two_factor(curator):
    device = two_factor.start(curator)
    TwoFactor.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    return device.secret


def test_wrong_codes_count_per_account_across_password_logins(client, curator, with_two_factor):
    # Four wrong codes per login, a new password login each time: the old count was per
    # login session, so this went on for ever.
    for _ in range(3):
        assert _login(client, "curator", PASSWORD)["Location"] == reverse("login_code")
        for _ in range(2):
            client.post(reverse("login_code"), {"code": "000000"})
    # Five wrong codes in all: locked, whatever the password login.
    response = _login(client, "curator", PASSWORD)
    assert "Too many wrong codes" in response.content.decode()
    assert response.status_code == 200 and not _logged_in(client)
    # Even the right code waits for the lock to end.
    TwoFactor.objects.update(last_counter=None)
    _expire_locks()
    _login(client, "curator", PASSWORD)
    right = totp.code_at(with_two_factor, clock.time())
    assert client.post(reverse("login_code"), {"code": right}).status_code == 302
    assert _logged_in(client)


def test_the_right_code_is_refused_while_the_code_step_is_locked(client, curator, with_two_factor):
    _login(client, "curator", PASSWORD)
    for _ in range(4):
        client.post(reverse("login_code"), {"code": "000000"})
    fifth = client.post(reverse("login_code"), {"code": "000000"}, follow=True)
    assert "Too many wrong codes" in fifth.content.decode()
    # The password page says so at once and starts no code step: the code page sends back.
    assert "Too many wrong codes" in _login(client, "curator", PASSWORD).content.decode()
    right = totp.code_at(with_two_factor, clock.time())
    response = client.post(reverse("login_code"), {"code": right})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not _logged_in(client)


def test_wrong_codes_to_turn_two_factor_off_count_too(client, curator, with_two_factor):
    client.force_login(curator)
    for _ in range(5):
        client.post(reverse("two_factor"), {"step": "disable", "code": "000000"})
    right = totp.code_at(with_two_factor, clock.time())
    page = client.post(reverse("two_factor"), {"step": "disable", "code": right})
    assert "Too many wrong codes" in page.content.decode()
    assert two_factor.enabled(curator)
