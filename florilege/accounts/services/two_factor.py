"""Optional two-factor login with TOTP codes (``florilege/lib/totp.py``)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from florilege.accounts.models import TwoFactor
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


def disable(user, code: str, now: datetime) -> None:
    device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        raise ValidationError(_("Two-factor login is not on."))
    if not _accept(device, code, now):
        raise ValidationError(_("This code is not right; two-factor login stays on."))
    device.delete()


def check(user, code: str, now: datetime) -> bool:
    """The second step of a login."""
    device = TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()
    return device is not None and _accept(device, code, now)
