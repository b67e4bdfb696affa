"""The demo world of ``manage.py seed_demo``: built through the services, idempotent."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import slugify

from norec_portal.management.commands.seed_demo import ensure_user
from norec_portal.models import Role, User

from .. import services
from ..models import (
    ContactPerson,
    Participant,
    PartnerOrganisation,
    Partnership,
    Person,
    Phase,
    Programme,
)
from .names import email_local, language_of, phone_number, pick_name

# key: (name, country, city, kind)
DEMO_ORGANISATIONS: dict[str, tuple[str, str, str, str]] = {
    "ke": ("Lakeside Community Health Trust", "KE", "Kisumu", "ngo"),
    "ug": ("Kampala Institute of Primary Care", "UG", "Kampala", "public"),
    "tz": ("Mwanza Maternal Care Network", "TZ", "Mwanza", "ngo"),
    "np": ("Annapurna Smallholder Cooperative Federation", "NP", "Pokhara", "ngo"),
    "th": ("Chiang Mai Upland Forestry Centre", "TH", "Chiang Mai", "public"),
    "za": ("Highveld Solar Skills Academy", "ZA", "Johannesburg", "company"),
    "mw": ("Lilongwe Rural Energy Trust", "MW", "Lilongwe", "ngo"),
    "mz": ("Beira Technical Training Institute", "MZ", "Beira", "public"),
    "gt": ("Altiplano Water Users' Association", "GT", "Quetzaltenango", "ngo"),
    "bd": ("Khulna Delta Resilience Forum", "BD", "Khulna", "ngo"),
    "et": ("Bahir Dar Watershed Institute", "ET", "Bahir Dar", "public"),
    "no": ("Fjordkyst Climate Adaptation Office", "NO", "Bergen", "public"),
}

# Demo participants and alumni; the scale data set never uses this domain.
DEMO_DOMAIN = "demo.example.org"
COORDINATOR_A = "coordinator@partner-a.demo"
COORDINATOR_B = "coordinator@partner-b.demo"
ALUMNUS = "alumnus@network.demo"

# (organisation, role, first name, family name, gender, email); the two logins come first.
DEMO_CONTACTS = [
    ("ke", "coordinator", "Achieng", "Odhiambo", "female", COORDINATOR_A),
    ("np", "coordinator", "Sita", "Gurung", "female", COORDINATOR_B),
    ("ug", "coordinator", "Moses", "Ssempala", "male", "m.ssempala@kipc.example.org"),
    ("tz", "coordinator", "Rehema", "Kimaro", "female", "rehema.kimaro@mmcn.example.org"),
    ("th", "coordinator", "Anan", "Wongsa", "male", "anan.w@cmufc.example.org"),
    ("za", "coordinator", "Lerato", "Khumalo", "female", "lerato@highveld-solar.example.com"),
    ("mw", "coordinator", "Chisomo", "Gondwe", "male", "c.gondwe@lret.example.org"),
    ("mz", "coordinator", "Luisa", "Chissano", "female", "luisa.chissano@btti.example.org"),
    ("gt", "coordinator", "Wilmer", "Tzoc", "male", "wilmer.tzoc@altiplano.example.org"),
    ("bd", "coordinator", "Tahmina", "Rahman", "female", "tahmina@kdrf.example.org"),
    ("et", "coordinator", "Yared", "Negash", "male", "yared.negash@bdwi.example.org"),
    ("no", "coordinator", "Marte", "Rønning", "female", "marte.ronning@fjordkyst.example.org"),
    ("ke", "manager", "Daniel", "Wafula", "male", "daniel.wafula@lakeside.example.org"),
    ("np", "manager", "Hari", "Bhattarai", "male", "hari.bhattarai@ascf.example.org"),
    ("za", "manager", "Mthunzi", "Zulu", "male", "mthunzi@highveld-solar.example.com"),
    ("no", "manager", "Torbjørn", "Eide", "male", "torbjorn.eide@fjordkyst.example.org"),
    ("ug", "other", "Lilian", "Akello", "female", "l.akello@kipc.example.org"),
]


@dataclass(frozen=True)
class DemoPartnership:
    name: str
    programme: str
    adviser: str  # email of a demo staff user
    members: list[str]  # organisation keys; the first is the lead partner
    steps: list[tuple[str, int]]  # (phase reached, days from today); feasibility first
    participants: list[tuple[str, str, str, str, str, int, int, int | None]]
    # (first, last, gender, sending, host, start in days from today, months, e-learning days)


DEMO_PARTNERSHIPS = [
    DemoPartnership(
        "Lake Region Maternal Health Exchange", Programme.HEALTH, "staff@norec.demo",
        ["ke", "ug", "tz"],
        [(Phase.FEASIBILITY, -1000), (Phase.AGREEMENT_SIGNED, -820),
         (Phase.ACTIVE_EXCHANGE, -700)],
        [("Faith", "Wanjiru", "female", "ke", "ug", -150, 10, -190),
         ("Brian", "Kiprotich", "male", "ke", "tz", -90, 9, -120),
         ("Sarah", "Nakimuli", "female", "ug", "ke", -60, 8, -100),
         ("Joseph", "Mushi", "male", "tz", "ke", -560, 10, -600),
         ("Neema", "Massawe", "female", "tz", "ug", -480, 6, -500),
         ("Kevin", "Otieno", "male", "ke", "ug", 75, 10, None),
         ("Ruth", "Namutebi", "female", "ug", "tz", 75, 9, -10),
         ("Amani", "Mollel", "male", "tz", "ke", 120, 12, None)],
    ),
    DemoPartnership(
        "Mountain Farmers Knowledge Exchange", Programme.SOUTH_SOUTH, "new.adviser@norec.demo",
        ["np", "th"], [(Phase.FEASIBILITY, -400), (Phase.AGREEMENT_SIGNED, -45)],
        [("Sunita", "Tamang", "female", "np", "th", 75, 9, -5),
         ("Bikash", "Thapa", "male", "np", "th", 120, 10, None),
         ("Kanokwan", "Srisuk", "female", "th", "np", 75, 8, None),
         ("Somchai", "Boonmee", "male", "th", "np", 165, 6, None)],
    ),
    DemoPartnership(
        "Southern Africa Solar Skills Exchange", Programme.SOUTH_SOUTH, "staff@norec.demo",
        ["za", "mw", "mz"],
        [(Phase.FEASIBILITY, -1200), (Phase.AGREEMENT_SIGNED, -1000),
         (Phase.ACTIVE_EXCHANGE, -900)],
        [("Thandiwe", "Dlamini", "female", "za", "mw", -120, 10, -160),
         ("Sipho", "Mokoena", "male", "za", "mz", -40, 9, -70),
         ("Chikondi", "Banda", "female", "mw", "za", -200, 11, -230),
         ("Grace", "Phiri", "female", "mw", "mz", -600, 10, -640),
         ("Tiago", "Macuácua", "male", "mz", "za", -430, 8, -470),
         ("Lúcia", "Nhantumbo", "female", "mz", "mw", 60, 9, -3),
         ("Themba", "Nkosi", "male", "za", "mz", 150, 12, None),
         ("Kondwani", "Mwale", "male", "mw", "za", 90, 10, None)],
    ),
    DemoPartnership(
        "Highland Watershed Partnership", Programme.SOUTH_SOUTH, "new.adviser@norec.demo",
        ["gt", "et"], [(Phase.FEASIBILITY, -90)], [],
    ),
    DemoPartnership(
        "Delta and Fjord Climate Exchange", Programme.NORTH_SOUTH, "staff@norec.demo",
        ["no", "bd"],
        [(Phase.FEASIBILITY, -1800), (Phase.AGREEMENT_SIGNED, -1600),
         (Phase.ACTIVE_EXCHANGE, -1500), (Phase.CLOSED, -120)],
        [("Ingrid", "Haugen", "female", "no", "bd", -1400, 10, -1450),
         ("Rahim", "Chowdhury", "male", "bd", "no", -1350, 11, -1400),
         ("Nusrat", "Jahan", "female", "bd", "no", -1000, 9, -1030),
         ("Eirik", "Solheim", "male", "no", "bd", -800, 8, -850),
         ("Farhana", "Akter", "female", "bd", "no", -700, 12, -760)],
    ),
    DemoPartnership(
        "Young Water Stewards Exchange", Programme.YOUTH, "staff@norec.demo",
        ["et", "mw"], [(Phase.FEASIBILITY, -30)], [],
    ),
]  # fmt: skip

DEMO_ALUMNI = 40
DEMO_ALUMNI_COUNTRIES = ["NO", "NO", "NO", "KE", "UG", "TZ", "NP", "TH", "ZA", "MW", "MZ",
                         "BD", "ET", "GT"]  # fmt: skip


def build() -> list[tuple[str, str]]:
    """Create the demo world if it is not there yet; return the demo logins it offers."""
    today = timezone.localdate()
    advisers = {
        "staff@norec.demo": ensure_user("staff@norec.demo", "Siri Solberg", Role.STAFF),
        "new.adviser@norec.demo": ensure_user("new.adviser@norec.demo", "Nils Nygaard", Role.STAFF),
    }
    organisations = {key: _demo_organisation(*spec) for key, spec in DEMO_ORGANISATIONS.items()}
    coordinators: dict[str, User] = {}
    for org_key, role, first, last, gender, email in DEMO_CONTACTS:
        user = None
        if email in (COORDINATOR_A, COORDINATOR_B):
            user = ensure_user(email, f"{first} {last}", Role.COORDINATOR)
            coordinators[org_key] = user
        organisation = organisations[org_key]
        person = _demo_person(first, last, gender, email, organisation.country.code, user=user)
        ContactPerson.objects.get_or_create(person=person, organisation=organisation, role=role)

    for spec in DEMO_PARTNERSHIPS:
        if not Partnership.objects.filter(name=spec.name).exists():
            _build_partnership(spec, organisations, advisers[spec.adviser], coordinators, today)

    alumnus = ensure_user(ALUMNUS, "Grace Nakato", Role.ALUMNUS)
    _build_alumni(alumnus)
    return [
        ("Partner coordinator (Kenya)", COORDINATOR_A),
        ("Partner coordinator (Nepal)", COORDINATOR_B),
        ("Alumnus (Uganda, 2009)", ALUMNUS),
    ]


def _demo_organisation(name: str, country: str, city: str, kind: str) -> PartnerOrganisation:
    organisation, _created = PartnerOrganisation.objects.get_or_create(
        name=name,
        country=country,
        defaults={"city": city, "kind": kind, "website": f"https://{slugify(name)}.example"},
    )
    return organisation


def _demo_person(
    first: str, last: str, gender: str, email: str, country: str, *, user: User | None = None
) -> Person:
    person, _created = Person.objects.get_or_create(
        email=email,
        defaults={"first_name": first, "last_name": last, "gender": gender,
                  "nationality": country, "country": country,
                  "preferred_language": language_of(country)},
    )  # fmt: skip
    if user is not None and person.user_id is None:
        person.user = user
        person.save(update_fields=["user"])
    return person


def _build_partnership(
    spec: DemoPartnership,
    organisations: dict[str, PartnerOrganisation],
    adviser: User,
    coordinators: dict[str, User],
    today: dt.date,
) -> None:
    """Create one partnership, walk it through its phases and register its participants
    while registration is open (before it closes)."""
    (_feasibility, first_offset), *steps = spec.steps
    partnership = services.create_partnership(
        name=spec.name,
        programme=spec.programme,
        organisations=[(organisations[key], "lead" if index == 0 else "partner")
                       for index, key in enumerate(spec.members)],
        adviser=adviser,
        by=adviser,
        feasibility_since=today + dt.timedelta(days=first_offset),
    )  # fmt: skip
    registered = False
    for phase, offset in steps:
        if phase == Phase.CLOSED and not registered:
            _register_demo_participants(spec, partnership, organisations, coordinators, today)
            registered = True
        services.change_phase(
            partnership=partnership, to_phase=phase, by=adviser,
            effective_on=today + dt.timedelta(days=offset),
        )  # fmt: skip
    if not registered:
        _register_demo_participants(spec, partnership, organisations, coordinators, today)


def _register_demo_participants(
    spec: DemoPartnership,
    partnership: Partnership,
    organisations: dict[str, PartnerOrganisation],
    coordinators: dict[str, User],
    today: dt.date,
) -> None:
    partnership.refresh_from_db()
    for index, (first, last, gender, sending, host, start, months, elearning) in enumerate(
        spec.participants
    ):
        sending_org = organisations[sending]
        country = sending_org.country.code
        exchange_start = today + dt.timedelta(days=start)
        exchange_end = exchange_start + dt.timedelta(days=round(months * 30.4))
        participant = services.register_participant(
            sending=sending_org,
            person_data={
                "first_name": first, "last_name": last, "gender": gender,
                "email": f"{email_local(first, last)}@{DEMO_DOMAIN}",
                "phone": phone_number(country, 1000 + index * 137),
                "nationality": country, "country": country,
                "date_of_birth": dt.date(1984 + index % 13, 1 + index % 12, 1 + index * 3 % 28),
                "preferred_language": language_of(country),
            },
            plan=services.ExchangePlan(
                partnership=partnership,
                host_organisation=organisations[host],
                exchange_start=exchange_start,
                exchange_end=exchange_end,
                elearning_completed_on=(
                    today + dt.timedelta(days=elearning) if elearning is not None else None
                ),
            ),
            by=coordinators.get(sending) or partnership.adviser,
        )  # fmt: skip
        if exchange_end < today:
            status = Participant.Status.COMPLETED
        elif exchange_start <= today:
            status = Participant.Status.ON_EXCHANGE
        else:
            continue
        Participant.objects.filter(pk=participant.pk).update(status=status)


def _build_alumni(alumnus: User) -> None:
    """Forty former participants as the old registers hold them: a year, the programme's
    name at the time, often no email. The first is the demo alumnus login."""
    rng = random.Random("norec-demo-alumni")  # noqa: S311 - invented data, not security
    records = [("UG", "Grace", "Nakato", Person.Gender.FEMALE, 2009, ALUMNUS)]
    taken = {ALUMNUS}
    while len(records) < DEMO_ALUMNI:
        country = rng.choice(DEMO_ALUMNI_COUNTRIES)
        first, last, gender = pick_name(rng, country)
        year = rng.randint(1985, 2019)
        email = f"{email_local(first, last)}{year % 100:02d}@{DEMO_DOMAIN}"
        if rng.random() < 0.25 or email in taken:
            email = ""
        taken.add(email)
        records.append((country, first, last, gender, year, email))
    existing = set(
        Participant.objects.filter(source_id__startswith="DEMO-FK-").values_list(
            "source_id", flat=True
        )
    )
    for number, (country, first, last, gender, year, email) in enumerate(records, start=1):
        source_id = f"DEMO-FK-{number:03d}"
        if source_id in existing:
            continue
        person = Person.objects.create(
            first_name=first, last_name=last, gender=gender, email=email, nationality=country,
            country=country, user=alumnus if email == ALUMNUS else None,
        )  # fmt: skip
        Participant.objects.create(
            person=person, status=Participant.Status.COMPLETED, exchange_year=year,
            legacy_programme="Fredskorpset" if year < 2001 else "FK", source_id=source_id,
        )  # fmt: skip
