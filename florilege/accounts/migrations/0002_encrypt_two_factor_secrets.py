"""Two-factor secrets encrypted at rest (``florilege/lib/secretbox.py``): the column
becomes text (a token is longer than the secret) and every row is rewritten encrypted."""

from django.db import migrations

import florilege.lib.encrypted_field


def encrypt(apps, schema_editor):
    florilege.lib.encrypted_field.reencrypt(apps.get_model("accounts", "TwoFactor"))


def decrypt(apps, schema_editor):
    florilege.lib.encrypted_field.decrypt_in_place(apps.get_model("accounts", "TwoFactor"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_invitation_two_factor_from_curation'),
    ]

    operations = [
        migrations.AlterField(
            model_name='twofactor',
            name='secret',
            field=florilege.lib.encrypted_field.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
