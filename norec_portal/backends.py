from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

# The apps Norec staff administer in the Django admin. User accounts, their login
# addresses (allauth's ``account``), authenticators (``mfa``) and groups stay with
# superusers: whoever can change a login's address can reset its password.
STAFF_APP_LABELS = frozenset({"norec_portal", "partnerships", "trainings", "network"})
SUPERUSER_ONLY = frozenset({"norec_portal.add_user", "norec_portal.change_user",
                            "norec_portal.delete_user"})  # fmt: skip


class RolePermissionBackend(BaseBackend):
    """Norec staff hold the permissions of their role; nobody else holds any."""

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not (user_obj.is_active and user_obj.is_staff):
            return False
        return perm.split(".", 1)[0] in STAFF_APP_LABELS and perm not in SUPERUSER_ONLY

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return bool(user_obj.is_active and user_obj.is_staff and app_label in STAFF_APP_LABELS)
