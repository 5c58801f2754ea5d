"""``manage.py rotate_secrets``: re-encrypt the secrets kept in the database (two-factor
secrets, actor private keys) with the key derived from the current secret key.

Run it after changing the secret key with the former one kept in
``FLORILEGE_SECRET_KEY_FALLBACKS`` (docs/operations.md); then the fallback can go."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from florilege.lib.encrypted_field import encrypted_fields, reencrypt
from florilege.lib.secretbox import UndecryptableSecret


class Command(BaseCommand):
    help = "Re-encrypt the secrets stored in the database with the current secret key."

    def handle(self, *args: Any, **options: Any) -> None:
        # Every model with an encrypted column, whichever app owns it: this app need not
        # know the others.
        for model in apps.get_models():
            if not encrypted_fields(model):
                continue
            try:
                written = reencrypt(model)
            except UndecryptableSecret as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"{model._meta.label}: {written} rows re-encrypted")
