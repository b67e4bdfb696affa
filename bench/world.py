"""The people the benchmarks act as, and their logged-in sessions.

* ``staff``: a Norec staff login with a TOTP authenticator (staff pages require one).
* ``coordinator``: the coordinator of the organisation with the most current
  participants that can still register some (the heaviest coordinator pages).
* ``member``: an alumnus with a member profile shown in the directory.
* ``contact_link``: a visitor who opened a contact-details link (the token is kept in
  the session, as ``network.tokens.remember_token`` does).

A load generator cannot answer a TOTP prompt, so sessions are written straight into the
session store with the keys ``django.contrib.auth.login`` writes; the pages then see a
logged-in user exactly as after a real login.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from norec_portal.models import Role, User
from partnerships.models import ContactPerson, Participant, PartnershipMember, Person
from partnerships.services import REGISTRATION_PHASES

STAFF_EMAIL = "bench.staff@norec.bench"
MEMBER_EMAIL = "bench.member@norec.bench"
COORDINATOR_EMAIL = "bench.coordinator.{}@norec.bench"
GENERATED_DOMAIN = "@members.bench.example"
NETWORK_MEMBERS = 12_000
BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class World:
    staff: User
    coordinator: User | None = None
    organisation_id: int | None = None
    member: User | None = None
    contact_token: str | None = None
    # persona → why it could not be prepared (its pages are then "not available").
    problems: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def user(self, persona: str) -> User | None:
        return {"staff": self.staff, "coordinator": self.coordinator,
                "member": self.member}.get(persona)  # fmt: skip


def network_installed() -> bool:
    return apps.is_installed("network") and _has_model("network", "Member")


def _has_model(app_label: str, model: str) -> bool:
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True


# --- Personas -----------------------------------------------------------------------------


def make_staff() -> User:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user, _created = User.objects.get_or_create(
        email=STAFF_EMAIL, defaults={"full_name": "Bench Staff", "role": Role.STAFF}
    )
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def busiest_organisation_id() -> int | None:
    """The active organisation with the most current participants that has an active
    coordinator and a partnership open for registration."""
    open_members = set(
        PartnershipMember.objects.filter(partnership__phase__in=REGISTRATION_PHASES).values_list(
            "organisation_id", flat=True
        )
    )
    with_coordinator = set(
        ContactPerson.objects.filter(
            role=ContactPerson.Role.COORDINATOR, active=True, organisation__active=True
        ).values_list("organisation_id", flat=True)
    )
    ranked = (
        Participant.objects.current()
        .filter(sending_organisation__isnull=False)
        .values("sending_organisation")
        .annotate(n=Count("pk"))
        .order_by("-n", "sending_organisation")
    )
    for row in ranked:
        pk = row["sending_organisation"]
        if pk in open_members and pk in with_coordinator:
            return pk
    return None


def make_coordinator(organisation_id: int) -> User:
    contact = (
        ContactPerson.objects.select_related("person__user")
        .filter(organisation_id=organisation_id, role=ContactPerson.Role.COORDINATOR, active=True)
        .order_by("pk")
        .first()
    )
    person = contact.person
    if person.user is not None and person.user.role == Role.COORDINATOR:
        return person.user
    user = User.objects.filter(email=COORDINATOR_EMAIL.format(organisation_id)).first()
    if user is None:
        user = User.objects.create_user(
            COORDINATOR_EMAIL.format(organisation_id), None,
            full_name=person.full_name, role=Role.COORDINATOR,
        )  # fmt: skip
    person.user = user
    person.save(update_fields=["user"])
    return user


def make_member() -> User:
    """An alumnus who joined the network and is shown in the directory (the directory is
    open only to members who are in it themselves)."""
    from network.models import Language, Member
    from network.services import members
    from network.services.contact import ContactDetails

    user, _created = User.objects.get_or_create(
        email=MEMBER_EMAIL, defaults={"full_name": "Bench Member", "role": Role.ALUMNUS}
    )
    if Member.objects.filter(person__user=user).exists():
        return user
    with transaction.atomic():
        members.start_membership(
            user=user,
            details=ContactDetails(first_name="Bench", last_name="Member", country="KE",
                                   organisation="Kisumu County", position="Officer"),
            profile=members.Profile(languages=tuple(Language.objects.all()[:2]),
                                    expertise="public health", available_as_lecturer=True),
            consents=members.Consents(directory=True, newsletter=True),
        )  # fmt: skip
    return user


def make_contact_token() -> str:
    """A contact-details link for a former participant with an address (a member, as
    every such alumnus is one in the scale network)."""
    from network import tokens
    from network.models import AccessToken

    person = (
        Person.objects.filter(
            Exists(Participant.objects.filter(person=OuterRef("pk"), partnership__isnull=True))
        )
        .exclude(email="")
        .order_by("pk")
        .first()
    )
    if person is None:
        raise LookupError("no former participant with an email address")
    raw, _token = tokens.issue_token(
        purpose=AccessToken.Purpose.CONTACT_UPDATE, person=person, email=person.email,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )  # fmt: skip
    return raw


def top_up_members(*, target: int | None = None, seed: int = 1963) -> int:
    """Grow the network to ``target`` members (by default as many as there are alumni,
    at most ``NETWORK_MEMBERS``: 12,000 in the scale data set, and no more after the
    import benchmark has added its own alumni) when it has fewer.

    The scale data set of the partnerships and trainings apps creates alumni but no
    network members. Every alumnus with an address becomes a member; if that is fewer
    than ``target``, the rest are generated alumni (people without a participation
    record, as after the historical import). Each new member gets an alumnus login (no
    usable password), a profile, some languages and expertise, the newsletter (so that
    the mail benchmark writes to every member) and, for 60 %, a place in the directory,
    with time and wording version. Returns how many members were created.
    """
    from network.models import Member

    alumni = Person.objects.filter(
        Exists(Participant.objects.filter(person=OuterRef("pk"), partnership__isnull=True))
    )
    if target is None:
        target = min(alumni.count(), NETWORK_MEMBERS)
    missing = target - Member.objects.count()
    if missing <= 0:
        return 0
    rng = random.Random(f"{seed}:bench-members")  # noqa: S311 - test data
    people = list(alumni.filter(user__isnull=True).exclude(email="").order_by("pk")[:missing])
    with transaction.atomic():
        people += _generated_alumni(missing - len(people), rng)
        _make_members(people, rng)
    return len(people)


def _generated_alumni(count: int, rng: random.Random) -> list[Person]:
    if count <= 0:
        return []
    first = ["Amina", "Tendai", "Sokha", "Lwazi", "Nimal", "Achieng", "Thabo", "Mai", "Kofi"]
    last = ["Okello", "Dlamini", "Chanthavong", "Perera", "Mwangi", "Nguyen", "Banda", "Osei"]
    countries = ["KE", "UG", "TZ", "ZA", "TH", "KH", "VN", "NP", "ET", "MW"]
    first_number = Person.objects.filter(email__endswith=GENERATED_DOMAIN).count()
    return Person.objects.bulk_create(
        [
            Person(
                first_name=rng.choice(first),
                last_name=rng.choice(last),
                email=f"bench.alumnus.{n:05d}{GENERATED_DOMAIN}",
                country=rng.choice(countries),
            )
            for n in range(first_number, first_number + count)
        ],  # fmt: skip
        batch_size=1000,
    )


def _make_members(people: list[Person], rng: random.Random) -> None:
    from network.consent import wording
    from network.models import ConsentKind, ExpertiseTag, Language, Member

    now = timezone.now()
    directory_version = wording(ConsentKind.DIRECTORY).version
    newsletter_version = wording(ConsentKind.NEWSLETTER).version
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=p.email.lower(), full_name=p.full_name, role=Role.ALUMNUS, password=unusable)
         for p in people],
        batch_size=1000,
    )  # fmt: skip
    for person, user in zip(people, users, strict=True):
        person.user = user
    # Each person linked to the login with their address by one UPDATE per few thousand
    # people: bulk_update() would build and send a CASE branch per row, for the 120,000
    # members of the growth benchmark's scale-10 network.
    login = User.objects.filter(email=Lower(OuterRef("email"))).values("pk")[:1]
    for start in range(0, len(people), 5000):
        chunk = [person.pk for person in people[start : start + 5000]]
        Person.objects.filter(pk__in=chunk).update(user=Subquery(login))
    new_members = []
    for person in people:
        directory = rng.random() < 0.6
        new_members.append(Member(
            person=person, organisation=f"{person.last_name} & Partners", position="Adviser",
            available_as_lecturer=rng.random() < 0.2,
            available_as_interpreter=rng.random() < 0.1,
            available_as_resource_person=rng.random() < 0.3,
            directory_consent=directory,
            directory_consent_at=now if directory else None,
            directory_consent_version=directory_version if directory else "",
            newsletter_consent=True,
            newsletter_consent_at=now,
            newsletter_consent_version=newsletter_version,
            joined_at=now - dt.timedelta(days=rng.randint(0, 900)),
        ))  # fmt: skip
    new_members = Member.objects.bulk_create(new_members, batch_size=1000)
    languages = list(Language.objects.all())
    tags = [ExpertiseTag.objects.get_or_create(name=name)[0] for name in (
        "public health", "agriculture", "education", "journalism", "renewable energy",
        "finance", "water and sanitation", "law")]  # fmt: skip
    language_links, tag_links = [], []
    for member in new_members:
        for language in rng.sample(languages, min(len(languages), rng.randint(1, 3))):
            language_links.append(
                Member.languages.through(member_id=member.pk, language_id=language.pk)
            )
        for tag in rng.sample(tags, rng.randint(0, 2)):
            tag_links.append(Member.expertise.through(member_id=member.pk, expertisetag_id=tag.pk))
    Member.languages.through.objects.bulk_create(language_links, batch_size=2000)
    Member.expertise.through.objects.bulk_create(tag_links, batch_size=2000)


def prepare_world() -> World:
    """Every persona the page benchmarks need, on the data now in the database."""
    world = World(staff=make_staff())
    world.organisation_id = busiest_organisation_id()
    if world.organisation_id is None:
        world.problems["coordinator"] = "no organisation with a coordinator and participants"
    else:
        world.coordinator = make_coordinator(world.organisation_id)
    if not network_installed():
        world.problems["member"] = world.problems["contact_link"] = "the network app is missing"
        return world
    try:
        created = top_up_members()
        if created:
            world.notes.append(
                f"The scale data set holds no network members: the bench made {created:,} "
                "members (every alumnus with an address, then generated alumni), with "
                "logins, languages, expertise, the newsletter and, for 60 %, the directory."
            )
        world.member = make_member()
    except Exception as exc:  # reported as "not available", with the reason
        world.problems["member"] = f"{type(exc).__name__}: {exc}"
    try:
        world.contact_token = make_contact_token()
    except Exception as exc:
        world.problems["contact_link"] = f"{type(exc).__name__}: {exc}"
    return world


# --- Sessions -----------------------------------------------------------------------------


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def make_session(world: World, persona: str) -> str:
    """A new session key in which ``persona`` is logged in (or holds its link)."""
    store = _session_store()()
    user = world.user(persona)
    if user is not None:
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = BACKEND
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    elif persona == "contact_link" and world.contact_token:
        from network import tokens
        from network.models import AccessToken

        key = tokens.SESSION_KEY.format(purpose=AccessToken.Purpose.CONTACT_UPDATE)
        store[key] = world.contact_token
    else:
        raise LookupError(f"no persona {persona!r}: {world.problems.get(persona, '?')}")
    store.create()
    return store.session_key
