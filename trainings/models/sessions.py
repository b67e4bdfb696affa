"""Trainings: venues, training weeks with their parallel sessions, and enrolments.

Times are stored in UTC and shown in the venue's time zone (and in Norway's for online
weeks). A training week always starts on a Sunday: arrival Sunday morning, programme from
Sunday afternoon to the farewell party on Friday evening, departure on Saturday.

The module stays whole: it is the schema of the schedule — venues, weeks, sessions and
enrolments, their choices, their database constraints and the queryset methods that state
who may be put in a session — read top to bottom as one piece; the use-cases are in
``services`` and the pages' computations in ``planning``.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from norec_portal.zones import NORWAY, in_zone
from partnerships.models import ContactPerson, Participant, PartnerOrganisation, Partnership, Person

NORWAY_TIME_ZONE = str(NORWAY)

# The shape of a week in the venue's local time.
ARRIVAL_TIME = dt.time(8, 0)  # Sunday morning
PROGRAMME_START = dt.time(14, 0)  # Sunday afternoon
FAREWELL_PARTY = dt.time(19, 0)  # Friday evening
PROGRAMME_END = dt.time(22, 0)  # Friday, after the party
DEPARTURE_TIME = dt.time(10, 0)  # Saturday morning
DAY_START = dt.time(9, 0)
DAY_END = dt.time(17, 0)

# The most seats one session may have: a whole week hosts 60–120 people; beyond this a
# number is a typing slip, and more people are served by a second group.
MAX_SESSION_SEATS = 200


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone. Use a name such as Africa/Kampala."),
            params={"value": value},
        )


class Venue(models.Model):
    """Where a training week takes place. Bangkok, Johannesburg and Kampala are the usual
    ones (created by a data migration); staff may add others."""

    name = models.CharField(_("name"), max_length=100)
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))
    address = models.TextField(_("address"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, validators=[validate_time_zone],
        help_text=_("The IANA name of the venue's time zone, e.g. Africa/Kampala."),
    )  # fmt: skip
    practical_information = models.TextField(
        _("practical information for participants"), blank=True,
        help_text=_("Airport transfer, accommodation, visa hints: sent with each confirmation."),
    )  # fmt: skip
    # The same text in the portal's other languages ({"fr": "…", "pt": "…"}): staff write
    # it once per language; a reader whose language has none gets the English one.
    practical_information_translations = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(Lower("name"), name="venue_name_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def local_practical_information(self) -> str:
        """The practical information in the active language (an email is rendered in its
        recipient's), else in English."""
        language = (get_language() or "").split("-")[0]
        translated = (self.practical_information_translations or {}).get(language, "")
        return translated.strip() or self.practical_information

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


class RoomArrangement(models.TextChoices):
    SINGLE = "single", _("Single rooms")
    SHARED = "shared", _("Shared rooms (two people)")


class TrainingWeekQuerySet(models.QuerySet["TrainingWeek"]):
    def scheduled(self) -> TrainingWeekQuerySet:
        return self.filter(status=TrainingWeek.Status.SCHEDULED)


class TrainingWeek(models.Model):
    """One week at one venue in which Training 1, Training 2 and Partner training run in
    parallel. ``starts_on`` is the Sunday of arrival (a database constraint holds it)."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", _("At the venue")
        ONLINE = "online", _("Online")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, related_name="weeks", verbose_name=_("venue")
    )
    starts_on = models.DateField(_("week starts (Sunday)"))
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.IN_PERSON
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    notes = models.TextField(_("internal notes"), blank=True)
    # When the programme begins on the Sunday, in the venue's time: the afternoon at the
    # venue, the start of the daily block once the week runs online.
    programme_start = models.TimeField(_("programme starts at"), default=PROGRAMME_START)
    signup_call_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(max_length=500, blank=True)
    # Logistics: by when the travel details of everyone coming are due, and how the hotel
    # rooms the participants (the rooming list follows it).
    travel_details_due = models.DateField(_("travel details due"), null=True, blank=True)
    rooms = models.CharField(
        _("rooms"), max_length=10, choices=RoomArrangement.choices,
        default=RoomArrangement.SHARED,
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingWeekQuerySet.as_manager()

    class Meta:
        verbose_name = _("training week")
        verbose_name_plural = _("training weeks")
        ordering = ["starts_on", "venue__name", "pk"]
        constraints = [
            # ISO weekday 7 is Sunday.
            models.CheckConstraint(
                condition=Q(starts_on__iso_week_day=7), name="training_week_starts_on_sunday"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="training_week_cancelled_has_time",
            ),
            # One week per venue and Sunday (its parallel sessions share it).
            models.UniqueConstraint(
                fields=["venue", "starts_on"],
                condition=~Q(status="cancelled"),
                name="training_week_once_per_venue_and_sunday",
            ),
        ]
        indexes = [models.Index(fields=["starts_on"], name="training_week_start_idx")]

    def __str__(self) -> str:
        return f"{self.venue.name}, {date_format(self.starts_on, 'j M Y')}"

    # --- The shape of the week, in the venue's zone -------------------------------------

    def _local(self, offset_days: int, at: dt.time) -> dt.datetime:
        day = self.starts_on + dt.timedelta(days=offset_days)
        zone = self.venue.zone
        return in_zone(dt.datetime.combine(day, at, tzinfo=zone), zone)

    @property
    def ends_on(self) -> dt.date:
        """The Saturday of departure."""
        return self.starts_on + dt.timedelta(days=6)

    @property
    def arrival_at(self) -> dt.datetime:
        return self._local(0, ARRIVAL_TIME)

    @property
    def programme_starts_at(self) -> dt.datetime:
        return self._local(0, self.programme_start)

    @property
    def farewell_at(self) -> dt.datetime:
        return self._local(5, FAREWELL_PARTY)

    @property
    def departure_at(self) -> dt.datetime:
        return self._local(6, DEPARTURE_TIME)

    @property
    def is_online(self) -> bool:
        return self.format == self.Format.ONLINE

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED


class SessionKind(models.TextChoices):
    TRAINING_1 = "t1", _("Training 1")
    TRAINING_2 = "t2", _("Training 2")
    PARTNER = "partner", _("Partner training")
    INTRO_SEMINAR = "intro", _("Introductory seminar")


WEEK_KINDS = (SessionKind.TRAINING_1, SessionKind.TRAINING_2, SessionKind.PARTNER)
PARTICIPANT_KINDS = (SessionKind.TRAINING_1, SessionKind.TRAINING_2)


def window_days(kind: str) -> tuple[int, int]:
    """``(before, after)`` in days around the exchange date that anchors ``kind`` (the
    start for Training 1, the end for Training 2) within which its session must begin."""
    if kind == SessionKind.TRAINING_1:
        before, after = settings.TRAINING_1_WINDOW_DAYS
    else:
        before, after = settings.TRAINING_2_WINDOW_DAYS
    return int(before), int(after)


def exchange_window(kind: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day on which ``kind`` may begin for an exchange anchored on
    ``anchor``."""
    before, after = window_days(kind)
    return anchor - dt.timedelta(days=before), anchor + dt.timedelta(days=after)


CONTACT_KINDS = (SessionKind.PARTNER, SessionKind.INTRO_SEMINAR)


class EnrolmentState(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waitlist")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not attend")
    CANCELLED = "cancelled", _("Cancelled")


# States that hold a seat of the session's capacity.
SEAT_STATES = (
    EnrolmentState.NOMINATED,
    EnrolmentState.CONFIRMED,
    EnrolmentState.ATTENDED,
    EnrolmentState.NO_SHOW,
)
# States a person is still expected at the session in.
ACTIVE_STATES = (EnrolmentState.NOMINATED, EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED)

# Allowed moves between states; ``services`` enforces them and nothing else writes
# ``Enrolment.state``. Attendance may be corrected either way after the fact.
ENROLMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    EnrolmentState.NOMINATED: (EnrolmentState.CONFIRMED, EnrolmentState.CANCELLED),
    EnrolmentState.WAITLISTED: (
        EnrolmentState.NOMINATED,
        EnrolmentState.CONFIRMED,
        EnrolmentState.CANCELLED,
    ),
    EnrolmentState.CONFIRMED: (
        EnrolmentState.ATTENDED,
        EnrolmentState.NO_SHOW,
        EnrolmentState.CANCELLED,
    ),
    EnrolmentState.ATTENDED: (EnrolmentState.NO_SHOW,),
    EnrolmentState.NO_SHOW: (EnrolmentState.ATTENDED,),
    EnrolmentState.CANCELLED: (),
}


def seats_taken() -> Count:
    return Count("enrolments", filter=Q(enrolments__state__in=SEAT_STATES), distinct=True)


def waitlist_length() -> Count:
    return Count("enrolments", filter=Q(enrolments__state=EnrolmentState.WAITLISTED), distinct=True)


class TrainingSessionQuerySet(models.QuerySet["TrainingSession"]):
    def with_counts(self) -> TrainingSessionQuerySet:
        return self.annotate(taken=seats_taken(), waiting=waitlist_length())

    def scheduled(self) -> TrainingSessionQuerySet:
        return self.filter(status=TrainingSession.Status.SCHEDULED).exclude(
            week__status=TrainingWeek.Status.CANCELLED
        )

    def with_place(self) -> TrainingSessionQuerySet:
        return self.select_related("week__venue", "venue")


class TrainingSession(models.Model):
    """One of the parallel sessions of a week (Training 1, Training 2, Partner training),
    or an introductory seminar, which has three days of its own and no week.

    ``first_day`` and ``last_day`` span the dates the session occupies: the whole week
    (Sunday to Saturday) for a week's sessions, first to last day for a seminar. They are
    kept by the services and used to keep anyone from two overlapping sessions.
    """

    Kind = SessionKind

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices)
    week = models.ForeignKey(
        TrainingWeek, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions",
        verbose_name=_("training week"),
    )  # fmt: skip
    group = models.PositiveSmallIntegerField(_("group"), default=1)
    # Only for an introductory seminar, which has no week; blank when it runs online.
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="seminars",
        verbose_name=_("venue"),
    )  # fmt: skip
    online = models.BooleanField(_("online"), default=False)
    title = models.CharField(_("title"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("seats"))
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_sessions",
        verbose_name=_("facilitators"), limit_choices_to={"role": "staff"},
    )  # fmt: skip
    invited_partnerships = models.ManyToManyField(
        Partnership, through="SeminarInvitation", blank=True, related_name="+"
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TrainingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["first_day", "kind", "group", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SessionKind.values), name="session_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="intro", week__isnull=True)
                | Q(kind__in=["t1", "t2", "partner"], week__isnull=False, venue__isnull=True),
                name="session_week_matches_kind",
            ),  # fmt: skip
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_has_seats"),
            models.CheckConstraint(
                condition=Q(capacity__lte=MAX_SESSION_SEATS), name="session_seats_sensible"
            ),
            models.CheckConstraint(condition=Q(group__gte=1), name="session_group_positive"),
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")), name="session_days_ordered"
            ),
            models.UniqueConstraint(
                fields=["week", "kind", "group"],
                condition=Q(week__isnull=False),
                name="session_group_once_per_week",
            ),  # fmt: skip
        ]
        indexes = [models.Index(fields=["first_day", "last_day"], name="session_span_idx")]

    def __str__(self) -> str:
        return f"{self.name} — {self.place}, {date_format(self.first_day, 'j M Y')}"

    @property
    def name(self) -> str:
        # The kind's label from its enum (the database allows no other kind): pages list
        # many sessions, and ``get_kind_display`` rebuilds a dict of the choices each time.
        label = self.title or str(SessionKind(self.kind).label)
        if self.group > 1:
            label = f"{label} ({_('group')} {self.group})"
        return label

    @property
    def place_venue(self) -> Venue | None:
        return self.week.venue if self.week_id else self.venue

    @property
    def place(self) -> str:
        venue = self.place_venue
        if self.is_online:
            return f"{_('Online')} ({venue.name})" if venue else str(_("Online"))
        return venue.name if venue else "—"

    @property
    def time_zone(self) -> str:
        venue = self.place_venue
        return venue.time_zone if venue else NORWAY_TIME_ZONE

    @property
    def zone(self) -> ZoneInfo:
        venue = self.place_venue
        return venue.zone if venue else NORWAY

    @property
    def is_online(self) -> bool:
        return self.week.is_online if self.week_id else self.online

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED or bool(self.week_id and self.week.is_cancelled)

    @property
    def for_participants(self) -> bool:
        return self.kind in PARTICIPANT_KINDS

    def has_started(self, today: dt.date | None = None) -> bool:
        return self.first_day <= (today or timezone.localdate())

    def anchor_range(self) -> tuple[dt.date, dt.date]:
        """The exchange dates (start for Training 1, end for Training 2) whose window this
        session's first day falls in: the participants it fits, as a date range."""
        before, after = window_days(self.kind)
        return (
            self.first_day - dt.timedelta(days=after),
            self.first_day + dt.timedelta(days=before),
        )


def session_dates(session: TrainingSession) -> list[dt.date]:
    """The days ``session`` takes its people: a week's session the whole week, arrival to
    departure; a seminar each of its own days, in its venue's (or Norway's) calendar."""
    if session.week_id is not None:
        span = (session.last_day - session.first_day).days
        return [session.first_day + dt.timedelta(days=n) for n in range(span + 1)]
    zone = session.zone
    return sorted({in_zone(day.starts_at, zone).date() for day in session.days.all()})


class SessionDay(models.Model):
    """One day of a session, with its times (stored in UTC)."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="days")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("session day")
        verbose_name_plural = _("session days")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="session_day_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} UTC"


class SeminarInvitation(models.Model):
    """A partnership invited by staff to an introductory seminar."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="invitations"
    )
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="seminar_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("seminar invitation")
        verbose_name_plural = _("seminar invitations")
        ordering = ["partnership__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "partnership"], name="seminar_invitation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partnership} → {self.session}"


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def active(self) -> EnrolmentQuerySet:
        return self.filter(state__in=ACTIVE_STATES)

    def holding_seats(self) -> EnrolmentQuerySet:
        return self.filter(state__in=SEAT_STATES)

    def waitlist(self) -> EnrolmentQuerySet:
        return self.filter(state=EnrolmentState.WAITLISTED).order_by("waitlisted_at", "pk")

    def for_organisation(self, organisation: PartnerOrganisation) -> EnrolmentQuerySet:
        return self.filter(organisation=organisation)

    def taken(self) -> EnrolmentQuerySet:
        """Enrolments by which a person has a training or is on the way to it: attended,
        or a seat or place still held. A cancelled one never counted; after a no-show the
        training is taken again."""
        return self.exclude(state__in=(EnrolmentState.CANCELLED, EnrolmentState.NO_SHOW))

    def with_related(self) -> EnrolmentQuerySet:
        return self.select_related(
            "person", "organisation", "participant", "session__week__venue", "session__venue"
        )

    # --- What keeps a person out of a session --------------------------------------------
    # The one statement of these rules: ``check_enrolment`` names the first that applies,
    # the pickers leave out whoever one applies to.

    def bars(
        self, session: TrainingSession, *, participant: object = None
    ) -> list[tuple[str, EnrolmentQuerySet]]:
        """(rule, enrolments) for each rule that can keep a person out of ``session``, in
        the order ``check_enrolment`` reports them. Filter ``self`` by person first.
        ``participant`` (a Participant, a pk or an ``OuterRef``) is the exchange the
        session would count for; without it the once-per-exchange rule is left out."""
        live = self.exclude(state=EnrolmentState.CANCELLED)
        taken = self.taken()
        rules = [
            ("same_session", live.filter(session=session)),
            # Partner training is attended once in a lifetime; after a no-show it is
            # taken again.
            ("partner_once", taken.filter(kind=SessionKind.PARTNER))
            if session.kind == SessionKind.PARTNER
            else None,
            # Nobody is in two sessions at the same time: compared day by day (a
            # seminar's days need not follow each other), from the days each counting
            # enrolment occupies.
            ("overlap", live.filter(occupied_days__date__in=session_dates(session))),
            # One Training 1 and one Training 2 per exchange; after a no-show it may be
            # retaken.
            ("same_training", taken.filter(participant=participant, kind=session.kind))
            if participant is not None and session.kind in PARTICIPANT_KINDS
            else None,
            # Training 1 prepares the departure, Training 2 the return: for one exchange,
            # Training 2 begins only after Training 1 has ended.
            ("order", self._out_of_order(taken, session, participant))
            if participant is not None and session.kind in PARTICIPANT_KINDS
            else None,
        ]
        return [rule for rule in rules if rule is not None]

    @staticmethod
    def _out_of_order(
        taken: EnrolmentQuerySet, session: TrainingSession, participant: object
    ) -> EnrolmentQuerySet:
        """The exchange's other training that ``session`` would come on the wrong side
        of: a Training 1 not over before a Training 2 ``session`` begins, or a Training 2
        that begins before a Training 1 ``session`` is over. A missed Training 1 (no-show)
        is retaken, so it orders nothing."""
        mine = taken.filter(participant=participant)
        if session.kind == SessionKind.TRAINING_2:
            return mine.filter(kind="t1", session__last_day__gte=session.first_day)
        return mine.filter(kind="t2", session__first_day__lte=session.last_day)

    def barring(self, session: TrainingSession, *, participant: object = None) -> EnrolmentQuerySet:
        """The enrolments (of the person ``self`` is filtered to) that keep them out of
        ``session``: any of ``bars``."""
        found = self.none()
        for _rule, enrolments in self.bars(session, participant=participant):
            found = found | enrolments
        return found


class Enrolment(models.Model):
    """One person in one session.

    A participant's Training 1/2 goes through their Participant row; Partner training and
    the introductory seminar through a ContactPerson row. ``kind`` copies the session's
    kind so the database itself can hold "Partner training only once per person".
    """

    State = EnrolmentState

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="enrolments"
    )
    kind = models.CharField(max_length=10, choices=SessionKind.choices, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments"
    )
    contact = models.ForeignKey(
        ContactPerson, on_delete=models.PROTECT, null=True, blank=True,
        related_name="enrolments",
    )  # fmt: skip
    # The organisation that nominates (and is told): a participant's sending organisation
    # or the contact person's own organisation.
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="training_enrolments"
    )
    state = models.CharField(_("status"), max_length=12, choices=EnrolmentState.choices)
    # What a waitlisted enrolment becomes when a seat frees up.
    requested_state = models.CharField(
        max_length=12, choices=EnrolmentState.choices, default=EnrolmentState.NOMINATED
    )
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    cancellation_reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session", "person__last_name", "person__first_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=EnrolmentState.values), name="enrolment_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(requested_state__in=["nominated", "confirmed"]),
                name="enrolment_requested_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["t1", "t2"], participant__isnull=False, contact__isnull=True)
                | Q(kind__in=["partner", "intro"], contact__isnull=False, participant__isnull=True),
                name="enrolment_person_matches_kind",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=~Q(state="waitlisted") | Q(waitlisted_at__isnull=False),
                name="enrolment_waitlist_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_at__isnull=False),
                name="enrolment_cancelled_has_time",
            ),
            # Partner training is attended once in a lifetime (a no-show takes it again).
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(kind="partner") & ~Q(state__in=["cancelled", "no_show"]),
                name="partner_training_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=~Q(state="cancelled"),
                name="enrolment_once_per_session",
            ),
            # One Training 1 and one Training 2 per exchange (a no-show retakes it).
            models.UniqueConstraint(
                fields=["participant", "kind"],
                condition=Q(kind__in=["t1", "t2"]) & ~Q(state__in=["cancelled", "no_show"]),
                name="enrolment_one_training_per_exchange",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "state"], name="enrolment_session_state_idx"),
            models.Index(fields=["state", "waitlisted_at"], name="enrolment_waitlist_idx"),
            # Who holds a seat of a kind: the forecast reads it for every participant of
            # the year, from this index alone rather than from every enrolment.
            models.Index(
                fields=["kind", "participant"],
                condition=Q(state__in=SEAT_STATES),
                name="enrolment_seat_holder_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.session} ({self.get_state_display()})"

    @property
    def holds_seat(self) -> bool:
        return self.state in SEAT_STATES

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def elearning_missing(self) -> bool:
        """A Training 1 nominee who has not done the e-learning (shown as a flag)."""
        return bool(
            self.kind == SessionKind.TRAINING_1
            and self.participant_id
            and self.participant.elearning_completed_on is None
        )

    @property
    def can_have_letter(self) -> bool:
        return self.state in (EnrolmentState.CONFIRMED, EnrolmentState.ATTENDED)

    @property
    def can_have_certificate(self) -> bool:
        return self.state == EnrolmentState.ATTENDED


class OccupiedDay(models.Model):
    """A day a person is taken by one of their enrolments: the database's own statement
    of "nobody is in two sessions at the same time".

    The enrolment services write a row per day of the session when an enrolment starts
    to count (anything but cancelled) and delete them when it is cancelled, in the same
    transaction; the unique (person, date) pair then refuses a second session on any of
    those days, whoever writes it and however many workers race. A week's session takes
    its whole week (arrival Sunday to departure Saturday); a seminar only its own days,
    which need not follow each other.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="occupied_days")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="occupied_days")
    date = models.DateField()

    class Meta:
        verbose_name = _("occupied day")
        verbose_name_plural = _("occupied days")
        ordering = ["person", "date"]
        constraints = [
            models.UniqueConstraint(fields=["person", "date"], name="person_one_session_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.date:%Y-%m-%d}"


class DocumentBatch(models.Model):
    """A document rendered in the background (e.g. all certificates of a session)."""

    class Kind(models.TextChoices):
        CERTIFICATES = "certificates", _("Certificates of participation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="document_batches"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    enrolment_ids = models.JSONField(default=list)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    filename = models.CharField(max_length=200)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("document batch")
        verbose_name_plural = _("document batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(pdf__isnull=False), name="batch_done_has_pdf"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.session} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
