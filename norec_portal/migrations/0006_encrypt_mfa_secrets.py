"""Encrypt the authenticator secrets stored in clear before norec_portal/crypto.py."""

from django.db import migrations


def encrypt_secrets(apps, schema_editor):
    from norec_portal.crypto import seal_authenticators

    seal_authenticators(apps.get_model("mfa", "Authenticator"))


def decrypt_secrets(apps, schema_editor):
    from norec_portal.crypto import open_data

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.order_by("pk").iterator():
        Authenticator.objects.filter(pk=authenticator.pk).update(
            data=open_data(authenticator.data)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("norec_portal", "0005_audit_bulk_export"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
