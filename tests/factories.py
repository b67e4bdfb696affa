from __future__ import annotations

import datetime as dt

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from norec_portal.models import Role, User
from partnerships.models import (
    ContactPerson,
    Participant,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Person,
    Phase,
)

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.ALUMNUS
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def add_totp(user: User) -> str:
    """Give ``user`` an authenticator app; return its secret (to compute codes)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def make_staff(*, with_totp: bool = True, **fields) -> User:
    user = UserFactory(role=Role.STAFF, **fields)
    if with_totp:
        user.totp_secret = add_totp(user)
    return user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    nationality = "KE"
    country = "KE"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    country = "KE"
    city = "Nairobi"
    kind = PartnerOrganisation.Kind.NGO


class PartnershipFactory(factory.django.DjangoModelFactory):
    """A partnership between two new organisations, by default with a signed agreement."""

    class Meta:
        model = Partnership
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Partnership {n}")
    phase = Phase.AGREEMENT_SIGNED
    feasibility_since = dt.date(2025, 1, 15)
    agreement_signed_on = factory.LazyAttribute(
        lambda p: dt.date(2025, 6, 1) if p.phase != Phase.FEASIBILITY else None
    )
    active_since = factory.LazyAttribute(
        lambda p: dt.date(2025, 9, 1) if p.phase == Phase.ACTIVE_EXCHANGE else None
    )
    closed_on = factory.LazyAttribute(
        lambda p: dt.date(2026, 6, 1) if p.phase == Phase.CLOSED else None
    )

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if not create:
            return
        organisations = extracted if extracted is not None else [
            OrganisationFactory(), OrganisationFactory(country="UG", city="Kampala")
        ]  # fmt: skip
        for index, organisation in enumerate(organisations):
            PartnershipMember.objects.create(
                partnership=self,
                organisation=organisation,
                role=PartnershipMember.Role.LEAD if index == 0 else PartnershipMember.Role.PARTNER,
            )


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = ContactPerson.Role.COORDINATOR


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A planned exchange between the first two members of a new partnership."""

    class Meta:
        model = Participant

    person = factory.SubFactory(PersonFactory)
    partnership = factory.SubFactory(PartnershipFactory)
    sending_organisation = factory.LazyAttribute(
        lambda p: p.partnership.members.order_by("pk")[0].organisation
    )
    host_organisation = factory.LazyAttribute(
        lambda p: p.partnership.members.order_by("pk")[1].organisation
    )
    exchange_start = dt.date(2027, 2, 1)
    exchange_end = dt.date(2027, 12, 15)


def make_coordinator(organisation: PartnerOrganisation, **user_fields) -> User:
    """A coordinator login tied to ``organisation`` through a contact person."""
    user = UserFactory(role=Role.COORDINATOR, **user_fields)
    first, _sep, last = (user.full_name or "Coordinator Person").partition(" ")
    person = PersonFactory(user=user, email=user.email, first_name=first, last_name=last or "X")
    ContactFactory(person=person, organisation=organisation)
    return user


__all__ = [
    "PASSWORD", "Authenticator", "ContactFactory", "OrganisationFactory", "ParticipantFactory",
    "PartnershipFactory", "PersonFactory", "UserFactory", "add_totp", "make_coordinator",
    "make_staff",
]  # fmt: skip
