"""Two-factor secrets and actor private keys are stored encrypted (what a copy of the
database shows), still work where they are used, survive a key rotation, and rows written
before encryption are encrypted by the migrations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from florilege.accounts.models import TwoFactor
from florilege.accounts.services import two_factor
from florilege.federation.models import LocalActor
from florilege.federation.services.actors import ensure_keys, instance_actor, instance_signer
from florilege.federation.signatures import load_public_key
from florilege.lib.secretbox import PREFIX, Box, UndecryptableSecret

NEW_KEY = "a-new-secret-key-after-rotation-" + "Q7x2Lm9Kp4Rv8Ws1Ty6Uz3Vb5Nc0Md"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_two_factor_secret_is_encrypted_in_the_database(curator) -> None:
    device = two_factor.start(curator)
    stored = _raw("curation_twofactor", "secret", device.pk)
    assert stored.startswith(PREFIX) and device.secret not in stored
    assert TwoFactor.objects.get(pk=device.pk).secret == device.secret


@pytest.mark.django_db
def test_actor_private_key_is_encrypted_and_still_signs() -> None:
    actor = ensure_keys(instance_actor())
    stored = _raw("federation_localactor", "private_key_pem", actor.pk)
    assert stored.startswith(PREFIX) and "PRIVATE KEY" not in stored
    # The signer loads it in clear, and it is the pair of the published public key.
    _key_id, private = instance_signer()
    published = load_public_key(LocalActor.objects.get(pk=actor.pk).public_key_pem)
    pem = serialization.Encoding.PEM
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert private.public_key().public_bytes(pem, spki) == published.public_bytes(pem, spki)
    # "No key yet" is still the empty string, which the race-free key creation looks for.
    assert not LocalActor.objects.filter(pk=actor.pk, private_key_pem="").exists()


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key(curator, settings) -> None:
    device = two_factor.start(curator)
    actor = ensure_keys(instance_actor())
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old_key]
    # Readable through the fallback before the rotation...
    assert TwoFactor.objects.get(pk=device.pk).secret == device.secret
    call_command("rotate_secrets")
    # ...and with the new key alone after it.
    new_only = Box([NEW_KEY])
    assert new_only.decrypt(_raw("curation_twofactor", "secret", device.pk)) == device.secret
    assert new_only.decrypt(_raw("federation_localactor", "private_key_pem", actor.pk)) == (
        actor.private_key_pem
    )
    settings.SECRET_KEY_FALLBACKS = []
    assert TwoFactor.objects.get(pk=device.pk).secret == device.secret


@pytest.mark.django_db
def test_a_changed_key_without_its_fallback_fails_clearly(curator, settings) -> None:
    two_factor.start(curator)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    with pytest.raises(UndecryptableSecret):
        TwoFactor.objects.get(user=curator)
    with pytest.raises(CommandError, match="FLORILEGE_SECRET_KEY_FALLBACKS"):
        call_command("rotate_secrets")


# --- rows written before encryption ---------------------------------------------------------

BEFORE = [("accounts", "0001_invitation_two_factor_from_curation"),
          ("federation", "0002_topic_references_to_topics")]  # fmt: skip
PLAIN_TOTP = "JBSWY3DPEHPK3PXP"
PLAIN_PEM = "-----BEGIN PRIVATE KEY-----\nnot really a key\n-----END PRIVATE KEY-----\n"


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def before_encryption() -> Iterator:
    try:
        _migrate(BEFORE)
        yield MigrationExecutor(connection).loader.project_state(BEFORE).apps
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_migrations_encrypt_rows_written_in_clear_and_back(before_encryption) -> None:
    old = before_encryption
    user = old.get_model("auth", "User").objects.create(username="ann", password="!")
    device = old.get_model("accounts", "TwoFactor").objects.create(
        user_id=user.pk, secret=PLAIN_TOTP
    )
    actor = old.get_model("federation", "LocalActor").objects.create(
        kind="instance", username="instance", private_key_pem=PLAIN_PEM, public_key_pem="-"
    )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert _raw("curation_twofactor", "secret", device.pk).startswith(PREFIX)
    assert _raw("federation_localactor", "private_key_pem", actor.pk).startswith(PREFIX)
    assert TwoFactor.objects.get(pk=device.pk).secret == PLAIN_TOTP
    assert LocalActor.objects.get(pk=actor.pk).private_key_pem == PLAIN_PEM

    # Going back stores them in clear again, in the column as it was.
    _migrate(BEFORE)
    assert _raw("curation_twofactor", "secret", device.pk) == PLAIN_TOTP
    assert _raw("federation_localactor", "private_key_pem", actor.pk) == PLAIN_PEM
