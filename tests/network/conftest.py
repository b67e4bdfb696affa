from __future__ import annotations

import pytest

from tests.network.factories import make_member


@pytest.fixture
def member(db):
    return make_member(email="member@example.org", newsletter=True, directory=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member.person.user)
    return client
