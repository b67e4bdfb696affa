"""One small world for the URL matrix: seven personas and an object of each kind a URL
can point at, with the objects of organisation A owned by coordinator A.

Built once per test module inside an outer transaction that is rolled back at the end
(see :func:`world_fixture`); each request of the matrix runs in its own savepoint that is
rolled back too, so no request sees another's changes.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from network import imports, tokens
from network.models import (
    Activity,
    BadAddress,
    DuplicateCandidate,
    Invitation,
    InvitationRequest,
    MergeRecord,
    Newsletter,
    NewsletterLink,
    RawAddress,
    ResourceRequest,
)
from network.services import waves
from network.services.requests import RequestData, submit_invitation_request
from norec_portal.models import Role, User
from norec_portal.outbox import queue_email
from partnerships import imports as participant_imports
from partnerships.models import ContactPerson, HeldRegistration
from tests.factories import (
    OrganisationFactory,
    ParticipantFactory,
    PartnershipFactory,
    UserFactory,
    add_totp,
    make_coordinator,
    make_staff,
)
from tests.network.factories import make_alumnus_record, make_member
from tests.trainings import factories as tf
from trainings import services as training_services
from trainings.models import DocumentBatch, SessionKind, SessionMessage

PERSONAS = ("anonymous", "alumnus", "coordinator_a", "coordinator_b", "staff_without_mfa",
            "staff", "superuser")  # fmt: skip


def next_sunday(after_days: int) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=after_days)
    return day + dt.timedelta(days=(6 - day.weekday()) % 7)


@dataclass
class World:
    users: dict[str, User | None] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def make_superuser() -> User:
    user = UserFactory(email="root@norec.no", full_name="Sara Superuser", role=Role.STAFF,
                       is_superuser=True)  # fmt: skip
    user.totp_secret = add_totp(user)
    return user


def build_world() -> World:
    w = World()
    partnership = PartnershipFactory(name="Matrix Partnership")
    org_a, org_b = (m.organisation for m in partnership.members.order_by("pk"))
    member = make_member(email="member@example.org", first_name="Mara", last_name="Member",
                         directory=True, newsletter=True)  # fmt: skip
    w.users = {
        "anonymous": None,
        "alumnus": member.person.user,
        "coordinator_a": make_coordinator(
            org_a, email="coord.a@example.org", full_name="Achieng Otieno"
        ),  # fmt: skip
        "coordinator_b": make_coordinator(
            org_b, email="coord.b@example.org", full_name="Brian Okello"
        ),  # fmt: skip
        "staff_without_mfa": make_staff(email="newstaff@norec.no", with_totp=False),
        "staff": make_staff(email="staff@norec.no", full_name="Siri Staff"),
        "superuser": make_superuser(),
    }
    o = w.objects
    o.update(partnership=partnership, org_a=org_a, org_b=org_b, member=member)
    o["contact_a"] = ContactPerson.objects.get(person__user=w.users["coordinator_a"])

    # Trainings: a week eight weeks ahead; a participant of A confirmed for Training 1.
    sunday = next_sunday(56)
    week = tf.make_week(starts_on=sunday)
    t1 = week.sessions.get(kind=SessionKind.TRAINING_1, group=1)
    start = sunday + dt.timedelta(days=14)
    # Sent by A to a third organisation C: coordinator B has nothing to do with it.
    partnership_ac = PartnershipFactory(
        name="Matrix A-C", members=[org_a, OrganisationFactory(name="Org C", country="TZ")]
    )
    participant_a = ParticipantFactory(
        partnership=partnership_ac, exchange_start=start,
        exchange_end=start + dt.timedelta(days=300),
        elearning_completed_on=timezone.localdate() - dt.timedelta(days=3),
    )  # fmt: skip
    enrolment_a = training_services.enrol(session=t1, person=participant_a.person, by=None,
                                          confirm=True)  # fmt: skip
    tf.visa_travel(enrolment_a)  # the visa letter can be issued
    o.update(week=week, t1=t1, participant_a=participant_a, enrolment_a=enrolment_a,
             person_a=participant_a.person, venue=week.venue)  # fmt: skip
    first = sunday + dt.timedelta(days=21)
    o["seminar"] = training_services.create_intro_seminar(
        title="Introduction", capacity=20, venue=week.venue, online=False, by=None,
        days=[training_services.SeminarDay(date=first + dt.timedelta(days=i),
                                           starts=dt.time(9), ends=dt.time(16))
              for i in range(3)],
    )  # fmt: skip
    o["batch"] = DocumentBatch.objects.create(
        session=t1, kind=DocumentBatch.Kind.CERTIFICATES, status=DocumentBatch.Status.DONE,
        pdf=b"%PDF-1.4 matrix", filename="certificates.pdf", enrolment_ids=[enrolment_a.pk],
        finished_at=timezone.now(),
    )  # fmt: skip
    o["session_message"] = SessionMessage.objects.create(
        session=t1, subject="Bus times", body="The bus leaves at 08:00.",
        sent_by=w.users["staff"], recipient_count=1,
    )  # fmt: skip
    # A file as coordinators send them: a long name, a row with problems, a row to import.
    o["import_a"] = participant_imports.create_import(
        organisation=org_a, by=w.users["coordinator_a"],
        filename="Lakeside_Community_Health_Trust_participants_2027_final_v3.csv",
        data=(
            "First name,Last name,Email,Partnership,Host organisation,Exchange starts,"
            "Exchange ends,Date of birth\n"
            f"Wanjiru,Kamau,wanjiru.kamau@example.org,{partnership.name},{org_b.name},"
            "2031-02-01,2031-10-31,3/1/1990\n"
            "Otieno,Ochieng,otieno@@example,Another Partnership,Nowhere Trust,"
            "31/02/2031,2031-01-01,1/13/1990\n"
        ).encode(),
    )  # fmt: skip

    o["held_a"] = HeldRegistration.objects.create(
        organisation=org_a, person=participant_a.person, reported_by=w.users["coordinator_a"],
        via=HeldRegistration.Via.FORM,
    )  # fmt: skip

    # Network: a former participant, a wave with an invitation, a request, an import and a
    # possible duplicate pair.
    alum_record = make_alumnus_record("Kato", "Former", email="kato@example.org", country="UG")
    twin = make_alumnus_record("Kato", "Formerr", email="", country="UG")
    wave = waves.create_wave(
        name="Uganda", countries=["UG"], daily_cap=5, starts_on=timezone.localdate(),
        reminder_after_days=3, expires_after_days=30, by=None,
    )  # fmt: skip
    submit_invitation_request(data=RequestData(
        first_name="Rita", last_name="Request", email="rita@example.org", country="KE",
        exchange_year=2001,
    ))  # fmt: skip
    low, high = sorted((alum_record.pk, twin.pk))
    o.update(
        alum_record=alum_record,
        wave=wave,
        invitation=Invitation.objects.get(person=alum_record),
        invitation_request=InvitationRequest.objects.get(email="rita@example.org"),
        historical_import=imports.create_preview(
            file=io.BytesIO(b"Name;Country;Year;Email\nOld Timer;Kenya;1990;old@example.org\n"),
            filename="FK_Fredskorpset_register_1963-1999_typed_from_paper_cards.csv",
            by=None,
        ),  # fmt: skip
        duplicate=DuplicateCandidate.objects.create(
            person_a_id=low, person_b_id=high, label_a="a", label_b="b", score=80
        ),  # fmt: skip
    )
    add_programme(w)
    return w


def add_programme(w: World) -> None:
    """Newsletters, activities and unreachable addresses (network/programme.py)."""
    staff = w.users["staff"]
    starts = timezone.now() + dt.timedelta(days=20)
    w.objects["activity"] = Activity.objects.create(
        title="Meeting", kind="physical", place="Nairobi", country="KE", starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2), created_by=staff, status="planned",
        published_at=timezone.now(),
    )  # fmt: skip
    w.objects["newsletter"] = Newsletter.objects.create(subject="Draft", body="Hello",
                                                        created_by=staff)  # fmt: skip
    w.objects["sent_newsletter"] = Newsletter.objects.create(
        subject="March", body="Hello", created_by=staff, status="sent",
        started_at=timezone.now(), finished_at=timezone.now(),
    )  # fmt: skip
    w.objects["newsletter_link"] = NewsletterLink.objects.create(
        newsletter=w.sent_newsletter, url="https://norec.no/news"
    )
    w.objects["bad_address"] = BadAddress.objects.create(email="gone@example.org",
                                                         source=BadAddress.Source.SMTP)  # fmt: skip
    # A merge record that was already undone: undoing again is refused, never a 500.
    w.objects["merge_record"] = MergeRecord.objects.create(
        candidate=w.duplicate, kept=w.alum_record, removed_pk=10**9, undone_at=timezone.now(),
    )  # fmt: skip
    w.objects["raw_address"] = RawAddress.objects.create(
        person=w.member.person, raw="old.address@gmial.com", status="suspicious",
        suggestion="old.address@gmail.com",
    )  # fmt: skip
    w.objects["unsubscribe_token"] = tokens.unsubscribe_token(w.member.pk)
    # The alumnus asked to serve in Training 1 (an open request, theirs to answer).
    w.objects["resource_request"] = ResourceRequest.objects.create(
        session=w.t1, member=w.member, role="lecturer", requested_by=staff
    )
    # A message in the outbox (the demo mailbox shows it).
    w.objects["outbox_email"] = queue_email(key="matrix:mail", to="member@example.org",
                                            subject="Hello", text="Hello")  # fmt: skip


def world_fixture(django_db_setup: Any, django_db_blocker: Any):
    """Generator for a module-scoped fixture: the world, rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


__all__ = ["PERSONAS", "World", "build_world", "world_fixture"]
