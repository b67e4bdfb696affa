from __future__ import annotations

import pytest

from norec_portal.models import Role
from tests.factories import UserFactory, add_totp


@pytest.fixture
def superuser(db):
    """A superuser with an authenticator app (the MFA middleware lets them in)."""
    user = UserFactory(email="root@norec.no", full_name="Sara Superuser", role=Role.STAFF,
                       is_superuser=True)  # fmt: skip
    add_totp(user)
    return user
