"""The scale data set of DESIGN.md §4, written with ``bulk_create`` for speed.

The rows respect every database constraint and the rules of the services (phases in order
with their dates and history, exchanges between two members of a partnership that was open
for registration, one active exchange per person), so the portal behaves on them as on
real data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db.models import Model
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

from norec_portal.models import Role, User

from .. import services
from ..models import (
    ContactPerson,
    Participant,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Person,
    Phase,
    PhaseChange,
    Programme,
)
from .names import (
    COUNTRIES,
    EMAIL_DOMAINS,
    ORGANISATION_PATTERNS,
    SECTORS,
    ascii_fold,
    email_local,
    language_of,
    phone_number,
    pick_name,
    spelling_variant,
)

SCALE = {"organisations": 400, "partnerships": 150, "participants": 2500, "alumni": 12000}
BATCH = 2000
SCALE_ADVISERS = ["Kari Nordmann", "Ola Berg", "Ingrid Lunde", "Per Aasen", "Silje Moen",
                  "Håkon Strand", "Astrid Dahl", "Jon Bakken"]  # fmt: skip
# One full cycle of phases; short runs take the first ones, so any scale has all four.
PHASE_CYCLE = (
    "active signed closed feasibility active active closed signed active feasibility "
    "active closed active signed feasibility active active closed-early feasibility active"
).split()
STATUS_WEIGHTS = {Participant.Status.PLANNED: 30, Participant.Status.ON_EXCHANGE: 35,
                  Participant.Status.COMPLETED: 32, Participant.Status.WITHDRAWN: 3}  # fmt: skip


def weighted_cycle(weights: dict[str, int]) -> list[str]:
    """Keys spread evenly by weight (smooth weighted round robin): heavy ones come first."""
    current = dict.fromkeys(weights, 0)
    total = sum(weights.values())
    order = []
    for _step in range(total):
        for key, weight in weights.items():
            current[key] += weight
        chosen = max(current, key=lambda key: current[key])
        current[chosen] -= total
        order.append(chosen)
    return order


class Claims:
    """Values already used in the database or in this run, to keep unique ones unique."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = {value.lower() for value in taken}

    def claim(self, value: str, variants: Iterable[str]) -> str:
        for candidate in [value, *variants]:
            if candidate.lower() not in self.taken:
                self.taken.add(candidate.lower())
                return candidate
        raise RuntimeError(f"No free value for {value!r}")


def build_scale(rng: random.Random, scale: float) -> dict[str, int]:
    """The partnerships part of the scale data set; returns what it created, by label."""
    return ScaleBuilder(rng, scale).run()


class ScaleBuilder:
    """Builds every row in memory, in the order the foreign keys need, and writes each
    table with ``bulk_create``; unique values are checked against what the database holds,
    so the set can be added to a database that has data already."""

    def __init__(self, rng: random.Random, scale: float) -> None:
        self.rng = rng
        self.today = timezone.localdate()
        self.counts = {key: max(round(value * scale), 0) for key, value in SCALE.items()}
        if self.counts["partnerships"]:
            self.counts["organisations"] = max(self.counts["organisations"], 3)
        self.emails = Claims(Person.objects.exclude(email="").values_list("email", flat=True))
        self.source_ids = Claims(
            Participant.objects.exclude(source_id="").values_list("source_id", flat=True)
        )
        self.people: list[Person] = []
        self.legacy_number = 0

    def run(self) -> dict[str, int]:
        advisers = self.advisers()
        organisations = self.organisations()
        partnerships, members, history = self.partnerships(organisations, advisers)
        contacts = self.contacts(organisations)
        participants = self.participants(partnerships, members)
        alumni = self.alumni()
        bulk(Person, self.people)
        bulk(ContactPerson, contacts)
        bulk(Participant, [*participants, *alumni])
        return {
            "partner organisations": len(organisations),
            "partnerships": len(partnerships),
            "member organisations": len(members),
            "phase changes": len(history),
            "contact persons": len(contacts),
            "current participants": len(participants),
            "historical alumni": len(alumni),
            "people": len(self.people),
        }

    # -- helpers

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def person(
        self, country: str, *, domain: str, email_share: float = 1.0, **fields: Any
    ) -> Person:
        first, last, gender = pick_name(self.rng, country)
        return self.add_person(first, last, gender, country, domain=domain,
                               email_share=email_share, **fields)  # fmt: skip

    def add_person(
        self, first: str, last: str, gender: str, country: str, *, domain: str,
        email_share: float = 1.0, **fields: Any,
    ) -> Person:  # fmt: skip
        email = ""
        if self.rng.random() < email_share:
            local = email_local(first, last)
            email = self.emails.claim(
                f"{local}@{domain}",
                (f"{local}{self.rng.randint(2, 9999)}@{domain}" for _try in range(50)),
            )
        person = Person(first_name=first, last_name=last, gender=gender, email=email,
                        nationality=country, country=country,
                        preferred_language=language_of(country), **fields)  # fmt: skip
        self.people.append(person)
        return person

    # -- steps

    def advisers(self) -> list[User]:
        password = make_password(None)  # unusable: these advisers exist to own partnerships
        advisers = []
        for name in SCALE_ADVISERS:
            email = f"{email_local(*name.split())}@scale.norec.example"
            user, _created = User.objects.get_or_create(
                email=email, defaults={"full_name": name, "role": Role.STAFF, "password": password}
            )
            advisers.append(user)
        return advisers

    def organisations(self) -> list[PartnerOrganisation]:
        taken = PartnerOrganisation.objects.annotate(lower=Lower("name")).values_list(
            "lower", "country"
        )
        names = Claims(f"{name}|{country}" for name, country in taken)
        countries = weighted_cycle({code: spec[3] for code, spec in COUNTRIES.items()})
        kinds = [PartnerOrganisation.Kind.NGO] * 5 + [PartnerOrganisation.Kind.PUBLIC] * 4 + [
            PartnerOrganisation.Kind.COMPANY, PartnerOrganisation.Kind.OTHER
        ]  # fmt: skip
        organisations = []
        for index in range(self.counts["organisations"]):
            country = countries[index % len(countries)]
            cities = COUNTRIES[country][2]
            kind = self.rng.choice(kinds)
            for _try in range(200):
                city = self.rng.choice(cities)
                pattern = self.rng.choice(ORGANISATION_PATTERNS[kind])
                name = pattern.format(city=city, sector=self.rng.choice(SECTORS))
                if f"{name}|{country}".lower() not in names.taken:
                    break
            else:  # a country ran out of names
                name = f"{name} {index}"
            names.claim(f"{name}|{country}", [])
            organisations.append(
                PartnerOrganisation(
                    name=name,
                    country=country,
                    city=city,
                    kind=kind,
                    website=f"https://{slugify(ascii_fold(name))[:50]}.example"
                    if self.rng.random() < 0.7
                    else "",
                )  # fmt: skip
            )
        return organisations  # saved with the partnerships, once "active" is known

    def partnerships(
        self, organisations: list[PartnerOrganisation], advisers: list[User]
    ) -> tuple[list[Partnership], list[PartnershipMember], list[PhaseChange]]:
        norwegian = [o for o in organisations if o.country == "NO"]
        southern = [o for o in organisations if o.country != "NO"]
        taken = Claims(Partnership.objects.values_list("name", flat=True))
        pools = {"NO": Pool(norwegian, self.rng), "south": Pool(southern, self.rng)}
        partnerships, member_lists = [], []
        for index in range(self.counts["partnerships"] if len(southern) >= 2 else 0):
            north_south = bool(norwegian) and self.rng.random() < 0.3
            size = 3 if self.rng.random() < 0.3 else 2
            chosen = [pools["NO"].take([])] if north_south else []
            while len(chosen) < size and len(chosen) < len(southern) + (1 if north_south else 0):
                chosen.append(pools["south"].take(chosen))
            if north_south:
                programme = Programme.HEALTH if self.rng.random() < 0.2 else Programme.NORTH_SOUTH
            else:
                programme = self.rng.choices(
                    [Programme.SOUTH_SOUTH, Programme.YOUTH, Programme.HEALTH, Programme.OTHER],
                    [70, 15, 10, 5],
                )[0]
            sector = self.rng.choice(SECTORS)
            noun = self.rng.choice(["Exchange", "Partnership", "Knowledge Exchange", "Twinning"])
            base = f"{sector} {noun} {chosen[0].city}–{chosen[1].city}"
            name = taken.claim(base, (f"{base} {roman}" for roman in ("II", "III", "IV", "V")))
            partnership = Partnership(name=name, programme=programme,
                                      adviser=self.rng.choice(advisers))  # fmt: skip
            self.date_phases(partnership, PHASE_CYCLE[index % len(PHASE_CYCLE)])
            partnerships.append(partnership)
            member_lists.append(chosen)

        in_open_partnership = {
            id(o) for p, chosen in zip(partnerships, member_lists, strict=True)
            for o in chosen if p.phase != Phase.CLOSED
        }  # fmt: skip
        for organisation in organisations:
            # Some partners of finished partnerships are no longer active.
            organisation.active = id(organisation) in in_open_partnership or self.rng.random() > 0.3
        bulk(PartnerOrganisation, organisations)
        bulk(Partnership, partnerships)
        members, history = [], []
        for partnership, chosen in zip(partnerships, member_lists, strict=True):
            for position, organisation in enumerate(chosen):
                members.append(PartnershipMember(
                    partnership=partnership, organisation=organisation,
                    role=PartnershipMember.Role.LEAD if position == 0
                    else PartnershipMember.Role.PARTNER,
                ))  # fmt: skip
            history += self.history(partnership)
        bulk(PartnershipMember, members)
        bulk(PhaseChange, history)
        return partnerships, members, history

    def date_phases(self, partnership: Partnership, path: str) -> None:
        """Dates that follow each other and end before today, for the phase ``path``."""
        days = dt.timedelta
        if path == "feasibility":
            partnership.feasibility_since = self.days_ago(5, 500)
            return
        if path == "closed-early":  # given up during the feasibility study
            partnership.closed_on = self.days_ago(30, 1500)
            partnership.feasibility_since = partnership.closed_on - days(self.rng.randint(100, 500))
            partnership.phase = Phase.CLOSED
            return
        if path == "signed":
            partnership.agreement_signed_on = self.days_ago(10, 300)
            partnership.phase = Phase.AGREEMENT_SIGNED
        else:
            if path == "closed":
                partnership.closed_on = self.days_ago(30, 900)
                partnership.active_since = partnership.closed_on - days(self.rng.randint(400, 1500))
                partnership.phase = Phase.CLOSED
            else:
                partnership.active_since = self.days_ago(60, 1500)
                partnership.phase = Phase.ACTIVE_EXCHANGE
            partnership.agreement_signed_on = partnership.active_since - days(
                self.rng.randint(60, 300)
            )
        partnership.feasibility_since = partnership.agreement_signed_on - days(
            self.rng.randint(90, 400)
        )

    def history(self, partnership: Partnership) -> list[PhaseChange]:
        steps = [(Phase.FEASIBILITY, partnership.feasibility_since),
                 (Phase.AGREEMENT_SIGNED, partnership.agreement_signed_on),
                 (Phase.ACTIVE_EXCHANGE, partnership.active_since),
                 (Phase.CLOSED, partnership.closed_on)]  # fmt: skip
        changes, previous = [], ""
        for phase, day in steps:
            if day is None:
                continue
            at = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
            changes.append(PhaseChange(
                partnership=partnership, from_phase=previous, to_phase=phase, effective_on=day,
                changed_by=partnership.adviser,
                changed_at=at + dt.timedelta(minutes=self.rng.randint(0, 540)),
            ))  # fmt: skip
            previous = phase
        return changes

    def contacts(self, organisations: list[PartnerOrganisation]) -> list[ContactPerson]:
        """A coordinator for every organisation (the agreement needs one), some managers."""
        contacts = []
        for organisation in organisations:
            domain = f"{slugify(ascii_fold(organisation.name))[:40]}.example.org"
            roles = [ContactPerson.Role.COORDINATOR]
            if self.rng.random() < 0.3:
                roles.append(ContactPerson.Role.MANAGER)
            if self.rng.random() < 0.08:
                roles.append(ContactPerson.Role.OTHER)
            for role in roles:
                person = self.person(
                    organisation.country.code, domain=domain,
                    phone=phone_number(organisation.country.code, self.rng.randint(0, 9999)),
                )  # fmt: skip
                contacts.append(ContactPerson(person=person, organisation=organisation, role=role))
        return contacts

    def participants(
        self, partnerships: list[Partnership], members: list[PartnershipMember]
    ) -> list[Participant]:
        """Current exchanges over the last and the next two years, each through a member
        organisation of a partnership that was open for registration at the time."""
        by_partnership: dict[int, list[PartnerOrganisation]] = {}
        for member in members:
            by_partnership.setdefault(member.partnership_id, []).append(member.organisation)
        pools = {
            "planned": [p for p in partnerships if p.phase in services.REGISTRATION_PHASES],
            "on_exchange": [p for p in partnerships if p.phase == Phase.ACTIVE_EXCHANGE],
            "completed": [p for p in partnerships if p.active_since is not None],
        }
        pools["withdrawn"] = pools["planned"]
        statuses = self.rng.choices(
            list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()), k=self.counts["participants"]
        )
        participants = []
        for status in statuses:
            plan = self.exchange_dates(status, pools[status])
            if plan is None:  # no partnership fits: plan a future exchange instead
                status = Participant.Status.PLANNED
                plan = self.exchange_dates(status, pools[status])
            if plan is None:
                continue
            partnership, start, end = plan
            sending, host = self.rng.sample(by_partnership[partnership.pk], 2)
            elearning = None
            if status in ("on_exchange", "completed"):
                elearning = start - dt.timedelta(days=self.rng.randint(10, 90))
            elif status == "planned" and self.rng.random() < 0.4:
                elearning = self.days_ago(0, 60)
            person = self.person(
                sending.country.code, domain=self.rng.choice(EMAIL_DOMAINS),
                phone=phone_number(sending.country.code, self.rng.randint(0, 9999))
                if self.rng.random() < 0.5 else "",
                date_of_birth=start - dt.timedelta(days=self.rng.randint(23 * 365, 55 * 365)),
            )  # fmt: skip
            participants.append(Participant(
                person=person, partnership=partnership, sending_organisation=sending,
                host_organisation=host, exchange_start=start, exchange_end=end, status=status,
                elearning_completed_on=elearning,
            ))  # fmt: skip
        return participants

    def exchange_dates(
        self, status: str, pool: Sequence[Partnership]
    ) -> tuple[Partnership, dt.date, dt.date] | None:
        """A partnership and dates that fit ``status``; None when no partnership fits."""
        today, days = self.today, dt.timedelta
        for _try in range(20 if pool else 0):
            partnership = self.rng.choice(pool)
            length = days(self.rng.randint(180, 365))
            if status in ("planned", "withdrawn"):
                start = today + days(self.rng.randint(14, 700))
                return partnership, start, start + length
            opened = partnership.active_since
            if status == "on_exchange":
                low = max(opened, today - length + days(1))
                if low >= today:
                    continue
                start = low + days(self.rng.randint(0, (today - low).days - 1))
                return partnership, start, start + length
            # completed: ended in the last two years, while the partnership was running
            last_end = min(partnership.closed_on or today, today) - days(1)
            first_end = max(today - days(730), opened + length)
            if first_end > last_end:
                continue
            end = first_end + days(self.rng.randint(0, (last_end - first_end).days))
            return partnership, end - length, end
        return None

    def alumni(self) -> list[Participant]:
        """Former participants since 1963 as old registers hold them: a year and the name of
        the programme at the time; about 15% without email; some recorded twice, spelt
        differently."""
        years = list(range(1963, 2023))
        weights = [1 if year < 1980 else 2 if year < 2000 else 6 for year in years]
        southern = [code for code in COUNTRIES if code != "NO"]
        alumni: list[Participant] = []
        for _index in range(self.counts["alumni"]):
            if alumni and self.rng.random() < 0.03:
                alumni.append(self.duplicate(self.rng.choice(alumni)))
                continue
            year = self.rng.choices(years, weights)[0]
            norwegian = self.rng.random() < (0.7 if year < 2000 else 0.25)
            country = "NO" if norwegian else self.rng.choice(southern)
            born = None
            if self.rng.random() < 0.5:
                born = dt.date(year - self.rng.randint(22, 40), self.rng.randint(1, 12),
                               self.rng.randint(1, 28))  # fmt: skip
            person = self.person(country, domain=self.rng.choice(EMAIL_DOMAINS),
                                 email_share=0.85, date_of_birth=born)  # fmt: skip
            alumni.append(self.alumnus(person, year))
        return alumni

    def duplicate(self, original: Participant) -> Participant:
        first, last = original.person.first_name, original.person.last_name
        if self.rng.random() < 0.5:
            first = spelling_variant(first, self.rng)
        else:
            last = spelling_variant(last, self.rng)
        person = self.add_person(
            first, last, original.person.gender, original.person.country.code,
            domain=self.rng.choice(EMAIL_DOMAINS), email_share=0.6,
            date_of_birth=original.person.date_of_birth,
        )  # fmt: skip
        year = min(max(original.exchange_year + self.rng.randint(-1, 1), 1963), 2022)
        return self.alumnus(person, year)

    def alumnus(self, person: Person, year: int) -> Participant:
        if year < 2000:
            programme = "Fredskorpset" if self.rng.random() < 0.8 else "FK"
        elif year < 2018:
            programme = "FK" if self.rng.random() < 0.7 else "Fredskorpset"
        else:
            programme = "Norec" if self.rng.random() < 0.8 else "FK"
        self.legacy_number += 1
        base = f"LEGACY-{year}-{self.legacy_number:05d}"
        source_id = self.source_ids.claim(base, (f"{base}-{n}" for n in range(2, 50)))
        return Participant(person=person, status=Participant.Status.COMPLETED,
                           exchange_year=year, legacy_programme=programme,
                           source_id=source_id)  # fmt: skip


class Pool:
    """Hands out organisations in shuffled rounds, so most take part in a partnership."""

    def __init__(self, items: list[PartnerOrganisation], rng: random.Random) -> None:
        self.items, self.rng, self.queue = items, rng, []

    def take(self, exclude: list[PartnerOrganisation]) -> PartnerOrganisation:
        countries = {o.country.code for o in exclude}
        for attempt in range(len(self.items) * 2 + 2):
            if not self.queue:
                self.queue = self.rng.sample(self.items, len(self.items))
            candidate = self.queue.pop()
            if candidate in exclude:
                continue
            if candidate.country.code in countries and attempt < len(self.items):
                self.queue.insert(0, candidate)  # prefer partners from another country
                continue
            return candidate
        return next(o for o in self.items if o not in exclude)


def bulk(model: type[Model], objects: list[Model]) -> None:
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(objects[start : start + BATCH])
