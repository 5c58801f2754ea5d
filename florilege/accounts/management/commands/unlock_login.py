"""``manage.py unlock_login NAME``: lift the locks that failed logins put on an account
(its password and its two-factor step) and, with ``--address``, on a client address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from florilege.accounts.services import throttle


class Command(BaseCommand):
    help = "Unlock an account (and optionally an address) locked by failed logins."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="The account's user name.")
        parser.add_argument("--address", help="Also unlock this client address (IP).")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        users = get_user_model()._default_manager
        user = users.filter(**{users.model.USERNAME_FIELD: username}).first()
        if user is None:
            # Names without an account are counted too (so guessing shows no difference).
            self.stderr.write(f"No account named {username!r}; its name is unlocked all the same.")
        removed = throttle.unlock(username, user.pk if user else None, options["address"])
        self.stdout.write(f"Unlocked {username!r} ({removed} lock records removed).")
