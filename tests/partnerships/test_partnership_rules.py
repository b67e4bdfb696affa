"""The lead/partner rule and unique names, in services.create_partnership and the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from partnerships import services
from partnerships.models import Partnership, PartnershipMember
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

LEAD, PARTNER = PartnershipMember.Role.LEAD, PartnershipMember.Role.PARTNER


def create(name: str, organisations) -> Partnership:
    return services.create_partnership(
        name=name, programme="south_south", organisations=organisations, adviser=None, by=None
    )


@pytest.mark.parametrize(
    ("roles", "field"),
    [([], "lead"), ([PARTNER, PARTNER], "lead"), ([LEAD, LEAD], "lead"), ([LEAD], "partners")],
)
def test_members_need_one_lead_and_a_partner(roles, field):
    organisations = [(OrganisationFactory(), role) for role in roles]
    with pytest.raises(ValidationError) as refused:
        create("Rule Check", organisations)
    assert field in refused.value.message_dict
    assert not Partnership.objects.exists()


def test_an_organisation_is_a_member_once():
    lead = OrganisationFactory()
    with pytest.raises(ValidationError) as refused:
        create("Rule Check", [(lead, LEAD), (lead, PARTNER)])
    assert "already a member" in " ".join(refused.value.message_dict["partners"])


def test_a_name_differing_only_in_case_and_spacing_is_refused_in_words():
    create("Lake Health", [(OrganisationFactory(), LEAD), (OrganisationFactory(), PARTNER)])
    with pytest.raises(ValidationError) as refused:
        members = [(OrganisationFactory(), LEAD), (OrganisationFactory(), PARTNER)]
        create("  LAKE   health ", members)
    assert refused.value.message_dict["name"] == ["A partnership with this name already exists."]
    assert Partnership.objects.count() == 1


def test_the_database_refuses_a_name_differing_only_in_case():
    Partnership.objects.create(name="Lake Health")
    with pytest.raises(IntegrityError):
        Partnership.objects.create(name="LAKE HEALTH")
