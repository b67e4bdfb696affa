"""The network's domain records are written by its services: the admin shows them, and
its changes never bypass a rule."""

from __future__ import annotations

import pytest
from django.contrib import admin

from network.models import HistoricalRecord, InvitationWave, MergeRecord, RawAddress

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [InvitationWave, HistoricalRecord])
def test_waves_and_historical_records_are_read_only_in_the_admin(rf, staff, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/admin/")
    request.user = staff
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)


def test_merges_and_addresses_as_written_are_not_in_the_admin():
    # They are decided on the staff pages (accept, set aside, undo), through the services.
    assert MergeRecord not in admin.site._registry
    assert RawAddress not in admin.site._registry
