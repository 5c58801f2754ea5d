"""A text column stored encrypted (``florilege/lib/secretbox.py``), read back in clear.

Encrypted values differ at every write (a random IV), so the column can be compared only
with the empty string, which is stored as it is (``filter(private_key_pem="")`` works).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Value

from florilege.lib.secretbox import Box, box_for


def current_box() -> Box:
    """The box for the settings in force (tests may change the secret key)."""
    fallbacks = tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return box_for((settings.SECRET_KEY, *fallbacks))


class EncryptedTextField(models.TextField):
    description = "Text encrypted with a key derived from the secret key"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return current_box().decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return current_box().encrypt(value)


def encrypted_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)]


def reencrypt(model: type[models.Model]) -> int:
    """Write every non-empty encrypted value of ``model`` again, so it is encrypted with the
    current key (rows in clear, or under a former key, included); the rows written. Used by
    the migrations that turn encryption on and by ``manage.py rotate_secrets``; a model from
    a migration's ``apps`` works too. Running it twice does no harm."""
    names = encrypted_fields(model)
    written = 0
    with transaction.atomic():
        # A row per user or topic at most: read at once, which also spares PostgreSQL a
        # server-side cursor left open when a value cannot be decrypted.
        rows = list(model._default_manager.values_list("pk", *names))
        for pk, *values in rows:
            changes = {name: value for name, value in zip(names, values, strict=True) if value}
            if changes:
                model._default_manager.filter(pk=pk).update(**changes)
                written += 1
    return written


def decrypt_in_place(model: type[models.Model]) -> None:
    """Store the values in clear again (a migration going backwards)."""
    names = encrypted_fields(model)
    with transaction.atomic():
        for pk, *values in list(model._default_manager.values_list("pk", *names)):
            # Value() is written as it is: the field would encrypt a plain value.
            changes = {n: Value(v) for n, v in zip(names, values, strict=True) if v}
            if changes:
                model._default_manager.filter(pk=pk).update(**changes)
