"""Secrets encrypted at rest: the stored form, rotation through fallback keys, and the
error when no key opens a value."""

from __future__ import annotations

import pytest

from florilege.lib.secretbox import PREFIX, Box, UndecryptableSecret, derive_key

OLD = "former-secret-key-" + "0123456789abcdefghijklmnopqrstuvwxyz"
NEW = "current-secret-key-" + "zyxwvutsrqponmlkjihgfedcba9876543210"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_stored_form_names_its_scheme_and_hides_the_value() -> None:
    stored = Box([NEW]).encrypt(SECRET)
    assert stored.startswith(PREFIX) and SECRET not in stored
    # A random IV each time: two rows with the same secret do not look alike.
    assert stored != Box([NEW]).encrypt(SECRET)
    assert Box([NEW]).decrypt(stored) == SECRET


def test_the_key_is_derived_not_the_secret_key_itself() -> None:
    assert derive_key(NEW) == derive_key(NEW) != derive_key(OLD)
    assert NEW.encode() not in derive_key(NEW)


def test_a_former_key_still_decrypts_and_new_values_use_the_current_one() -> None:
    stored_under_old = Box([OLD]).encrypt(SECRET)
    rotating = Box([NEW, OLD])
    assert rotating.decrypt(stored_under_old) == SECRET
    rewritten = rotating.encrypt(SECRET)
    assert Box([NEW]).decrypt(rewritten) == SECRET
    with pytest.raises(UndecryptableSecret):
        Box([OLD]).decrypt(rewritten)


def test_without_the_right_key_the_error_says_what_to_do() -> None:
    stored = Box([OLD]).encrypt(SECRET)
    with pytest.raises(UndecryptableSecret, match="SECRET_KEY_FALLBACKS"):
        Box([NEW]).decrypt(stored)
    with pytest.raises(UndecryptableSecret):
        Box([NEW]).decrypt(stored[:-4] + "AAAA")  # altered


def test_a_value_written_before_encryption_reads_as_it_is() -> None:
    assert Box([NEW]).decrypt(SECRET) == SECRET
