"""Demo world of Norec Network (called by ``seed_demo``; safe to run again)."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.utils import timezone

from norec_portal.models import Role, User
from partnerships.models import Participant, Person

from .models import (
    Activity,
    DuplicateCandidate,
    InvitationRequest,
    InvitationWave,
    Language,
    Member,
    Newsletter,
)
from .services import activities, members, newsletters, waves
from .services.contact import ContactDetails
from .services.duplicates import REASON_SIMILAR, propose_pairs

# (first name, last name, country, year, programme, email)
ALUMNI = [
    ("Achieng", "Odhiambo", "KE", 1998, "FK", "achieng.odhiambo@example.org"),
    ("Baraka", "Mwangi", "KE", 2004, "Fredskorpset", "baraka.mwangi@example.org"),
    ("Wanjiru", "Kamau", "KE", 2011, "FK Norway", "wanjiru.kamau@example.org"),
    ("Otieno", "Ouma", "KE", 2016, "Norec", ""),
    ("Nakato", "Ssempala", "UG", 2001, "FK", "nakato.ssempala@example.org"),
    ("Okello", "Opio", "UG", 2009, "FK Norway", "okello.opio@example.org"),
    ("Aber", "Akello", "UG", 2018, "Norec", "aber.akello@example.org"),
    ("Rehema", "Mushi", "TZ", 1987, "Fredskorpset", "rehema.mushi@example.org"),
    ("Juma", "Mrisho", "TZ", 2013, "FK Norway", "juma.mrisho@example.org"),
    ("Sita", "Gurung", "NP", 2007, "FK Norway", "sita.gurung@example.org"),
    ("Ram", "Shrestha", "NP", 2019, "Norec", "ram.shrestha@example.org"),
    ("Mohammed", "Hassan", "TZ", 1995, "FK", "m.hassan@example.org"),
    # The same man, typed again under another spelling (for the merge queue).
    ("Mohamed", "Hasan", "TZ", 1995, "FK", ""),
]
MEMBER_EMAIL = "alumna@norec.demo"


def _historical_person(index: int, first: str, last: str, country: str, year: int,
                       programme: str, email: str) -> Person:  # fmt: skip
    source_id = f"demo-alumni-{index}"
    participant = Participant.objects.select_related("person").filter(source_id=source_id).first()
    if participant is not None:
        return participant.person
    person = Person.objects.create(first_name=first, last_name=last, country=country,
                                   nationality=country, email=email)  # fmt: skip
    Participant.objects.create(person=person, status=Participant.Status.COMPLETED,
                               exchange_year=year, legacy_programme=programme,
                               source_id=source_id)  # fmt: skip
    return person


def _demo_member() -> None:
    user, created = User.objects.get_or_create(
        email=MEMBER_EMAIL, defaults={"full_name": "Amani Njeri", "role": Role.ALUMNUS}
    )
    if created:
        from norec_portal.management.commands.seed_demo import DEMO_PASSWORD

        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.get_or_create(user=user, email=MEMBER_EMAIL,
                                       defaults={"verified": True, "primary": True})  # fmt: skip
    if Member.objects.filter(person__user=user).exists():
        return
    person = Person.objects.filter(user=user).first() or Person.objects.create(
        first_name="Amani", last_name="Njeri", email=MEMBER_EMAIL, country="KE", user=user
    )
    Participant.objects.get_or_create(
        source_id="demo-alumni-member",
        defaults={"person": person, "status": Participant.Status.COMPLETED,
                  "exchange_year": 2015, "legacy_programme": "FK Norway"},
    )  # fmt: skip
    members.start_membership(
        user=user,
        details=ContactDetails(
            first_name="Amani", last_name="Njeri", country="KE", phone="+254712345678",
            organisation="Kisumu County Health Department", position="Nutrition officer",
        ),
        profile=members.Profile(
            languages=tuple(Language.objects.filter(code__in=["en", "sw"])),
            expertise="public health, nutrition, community mobilisation",
            linkedin_url="https://www.linkedin.com/in/amani-njeri-demo",
            available_as_lecturer=True, available_as_resource_person=True,
        ),
        consents=members.Consents(directory=True, newsletter=True),
    )  # fmt: skip


def build() -> list[tuple[str, str]]:
    people = [_historical_person(i, *row) for i, row in enumerate(ALUMNI)]
    _demo_member()
    hassan, hasan = people[-2], people[-1]
    if not DuplicateCandidate.objects.filter(person_a=min(hassan, hasan, key=lambda p: p.pk),
                                             person_b=max(hassan, hasan, key=lambda p: p.pk)
                                             ).exists():  # fmt: skip
        propose_pairs([(hassan, hasan, [REASON_SIMILAR], 70)])
    if not InvitationWave.objects.filter(name=WAVE_NAME).exists():
        _wave_in_progress(User.objects.filter(email="staff@norec.demo").first())
    InvitationRequest.objects.get_or_create(
        email="sita.g.nepal@example.org",
        status=InvitationRequest.Status.PENDING,
        defaults={"first_name": "Sita", "last_name": "Gurung", "country": "NP",
                  "exchange_year": 2007,
                  "message": "I moved and use a new address; I was in Bergen in 2007."},
    )  # fmt: skip
    _programme(User.objects.filter(email="staff@norec.demo").first())
    return [("Network member (alumna)", MEMBER_EMAIL)]


WAVE_NAME = "East Africa (demo)"


def _wave_in_progress(staff: User | None) -> None:
    """A wave that began yesterday: yesterday's batch is out, today's is due (beat sends
    it within a minute of ``make demo`` starting, or staff send it from the wave page).
    Yesterday is history, so the first day is written back directly, as the service
    accepts no first day in the past."""
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    wave = waves.create_wave(
        name=WAVE_NAME, countries=["KE", "UG"], daily_cap=3, starts_on=today,
        reminder_after_days=14, expires_after_days=60, by=staff,
    )  # fmt: skip
    InvitationWave.objects.filter(pk=wave.pk).update(starts_on=yesterday)
    waves.release_wave_batch(wave_id=wave.pk, today=yesterday)
    sent_at = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(10)))
    wave.invitations.filter(released_on=yesterday).update(
        sent_at=sent_at, expires_at=sent_at + dt.timedelta(days=wave.expires_after_days)
    )


def _programme(staff: User | None) -> None:
    """This month's newsletter (sent) and two coming activities, one with a seat taken, so
    the dashboard and the members' pages have something to show."""
    today = timezone.localdate()
    first_next = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    plans = [
        activities.ActivityData(
            title="Webinar: bringing the exchange home", kind=Activity.Kind.WEBINAR,
            starts=dt.datetime.combine(first_next + dt.timedelta(days=9), dt.time(14)),
            ends=dt.datetime.combine(first_next + dt.timedelta(days=9), dt.time(15, 30)),
            time_zone="Africa/Nairobi", online_url="https://meet.example.org/norec-network",
            description="Former participants share how they used their exchange at work.",
        ),
        activities.ActivityData(
            title="Network meeting in Nairobi", kind=Activity.Kind.PHYSICAL,
            starts=dt.datetime.combine(first_next + dt.timedelta(days=40), dt.time(10)),
            ends=dt.datetime.combine(first_next + dt.timedelta(days=40), dt.time(16)),
            time_zone="Africa/Nairobi", place="Nairobi, Kenya", country="KE", capacity=30,
            description="A day of workshops on mentoring, with lunch.",
        ),
    ]  # fmt: skip
    for plan in plans:
        if not Activity.objects.filter(title=plan.title).exists():
            activity = activities.create_activity(data=plan, by=staff)
            activities.publish_activity(activity=activity, by=staff, audience=None)
            if activity.capacity:
                # Seats taken: the demo member has one.
                for member in Member.objects.filter(person__email=MEMBER_EMAIL):
                    activities.rsvp(activity=activity, member=member)
    subject = f"Norec Network news, {today:%B %Y}"
    if not Newsletter.objects.filter(subject=subject).exists():
        letter = newsletters.create_newsletter(
            draft=newsletters.Draft(
                subject=subject,
                body="## Welcome to new members\n\nThis month **40 former participants** "
                "joined. Next month: a webinar on bringing the exchange home.",
            ),
            by=staff,
        )
        newsletters.start_sending(newsletter=letter, by=staff)
