"""Builders for network tests: historical alumni (fast, in bulk) and members."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from network.models import ConsentKind, Member
from network.services.members import Consents, record_consents
from partnerships.models import Participant, Person
from tests.factories import UserFactory


def make_alumnus_record(
    first_name: str = "Kari",
    last_name: str = "Nordmann",
    *,
    country: str = "KE",
    email: str = "",
    year: int = 2005,
    programme: str = "FK",
    phone: str = "",
) -> Person:
    """A historical former participant: a person with one completed, legacy exchange."""
    person = Person.objects.create(
        first_name=first_name, last_name=last_name, country=country, email=email, phone=phone
    )
    Participant.objects.create(
        person=person, status=Participant.Status.COMPLETED, exchange_year=year,
        legacy_programme=programme,
    )  # fmt: skip
    return person


def bulk_alumni(n: int, countries: Sequence[str], *, prefix: str = "alum") -> list[Person]:
    """``n`` former participants spread over ``countries``, each with an address."""
    people = [
        Person(first_name=f"First{i}", last_name=f"{prefix.title()}{i:05d}",
               country=countries[i % len(countries)], email=f"{prefix}{i}@example.org")
        for i in range(n)
    ]  # fmt: skip
    Person.objects.bulk_create(people, batch_size=500)
    Participant.objects.bulk_create(
        [Participant(person=p, status=Participant.Status.COMPLETED, exchange_year=1990 + i % 30,
                     legacy_programme="FK") for i, p in enumerate(people)],
        batch_size=500,
    )  # fmt: skip
    return people


def make_member(
    *,
    email: str | None = None,
    first_name: str = "Amina",
    last_name: str = "Juma",
    country: str = "KE",
    newsletter: bool = False,
    directory: bool = False,
    user=None,
    **fields,
) -> Member:
    """An alumnus login with a person record and a member profile (consents recorded)."""
    user = user or UserFactory(
        role="alumnus", full_name=f"{first_name} {last_name}",
        **({"email": email} if email else {}),
    )  # fmt: skip
    person = Person.objects.create(
        first_name=first_name, last_name=last_name, country=country, email=user.email, user=user
    )
    Participant.objects.create(person=person, status=Participant.Status.COMPLETED,
                               exchange_year=2010, legacy_programme="FK")  # fmt: skip
    member = Member.objects.create(person=person, joined_at=timezone.now(), **fields)
    record_consents(
        member=member, consents=Consents(directory=directory, newsletter=newsletter),
        via="join", by=user, always=True,
    )  # fmt: skip
    return member


__all__ = ["ConsentKind", "bulk_alumni", "make_alumnus_record", "make_member"]
