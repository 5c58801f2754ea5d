"""Encryption of the secrets the database keeps (two-factor secrets, actor private keys),
so a copy of the database alone (a backup, a stray file) does not give them away.

The key is not in the database: it is derived from the instance's secret key with HKDF, so
there is nothing more to keep than the secret key already is. Rotation: the current key
encrypts, the former ones (``SECRET_KEY_FALLBACKS``) still decrypt until ``manage.py
rotate_secrets`` has re-encrypted every row with the current one.

Stored form: ``enc1:`` then a Fernet token (AES-128-CBC with HMAC-SHA256 over it, from
``cryptography``). The prefix names the scheme, so another one can be added beside it; a
value without it is a row written before encryption, read as it is until re-encrypted.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import lru_cache

# ``cryptography`` is imported where a key is made or a token opened, not here: the
# accounts' models import this module, so every process did at set-up (about 10 MB with
# its Rust and OpenSSL libraries), background workers that never open a secret included.

PREFIX = "enc1:"
# Fixed labels: the same secret key always gives the same encryption key, and this key is
# unrelated to the HMACs Django and we make with the secret key itself.
_SALT = b"florilege"
_INFO = b"florilege secrets at rest v1"


class UndecryptableSecret(Exception):
    """A stored secret that none of the keys opens: the secret key changed without the
    former one kept as a fallback, or the value was altered."""


def derive_key(secret_key: str) -> bytes:
    """The Fernet key (32 bytes, urlsafe base64) derived from an instance secret key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


class Box:
    """Encrypts with the first secret key, decrypts with any of them."""

    def __init__(self, secret_keys: Sequence[str]) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed")
        from cryptography.fernet import Fernet, MultiFernet

        self._current = Fernet(derive_key(secret_keys[0]))
        self._any = MultiFernet([Fernet(derive_key(k)) for k in secret_keys])

    def encrypt(self, plain: str) -> str:
        return PREFIX + self._current.encrypt(plain.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        if not is_encrypted(stored):
            return stored  # written before encryption; the next save encrypts it
        from cryptography.fernet import InvalidToken

        try:
            return self._any.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise UndecryptableSecret(
                "A secret stored in the database cannot be decrypted with FLORILEGE_SECRET_KEY "
                "nor any of FLORILEGE_SECRET_KEY_FALLBACKS. If the secret key was changed, put "
                "the former one in FLORILEGE_SECRET_KEY_FALLBACKS, then run "
                "`manage.py rotate_secrets`."
            ) from exc


@lru_cache(maxsize=4)
def box_for(secret_keys: tuple[str, ...]) -> Box:
    """One box per set of keys: HKDF runs once per process, not once per row."""
    return Box(secret_keys)
