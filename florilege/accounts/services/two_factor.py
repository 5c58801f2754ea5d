"""Optional two-factor login with TOTP codes (``florilege/lib/totp.py``)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from florilege.accounts.models import TwoFactor
from florilege.accounts.services import throttle
from florilege.lib import totp

ISSUER = "Florilège"


def enabled(user) -> bool:
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def start(user) -> TwoFactor:
    """A fresh secret to enter in an authenticator app; login does not ask for codes until
    one code is confirmed."""
    if enabled(user):
        raise ValidationError(_("Two-factor login is already on; turn it off first."))
    device, _created = TwoFactor.objects.update_or_create(
        user=user,
        defaults={"secret": totp.new_secret(), "confirmed_at": None, "last_counter": None},
    )
    return device


def uri(device: TwoFactor) -> str:
    return totp.provisioning_uri(device.secret, device.user.get_username(), ISSUER)


def _accept(device: TwoFactor, code: str, now: datetime) -> bool:
    counter = totp.verify(device.secret, code, now.timestamp(), device.last_counter)
    if counter is None:
        return False
    # Conditional: the same code sent twice at once is accepted once.
    last = device.last_counter
    moved = (
        TwoFactor.objects.filter(pk=device.pk, last_counter=last)
        if last is not None
        else TwoFactor.objects.filter(pk=device.pk, last_counter__isnull=True)
    ).update(last_counter=counter)
    device.last_counter = counter
    return bool(moved)


def confirm(user, code: str, now: datetime) -> None:
    device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        raise ValidationError(_("Start the set-up again: no secret is waiting for a code."))
    with transaction.atomic():
        if not _accept(device, code, now):
            raise ValidationError(_("This code is not right; check your phone's time and retry."))
        TwoFactor.objects.filter(pk=device.pk).update(confirmed_at=now)


class CodeLocked(Exception):
    """Too many wrong codes for this account: no code is checked until ``until``."""

    def __init__(self, until: datetime, message: str) -> None:
        super().__init__(message)
        self.until = until
        self.message = message


def _counted(user, device: TwoFactor, code: str, now: datetime) -> bool:
    """Check a code of a confirmed device, counting wrong ones against the account (not
    against the login session: a new password login does not start the count again)."""
    until = throttle.code_lock(user.pk, now)
    if until is not None:
        raise CodeLocked(until, throttle.code_locked_message(until, now))
    if _accept(device, code, now):
        throttle.code_succeeded(user.pk)
        return True
    throttle.code_failed(user.pk, now)
    return False


def disable(user, code: str, now: datetime) -> None:
    device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise ValidationError(_("Two-factor login is not on."))
    try:
        accepted = _counted(user, device, code, now)
    except CodeLocked as exc:
        raise ValidationError(exc.message) from exc
    if not accepted:
        raise ValidationError(_("This code is not right; two-factor login stays on."))
    device.delete()


def check(user, code: str, now: datetime) -> bool:
    """The second step of a login; raises :class:`CodeLocked` while the step is locked."""
    device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return False
    return _counted(user, device, code, now)


def code_lock(user, now: datetime) -> datetime | None:
    return throttle.code_lock(user.pk, now)
