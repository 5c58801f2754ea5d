"""Counting failed logins per account, per client address and per two-factor step, and
saying whether one of them is locked (the decisions are in ``accounts/lockout.py``).

The counts are rows in the database, not in the cache: the default cache is memory in each
process, and several web processes must see the same counts. Keys are HMACs of the
account name or address under the secret key, so the table holds neither.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from florilege.accounts import lockout
from florilege.accounts.models import LoginThrottle

ACCOUNT, ADDRESS, CODE = "account", "address", "code"


def _key(scope: str, value: str) -> str:
    message = f"login-throttle\0{scope}\0{value}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _account(username: str) -> str:
    # Case and spaces folded: "Ann" and "ann " are guessed against as one account.
    return _key(ACCOUNT, username.strip().casefold())


def _policy(scope: str) -> lockout.Policy:
    cfg = settings.CONFIG
    limit = {
        ACCOUNT: cfg.LOGIN_ACCOUNT_FAILURES,
        ADDRESS: cfg.LOGIN_ADDRESS_FAILURES,
        CODE: cfg.LOGIN_CODE_FAILURES,
    }[scope]
    return lockout.Policy(limit=limit, first_lock=timedelta(minutes=cfg.LOGIN_LOCK_MINUTES))


def _locked_until(keys: list[str], now: datetime) -> datetime | None:
    rows = LoginThrottle.objects.filter(key__in=keys, locked_until__gt=now)
    ends = [end for end in rows.values_list("locked_until", flat=True) if end is not None]
    return max(ends, default=None)


def _failed(scope: str, key: str, now: datetime) -> None:
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(
            key=key, defaults={"forget_at": now}
        )
        state = lockout.after_failure(
            lockout.State(row.failures, row.locks, row.locked_until), _policy(scope), now
        )
        row.failures, row.locks, row.locked_until = state.failures, state.locks, state.locked_until
        row.forget_at = lockout.forget_at(state, now)
        row.save()


def _forget_old(now: datetime) -> None:
    # The table keeps only what can still lock someone; an indexed delete per failure.
    LoginThrottle.objects.filter(forget_at__lt=now).delete()


def password_lock(username: str, address: str, now: datetime) -> datetime | None:
    """When the lock on this account name or this address ends, if either is locked."""
    return _locked_until([_account(username), _key(ADDRESS, address)], now)


def password_failed(username: str, address: str, now: datetime) -> None:
    _failed(ACCOUNT, _account(username), now)
    _failed(ADDRESS, _key(ADDRESS, address), now)
    _forget_old(now)


def password_succeeded(username: str) -> None:
    """The password was right: its failures are forgotten. The address's are not (an
    attacker with an account of their own would clear them between guesses), nor the
    two-factor step's."""
    LoginThrottle.objects.filter(key=_account(username)).delete()


def code_lock(user_id: int, now: datetime) -> datetime | None:
    return _locked_until([_key(CODE, str(user_id))], now)


def code_failed(user_id: int, now: datetime) -> None:
    _failed(CODE, _key(CODE, str(user_id)), now)
    _forget_old(now)


def code_succeeded(user_id: int) -> None:
    LoginThrottle.objects.filter(key=_key(CODE, str(user_id))).delete()


def unlock(username: str, user_id: int | None = None, address: str | None = None) -> int:
    """Lift the locks on an account (its password and, given its id, its two-factor step)
    and, given one, an address; the rows removed."""
    keys = [_account(username)]
    if user_id is not None:
        keys.append(_key(CODE, str(user_id)))
    if address is not None:
        keys.append(_key(ADDRESS, address))
    deleted, _by_model = LoginThrottle.objects.filter(key__in=keys).delete()
    return deleted


def password_locked_message(until: datetime, now: datetime) -> str:
    return _(
        "Too many failed logins for this account or from this address. Try again in "
        "%(wait)s, or reset your password by email to unlock it now."
    ) % {"wait": timeuntil(until, now)}


def code_locked_message(until: datetime, now: datetime) -> str:
    return _("Too many wrong codes for this account. Try again in %(wait)s.") % {
        "wait": timeuntil(until, now)
    }
