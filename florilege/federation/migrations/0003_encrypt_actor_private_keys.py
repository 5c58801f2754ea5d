"""Actors' private keys encrypted at rest (``florilege/lib/secretbox.py``): every row is
rewritten encrypted."""

from django.db import migrations

import florilege.lib.encrypted_field


def encrypt(apps, schema_editor):
    florilege.lib.encrypted_field.reencrypt(apps.get_model("federation", "LocalActor"))


def decrypt(apps, schema_editor):
    florilege.lib.encrypted_field.decrypt_in_place(apps.get_model("federation", "LocalActor"))


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0002_topic_references_to_topics'),
    ]

    operations = [
        migrations.AlterField(
            model_name='localactor',
            name='private_key_pem',
            field=florilege.lib.encrypted_field.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
