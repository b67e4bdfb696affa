"""Create demo accounts (and, from each app, a believable world) for trying the portal."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from norec_portal.models import Role, User

DEMO_PASSWORD = "norec-demo-2026"  # noqa: S105 - printed for the demo, refused in production
# A fixed TOTP secret so the demo staff account can be added to an authenticator app once.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPNORECDEMOSTAFF22"  # noqa: S105


def ensure_user(email: str, full_name: str, role: str, *, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "role": role, "is_superuser": superuser}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


class Command(BaseCommand):
    help = "Create demo accounts for each role and demo data. Refuses to run in production."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with a published password.")
        with transaction.atomic():
            staff = ensure_user("staff@norec.demo", "Siri Solberg", Role.STAFF, superuser=True)
            if not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(staff, DEMO_TOTP_SECRET)
            ensure_user("new.adviser@norec.demo", "Nils Nygaard", Role.STAFF)
            accounts = [("Norec staff (TOTP set up)", "staff@norec.demo"),
                        ("Norec staff (no TOTP yet)", "new.adviser@norec.demo")]  # fmt: skip
            for builder in self.world_builders():
                accounts += builder()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at " + settings.SITE_URL))
        self.stdout.write(f"  password for every demo account: {DEMO_PASSWORD}")
        for label, email in accounts:
            self.stdout.write(f"  {label:<34} {email}")
        self.stdout.write(
            f"  staff authenticator secret: {DEMO_TOTP_SECRET} (add it to an authenticator "
            "app, or print the current code: make totp)"
        )

    def world_builders(self) -> list[Any]:
        """Each app contributes its demo world through ``<app>.demo.build()``."""
        from importlib import import_module

        builders = []
        for app in ("partnerships", "trainings", "network"):
            try:
                module = import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            builders.append(module.build)
        return builders
