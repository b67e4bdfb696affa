"""Builders for network tests: historical alumni (fast, in bulk) and members."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.utils import timezone

from network.consent import wording
from network.models import Activity, ConsentKind, Member, Newsletter
from network.services.members import Consents, record_consents
from norec_portal.models import User
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


def bulk_members(
    n: int,
    countries: Sequence[str] = ("KE",),
    *,
    prefix: str = "member",
    newsletter: bool = True,
    joined_at=None,
    languages: Sequence[str] = ("",),
) -> list[Member]:
    """``n`` members with logins, fast (bulk inserts): the newsletter audience of a test.

    Their consent is set on the member row directly, as a recorded answer would leave it.
    ``languages`` are given in turn (as ``countries`` are): "" is no choice (English).
    """
    now = timezone.now()
    users = [
        User(email=f"{prefix}{i}@example.org", full_name=f"First{i} {prefix.title()}{i:05d}",
             role="alumnus", password="!")
        for i in range(n)
    ]  # fmt: skip
    User.objects.bulk_create(users, batch_size=500)
    users = list(User.objects.filter(email__in=[u.email for u in users]).order_by("pk"))
    people = [
        Person(first_name=f"First{i}", last_name=f"{prefix.title()}{i:05d}",
               country=countries[i % len(countries)], email=user.email, user=user,
               preferred_language=languages[i % len(languages)])
        for i, user in enumerate(users)
    ]  # fmt: skip
    Person.objects.bulk_create(people, batch_size=500)
    people = list(Person.objects.filter(user__in=users).order_by("user_id"))
    version = wording(ConsentKind.NEWSLETTER).version
    Member.objects.bulk_create(
        [Member(person=p, joined_at=joined_at or now, newsletter_consent=newsletter,
                newsletter_consent_at=now, newsletter_consent_version=version)
         for p in people],
        batch_size=500,
    )  # fmt: skip
    return list(Member.objects.filter(person__in=people).select_related("person").order_by("pk"))


def wall(*args: int) -> dt.datetime:
    """A wall-clock time without a zone: an activity's times are entered in its own zone."""
    return dt.datetime(*args)  # noqa: DTZ001


def make_activity(*, publish: bool = True, **fields) -> Activity:
    """A physical meeting in Nairobi, a month from now, 2 hours long: published (without
    an announcement), or a draft with ``publish=False``."""
    from network.services.activities import ActivityData, create_activity, publish_activity

    start = (timezone.now() + dt.timedelta(days=30)).astimezone(ZoneInfo("Africa/Nairobi"))
    start = start.replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=None)
    data = {
        "title": "Alumni meeting in Nairobi", "kind": "physical", "starts": start,
        "ends": start + dt.timedelta(hours=2), "time_zone": "Africa/Nairobi",
        "place": "Norec hub, Westlands", "country": "KE", "capacity": None,
        "description": "Come and **meet** other alumni.",
    }  # fmt: skip
    data.update(fields)
    activity = create_activity(data=ActivityData(**data), by=None)
    if publish and activity.has_started():
        # A past activity (history for a test): published before it began.
        Activity.objects.filter(pk=activity.pk).update(
            status=Activity.Status.PLANNED, published_at=activity.created_at
        )
        activity.refresh_from_db()
    elif publish:
        publish_activity(activity=activity, by=None, audience=None)
        activity.refresh_from_db()
    return activity


FOUR_LANGUAGES = ("", "fr", "es", "pt")


def four_versions(subject: str = "News") -> tuple:
    """French, Spanish and Portuguese versions for ``make_newsletter(versions=...)``."""
    from network.services.versions import Version

    return (
        Version("fr", f"{subject} (FR)", "Bonjour à **tous**."),
        Version("es", f"{subject} (ES)", "Hola a **todos**."),
        Version("pt", f"{subject} (PT)", "Olá a **todos**."),
    )


def make_newsletter(subject: str = "News from the network", **fields) -> Newsletter:
    from network.services.newsletters import Draft, create_newsletter

    draft = Draft(subject=subject, body=fields.pop("body", "Hello **all**."), **fields)
    return create_newsletter(draft=draft, by=None)


__all__ = [
    "FOUR_LANGUAGES", "ConsentKind", "bulk_alumni", "bulk_members", "four_versions",
    "make_activity", "make_alumnus_record", "make_member", "make_newsletter", "wall",
]  # fmt: skip
