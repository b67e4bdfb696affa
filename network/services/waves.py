"""Invitation waves: choose countries, preview, release a daily batch, follow up.

Flow of one invitation::

    create_wave()          one QUEUED row per eligible person (a DB constraint: one
                           invitation per person, ever)
    release_wave_batch()   beat, per wave and day (or staff, "send today's batch now":
                           release_todays_batch): lock the wave, claim at most
                           ``daily_cap - released today`` QUEUED rows (SKIP LOCKED),
                           issue their links, queue the emails → SENT
    follow_up_invitations() beat: outbox FAILED → BOUNCED · one reminder after N days ·
                           past the expiry → EXPIRED
    join_network()         the link is used → ACCEPTED

The module stays whole at about 600 lines: every step above moves the same
invitation rows through their states, and the claim, the cap and the follow-up are
easier to check against each other in one place.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_countries.fields import Country

from norec_portal.audit import Action, record_audit
from norec_portal.emails import make_email_spec
from norec_portal.models import OutboxEmail, User
from norec_portal.outbox import queue_emails
from partnerships.models import Participant, Person

from .. import tokens
from ..models import (
    WAVE_TRANSITIONS,
    AccessToken,
    ContactChange,
    Invitation,
    InvitationWave,
    Member,
    open_duplicate_exists,
)
from .bounces import sync_delivery_failures
from .common import absolute_url, clean_email, email_taken, record_change

State = Invitation.State
WaveStatus = InvitationWave.Status

MAX_DAILY_CAP = 5000


# --- Who can be invited ----------------------------------------------------------------


def former_participants(countries: Iterable[str]) -> QuerySet[Person]:
    """People living in ``countries`` with at least one completed exchange."""
    completed = Participant.objects.filter(
        person=OuterRef("pk"), status=Participant.Status.COMPLETED
    )
    return Person.objects.filter(Exists(completed), country__in=list(countries))


def _classified(countries: Iterable[str]) -> QuerySet[Person]:
    return former_participants(countries).annotate(
        is_member=Exists(Member.objects.filter(person=OuterRef("pk"))),
        is_invited=Exists(Invitation.objects.live().filter(person=OuterRef("pk"))),
        in_review=open_duplicate_exists(),
    )


# The categories of the preview, each excluding the ones before it.
_MEMBER = Q(is_member=True)
_INVITED = Q(is_member=False, is_invited=True)
_NO_EMAIL = Q(is_member=False, is_invited=False, email="")
_IN_REVIEW = Q(is_member=False, is_invited=False, in_review=True) & ~Q(email="")
_ELIGIBLE = Q(is_member=False, is_invited=False, in_review=False) & ~Q(email="")


def eligible_people(countries: Iterable[str]) -> QuerySet[Person]:
    """Former participants of ``countries`` to invite now: an address, not a member, never
    invited, and not waiting for a duplicate review (two records could mean two mails)."""
    return _classified(countries).filter(_ELIGIBLE)


@dataclass
class CountryPreview:
    country: str
    name: str = ""
    eligible: int = 0
    without_email: int = 0
    already_invited: int = 0
    already_members: int = 0
    in_duplicate_review: int = 0

    @property
    def total(self) -> int:
        return (self.eligible + self.without_email + self.already_invited
                + self.already_members + self.in_duplicate_review)  # fmt: skip


@dataclass
class WavePreview:
    countries: list[CountryPreview]
    totals: CountryPreview = field(default_factory=lambda: CountryPreview(country=""))

    def days_needed(self, daily_cap: int) -> int:
        return math.ceil(self.totals.eligible / daily_cap) if daily_cap else 0


def preview_wave(*, countries: Sequence[str]) -> WavePreview:
    """How many people of each country a new wave would invite, and why others not."""
    rows = {
        row["country"]: row
        for row in _classified(countries)
        .values("country")
        .annotate(
            eligible=Count("pk", filter=_ELIGIBLE),
            without_email=Count("pk", filter=_NO_EMAIL),
            already_invited=Count("pk", filter=_INVITED),
            already_members=Count("pk", filter=_MEMBER),
            in_duplicate_review=Count("pk", filter=_IN_REVIEW),
        )
        .order_by("country")
    }
    preview = WavePreview(countries=[])
    for code in countries:
        row = rows.get(code, {})
        line = CountryPreview(
            country=code,
            name=str(Country(code).name),
            eligible=row.get("eligible", 0),
            without_email=row.get("without_email", 0),
            already_invited=row.get("already_invited", 0),
            already_members=row.get("already_members", 0),
            in_duplicate_review=row.get("in_duplicate_review", 0),
        )
        preview.countries.append(line)
        for name in ("eligible", "without_email", "already_invited", "already_members",
                     "in_duplicate_review"):  # fmt: skip
            setattr(preview.totals, name, getattr(preview.totals, name) + getattr(line, name))
    return preview


# --- Creating and steering a wave ------------------------------------------------------


def check_wave(
    *,
    countries: Sequence[str] | None,
    daily_cap: int | None,
    starts_on: dt.date | None,
    reminder_after_days: int | None,
    expires_after_days: int | None,
) -> dict[str, str]:
    """Every problem with a wave's settings, by field. A value given as None (a form
    field that could not be read) is not checked: the form says what is wrong with it."""
    errors: dict[str, str] = {}
    if countries is not None and not countries:
        errors["countries"] = _("Choose at least one country.")
    if daily_cap is not None and not 1 <= daily_cap <= MAX_DAILY_CAP:
        errors["daily_cap"] = _("Choose between 1 and %(max)d invitations a day.") % {
            "max": MAX_DAILY_CAP
        }
    if starts_on is not None and starts_on < timezone.localdate():
        errors["starts_on"] = _("The first day cannot be in the past.")
    if expires_after_days is None:
        pass
    elif expires_after_days < 1:
        errors["expires_after_days"] = _("An invitation must be valid for at least one day.")
    elif reminder_after_days is not None and reminder_after_days >= expires_after_days:
        errors["reminder_after_days"] = _(
            "The reminder must go out before the invitation expires (after %(days)d days)."
        ) % {"days": expires_after_days}
    return errors


@transaction.atomic
def create_wave(
    *,
    name: str,
    countries: Sequence[str],
    daily_cap: int,
    starts_on: dt.date,
    reminder_after_days: int,
    expires_after_days: int,
    by: User | None,
) -> InvitationWave:
    """Create the wave and queue one invitation per eligible person (none is sent now)."""
    errors = check_wave(
        countries=countries, daily_cap=daily_cap, starts_on=starts_on,
        reminder_after_days=reminder_after_days, expires_after_days=expires_after_days,
    )  # fmt: skip
    if errors:
        raise ValidationError(errors)
    wave = InvitationWave.objects.create(
        name=" ".join(name.split())[:150],
        countries=list(countries),
        daily_cap=daily_cap,
        starts_on=starts_on,
        reminder_after_days=reminder_after_days,
        expires_after_days=expires_after_days,
        created_by=by,
    )
    people = list(
        eligible_people(countries)
        .order_by("country", "last_name", "first_name", "pk")
        .values_list("pk", "email")
    )
    if not people:
        raise ValidationError(_("Nobody in these countries can be invited now."))
    record_audit(by=by, action=Action.CREATE, obj=wave, summary=f"{len(people)} people")
    # ignore_conflicts: someone invited by another wave a moment ago stays with that wave.
    Invitation.objects.bulk_create(
        [Invitation(person_id=pk, wave=wave, email=email) for pk, email in people],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return wave


@transaction.atomic
def change_wave_status(*, wave: InvitationWave, to_status: str, by: User | None) -> InvitationWave:
    """Pause, resume or cancel. Cancelling frees the people not invited yet."""
    wave = InvitationWave.objects.select_for_update().get(pk=wave.pk)
    if to_status not in WAVE_TRANSITIONS[wave.status]:
        raise ValidationError(
            _("A wave that is “%(status)s” cannot be changed that way.")
            % {"status": wave.get_status_display()}
        )
    wave.status = to_status
    wave.status_changed_at = timezone.now()
    wave.save(update_fields=["status", "status_changed_at"])
    record_audit(by=by, action=Action.STATUS, obj=wave, changes=["status"], summary=to_status)
    if to_status == WaveStatus.CANCELLED:
        wave.invitations.filter(state=State.QUEUED).update(state=State.CANCELLED)
    return wave


# --- Releasing the daily batch ---------------------------------------------------------


def _link_context(invitation: Invitation, raw: str) -> dict[str, object]:
    return {
        "person": invitation.person,
        "invitation": invitation,
        "url": absolute_url("network:join_link", raw),
        "request_url": absolute_url("network:request_invitation"),
    }


def _send(invitations: Sequence[Invitation], *, key_suffix: str, template: str) -> dict[int, int]:
    """Issue a link per invitation and queue its email; return invitation → outbox id.

    Each invitation must have ``person`` loaded and ``expires_at`` set.
    """
    token_rows: list[AccessToken] = []
    specs = []
    keys: dict[str, int] = {}
    for invitation in invitations:
        raw, row = tokens.build_token(
            purpose=AccessToken.Purpose.INVITATION, person_id=invitation.person_id,
            email=invitation.email, expires_at=invitation.expires_at,
            invitation_id=invitation.pk,
        )  # fmt: skip
        token_rows.append(row)
        key = f"invitation:{invitation.pk}{key_suffix.format(i=invitation)}"
        keys[key] = invitation.pk
        specs.append(
            make_email_spec(
                key=key,
                to=invitation.email,
                name=template,
                context=_link_context(invitation, raw),
                language=invitation.person.preferred_language or None,
            )  # fmt: skip
        )
    AccessToken.objects.bulk_create(token_rows, batch_size=500)
    queue_emails(specs)
    return {
        keys[key]: pk
        for key, pk in OutboxEmail.objects.filter(idempotency_key__in=list(keys)).values_list(
            "idempotency_key", "pk"
        )
    }


def _first_send_key(invitation: Invitation) -> str:
    return "" if invitation.send_count <= 1 else f":send:{invitation.send_count}"


@transaction.atomic
def release_wave_batch(*, wave_id: int, today: dt.date | None = None) -> int:
    """Send today's share of one wave; return how many invitations went out.

    Runs under a lock on the wave row, so two beat runs cannot both fill the same day;
    what is released on ``today`` is counted in the database, so running it again the
    same day sends only what is left of the cap.
    """
    today = today or timezone.localdate()
    wave = InvitationWave.objects.select_for_update().filter(pk=wave_id).first()
    if wave is None or wave.status != WaveStatus.ACTIVE or wave.starts_on > today:
        return 0
    room = wave.daily_cap - wave.invitations.filter(released_on=today).count()
    if room <= 0:
        return 0
    # Someone who became a member meanwhile (e.g. after asking for an invitation) is
    # not invited again.
    wave.invitations.filter(state=State.QUEUED).filter(
        Exists(Member.objects.filter(person=OuterRef("person_id")))
    ).update(state=State.CANCELLED)
    claimed = list(
        wave.invitations.filter(state=State.QUEUED)
        .order_by("pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:room]
    )
    if not claimed:
        if not wave.invitations.filter(state=State.QUEUED).exists():
            wave.status = WaveStatus.COMPLETED
            wave.status_changed_at = timezone.now()
            wave.save(update_fields=["status", "status_changed_at"])
        return 0
    now = timezone.now()
    invitations = list(Invitation.objects.filter(pk__in=claimed).select_related("person"))
    for invitation in invitations:
        invitation.state = State.SENT
        invitation.released_on = today
        invitation.sent_at = now
        invitation.expires_at = now + timedelta(days=wave.expires_after_days)
        invitation.send_count += 1
    outbox_ids = _send(invitations, key_suffix="", template="network_invitation")
    for invitation in invitations:
        invitation.last_email_id = outbox_ids.get(invitation.pk)
    Invitation.objects.bulk_update(
        invitations,
        ["state", "released_on", "sent_at", "expires_at", "send_count", "last_email"],
        batch_size=500,
    )
    if not wave.invitations.filter(state=State.QUEUED).exists():
        wave.status = WaveStatus.COMPLETED
        wave.status_changed_at = now
        wave.save(update_fields=["status", "status_changed_at"])
    return len(invitations)


def todays_batch_refusal(*, wave: InvitationWave, today: dt.date | None = None) -> str:
    """Why today's batch of ``wave`` cannot go out now (empty when it can)."""
    today = today or timezone.localdate()
    if wave.status != WaveStatus.ACTIVE:
        return _("Only a running wave sends invitations.")
    if wave.starts_on > today:
        return _("This wave's first batch goes out on %(day)s.") % {
            "day": formats.date_format(wave.starts_on, "DATE_FORMAT")
        }
    if not wave.invitations.filter(state=State.QUEUED).exists():
        return _("Everyone in this wave has been invited.")
    if wave.invitations.filter(released_on=today).count() >= wave.daily_cap:
        return _("Today's batch has been sent; the next one goes out tomorrow.")
    return ""


@transaction.atomic
def release_todays_batch(
    *, wave: InvitationWave, by: User | None, today: dt.date | None = None
) -> int:
    """Staff: send what is left of today's batch now rather than at beat's next run.

    The same release as beat's (:func:`release_wave_batch`), so the daily cap holds: what
    went out today, by either, is counted in the database under the wave's lock.
    """
    today = today or timezone.localdate()
    wave = InvitationWave.objects.select_for_update().get(pk=wave.pk)
    refusal = todays_batch_refusal(wave=wave, today=today)
    if refusal:
        raise ValidationError(refusal)
    sent = release_wave_batch(wave_id=wave.pk, today=today)
    record_audit(by=by, action=Action.STATUS, obj=wave, summary=f"today's batch sent: {sent}")
    return sent


def release_invitation_batches(*, today: dt.date | None = None) -> dict[int, int]:
    """Beat: release the day's batch of every running wave (one transaction per wave)."""
    today = today or timezone.localdate()
    wave_ids = list(
        InvitationWave.objects.filter(status=WaveStatus.ACTIVE, starts_on__lte=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {pk: release_wave_batch(wave_id=pk, today=today) for pk in wave_ids}


# --- Following up ----------------------------------------------------------------------


def sync_invitation_outcomes(*, wave: InvitationWave | None = None) -> int:
    """An invitation whose last email ended FAILED in the outbox has bounced (and its
    address is marked bad, with every other failed address: see ``bounces``)."""
    return sync_delivery_failures(wave=wave).invitations_bounced


def expire_invitations(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return Invitation.objects.filter(state=State.SENT, expires_at__lte=now).update(
        state=State.EXPIRED
    )


@transaction.atomic
def send_due_reminders(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """One reminder, N days after sending, to invitations of running or finished waves
    that are still open (a paused wave sends nothing: it is the team that is busy)."""
    now = now or timezone.now()
    sent = 0
    waves = InvitationWave.objects.filter(
        status__in=[WaveStatus.ACTIVE, WaveStatus.COMPLETED], reminder_after_days__gt=0
    )
    for wave in waves.order_by("pk"):
        if sent >= limit:
            break
        due_ids = list(
            wave.invitations.filter(
                state=State.SENT,
                reminded_at__isnull=True,
                sent_at__lte=now - timedelta(days=wave.reminder_after_days),
                expires_at__gt=now + timedelta(days=1),
            )
            .order_by("pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[: limit - sent]
        )
        if not due_ids:
            continue
        invitations = list(Invitation.objects.filter(pk__in=due_ids).select_related("person"))
        outbox_ids = _send(
            invitations, key_suffix=":reminder:{i.send_count}", template="network_reminder"
        )
        for invitation in invitations:
            invitation.reminded_at = now
            invitation.last_email_id = outbox_ids.get(invitation.pk)
        Invitation.objects.bulk_update(invitations, ["reminded_at", "last_email"])
        sent += len(invitations)
    return sent


def follow_up_invitations() -> dict[str, int]:
    """Beat: bounces from the outbox, reminders, expiry."""
    return {
        "bounced": sync_invitation_outcomes(),
        "reminded": send_due_reminders(),
        "expired": expire_invitations(),
    }


# --- One invitation --------------------------------------------------------------------


@transaction.atomic
def resend_invitation(
    *, invitation: Invitation, email: str, by: User | None, via: str = ContactChange.Via.STAFF
) -> Invitation:
    """Send the invitation now, to ``email`` (a corrected address or the same one).

    The earlier links stop working: a link is bound to the address it was sent to. The
    person's record takes the corrected address. Staff decide this, so it is outside the
    wave's daily cap.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",)).select_related("person", "wave")
        .get(pk=invitation.pk)
    )  # fmt: skip
    if invitation.state in (State.ACCEPTED, State.CANCELLED):
        raise ValidationError(
            _("This invitation is “%(state)s”; it cannot be sent again.")
            % {"state": invitation.get_state_display()}
        )
    email = clean_email(email)
    person = Person.objects.select_for_update().get(pk=invitation.person_id)
    if email != person.email:
        if email_taken(email, person=person):
            raise ValidationError(
                {"email": _("Another person record already uses %(email)s.") % {"email": email}}
            )
        record_change(person=person, field="email", old=person.email, new=email, via=via, by=by)
        person.email = email
        person.save(update_fields=["email", "updated_at"])
    invitation.person = person
    tokens.revoke_tokens(person=person, purpose=AccessToken.Purpose.INVITATION)
    now = timezone.now()
    wave = invitation.wave
    days = wave.expires_after_days if wave else settings.NETWORK_INVITATION_DAYS
    invitation.email = email
    invitation.state = State.SENT
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=days)
    invitation.bounced_at = None
    invitation.reminded_at = None
    invitation.send_count += 1
    outbox_ids = _send([invitation], key_suffix=_first_send_key(invitation),
                       template="network_invitation")  # fmt: skip
    invitation.last_email_id = outbox_ids.get(invitation.pk)
    invitation.save()
    record_audit(by=by, action=Action.STATUS, obj=invitation, summary="sent again",
                 changes=["email", "state", "sent_at", "expires_at"])  # fmt: skip
    return invitation


@transaction.atomic
def invite_person(*, person: Person, email: str, by: User | None, via: str) -> Invitation:
    """Invite one person outside any wave (an approved request), or re-send their
    existing invitation to ``email``: still one invitation per person."""
    if Member.objects.filter(person=person).exists():
        raise ValidationError(_("%(name)s is already a member.") % {"name": person.full_name})
    existing = Invitation.objects.live().filter(person=person).first()
    if existing is not None:
        return resend_invitation(invitation=existing, email=email, by=by, via=via)
    email = clean_email(email)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if email != person.email:
        if email_taken(email, person=person):
            raise ValidationError(
                {"email": _("Another person record already uses %(email)s.") % {"email": email}}
            )
        record_change(person=person, field="email", old=person.email, new=email, via=via, by=by)
        person.email = email
        person.save(update_fields=["email", "updated_at"])
    now = timezone.now()
    invitation = Invitation.objects.create(
        person=person, source=Invitation.Source.REQUEST, email=email, state=State.SENT,
        sent_at=now, expires_at=now + timedelta(days=settings.NETWORK_INVITATION_DAYS),
        send_count=1,
    )  # fmt: skip
    invitation.person = person
    outbox_ids = _send([invitation], key_suffix="", template="network_invitation")
    invitation.last_email_id = outbox_ids.get(invitation.pk)
    invitation.save(update_fields=["last_email"])
    record_audit(by=by, action=Action.CREATE, obj=invitation, summary=f"via {via}")
    return invitation


# --- Progress --------------------------------------------------------------------------


@dataclass
class WaveProgress:
    counts: dict[str, int]
    released_today: int
    daily_cap: int

    @property
    def total(self) -> int:
        return sum(n for state, n in self.counts.items() if state != State.CANCELLED)

    @property
    def queued(self) -> int:
        return self.counts.get(State.QUEUED, 0)

    @property
    def released(self) -> int:
        return self.total - self.queued

    @property
    def percent(self) -> int:
        return round(100 * self.released / self.total) if self.total else 100

    @property
    def todays_batch_left(self) -> int:
        """Invitations that may still go out today (the cap, less today's, at most the
        queue)."""
        return max(min(self.daily_cap - self.released_today, self.queued), 0)

    @property
    def days_left(self) -> int:
        return math.ceil(self.queued / self.daily_cap) if self.daily_cap else 0

    def rows(self) -> list[tuple[str, str, int]]:
        return [(state, label, self.counts.get(state, 0)) for state, label in State.choices]


def wave_progress(*, wave: InvitationWave, today: dt.date | None = None) -> WaveProgress:
    """Counts per state and today's releases, in one query."""
    today = today or timezone.localdate()
    aggregates = {state: Count("pk", filter=Q(state=state)) for state in State.values}
    aggregates["released_today"] = Count("pk", filter=Q(released_on=today))
    row = Invitation.objects.filter(wave=wave).aggregate(**aggregates)
    released_today = row.pop("released_today")
    return WaveProgress(counts=row, released_today=released_today, daily_cap=wave.daily_cap)


def annotate_wave_counts(waves: QuerySet[InvitationWave]) -> QuerySet[InvitationWave]:
    """Per-state invitation counts on a list of waves, for list pages."""
    return waves.annotate(
        n_total=Count("invitations", filter=~Q(invitations__state=State.CANCELLED)),
        n_queued=Count("invitations", filter=Q(invitations__state=State.QUEUED)),
        n_sent=Count("invitations", filter=Q(invitations__state=State.SENT)),
        n_accepted=Count("invitations", filter=Q(invitations__state=State.ACCEPTED)),
        n_bounced=Count("invitations", filter=Q(invitations__state=State.BOUNCED)),
        n_expired=Count("invitations", filter=Q(invitations__state=State.EXPIRED)),
    ).annotate(n_released=F("n_total") - F("n_queued"))
