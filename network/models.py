"""Norec Network: member profiles and consent, invitation waves and invitations, signed
access links, contact-detail history, invitation requests, the historical import and the
duplicate (merge) queue.

Historical alumni are ``partnerships.Person`` + ``partnerships.Participant`` rows (status
completed, no partnership); the network adds to them, it never redefines them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from norec_portal.models import AppendOnlyModel, OutboxEmail
from partnerships.models import Participant, Person

# --- Profile vocabulary ----------------------------------------------------------------


class Language(models.Model):
    """A language a member speaks (a list staff can extend in the admin)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ExpertiseTag(models.Model):
    """A field of expertise; members add their own, kept in one spelling (lower case)."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("expertise tag")
        verbose_name_plural = _("expertise tags")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(name=Lower("name")), name="expertise_lowercase"),
            models.CheckConstraint(condition=~Q(name=""), name="expertise_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


# --- Members and consent ---------------------------------------------------------------


class ConsentKind(models.TextChoices):
    DIRECTORY = "directory", _("Visible in the member directory")
    NEWSLETTER = "newsletter", _("Receives the newsletter")


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self) -> MemberQuerySet:
        return self.filter(person__user__is_active=True)

    def newsletter_audience(self) -> MemberQuerySet:
        """Members who said yes to the newsletter, with an address to send it to."""
        return self.active().filter(newsletter_consent=True).exclude(person__email="")

    def in_directory(self) -> MemberQuerySet:
        return self.active().filter(directory_consent=True)

    def resource_persons(self) -> MemberQuerySet:
        return self.filter(
            Q(available_as_lecturer=True)
            | Q(available_as_interpreter=True)
            | Q(available_as_resource_person=True)
        )

    # What a row of the directory shows.
    ROW_FIELDS = (
        "organisation", "position", "linkedin_url", "available_as_lecturer",
        "available_as_interpreter", "available_as_resource_person",
        "directory_consent", "person__first_name", "person__last_name", "person__country",
        "person__email",
    )  # fmt: skip

    def for_rows(self) -> MemberQuerySet:
        """The directories' rows: only the fields a row shows, with the member's
        languages and expertise (``with_related``)."""
        return self.with_related().only(*self.ROW_FIELDS)

    def with_related(self) -> MemberQuerySet:
        """The person, and the member's languages and expertise as plain lists
        (``language_list``, ``expertise_list``): a directory row reads them without
        building a related manager for each member."""
        return self.select_related("person").prefetch_related(
            Prefetch("languages", to_attr="language_list"),
            Prefetch("expertise", to_attr="expertise_list"),
        )


class Member(models.Model):
    """A former participant who joined Norec Network: their profile and their choices.

    The consent fields hold the current answer, with when it was given and the version of
    the wording shown; every change is also kept in :class:`ConsentRecord`.
    """

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="member")
    organisation = models.CharField(_("current organisation"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    languages = models.ManyToManyField(
        Language, blank=True, related_name="members", verbose_name=_("languages")
    )
    expertise = models.ManyToManyField(
        ExpertiseTag, blank=True, related_name="members", verbose_name=_("expertise")
    )
    linkedin_url = models.URLField(_("LinkedIn profile"), max_length=300, blank=True)
    available_as_lecturer = models.BooleanField(_("available as lecturer"), default=False)
    available_as_interpreter = models.BooleanField(_("available as interpreter"), default=False)
    available_as_resource_person = models.BooleanField(
        _("available as resource person"), default=False
    )
    directory_consent = models.BooleanField(_("visible in the directory"), default=False)
    directory_consent_at = models.DateTimeField(null=True, blank=True)
    directory_consent_version = models.CharField(max_length=20, blank=True)
    newsletter_consent = models.BooleanField(_("receives the newsletter"), default=False)
    newsletter_consent_at = models.DateTimeField(null=True, blank=True)
    newsletter_consent_version = models.CharField(max_length=20, blank=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["person__last_name", "person__first_name", "pk"]
        constraints = [
            # A recorded answer always says when and to which wording.
            models.CheckConstraint(
                condition=Q(directory_consent_at__isnull=True) | ~Q(directory_consent_version=""),
                name="member_directory_consent_versioned",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(directory_consent=False) | Q(directory_consent_at__isnull=False),
                name="member_directory_consent_dated",
            ),
            models.CheckConstraint(
                condition=Q(newsletter_consent_at__isnull=True) | ~Q(newsletter_consent_version=""),
                name="member_newsletter_consent_versioned",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(newsletter_consent=False) | Q(newsletter_consent_at__isnull=False),
                name="member_newsletter_consent_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["newsletter_consent"], name="member_newsletter_idx"),
            # The directory's members, by person: with ``person_login_idx`` PostgreSQL
            # counts them (the pages' "n members") from the two indexes alone.
            models.Index(
                fields=["person"],
                condition=Q(directory_consent=True),
                name="member_in_directory_idx",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def is_resource_person(self) -> bool:
        return (
            self.available_as_lecturer
            or self.available_as_interpreter
            or self.available_as_resource_person
        )

    @property
    def available_as(self) -> list[str]:
        """What the member is available as, translated: ["Lecturer", "Interpreter"]."""
        roles = (
            (self.available_as_lecturer, _("Lecturer")),
            (self.available_as_interpreter, _("Interpreter")),
            (self.available_as_resource_person, _("Resource person")),
        )
        return [str(label) for available, label in roles if available]


class ConsentRecord(AppendOnlyModel):
    """One answer to one consent question: the audit trail behind ``Member.*_consent``.

    Append-only: a change of mind is a new row; rows are never changed or deleted (the
    ORM refuses, and on PostgreSQL a trigger does too — migration ``consent_append_only``).
    """

    class Via(models.TextChoices):
        JOIN = "join", _("Joining")
        PROFILE = "profile", _("Profile page")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        PREFERENCES = "preferences", _("Email preferences link")
        STAFF = "staff", _("Norec staff")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    granted = models.BooleanField()
    wording_version = models.CharField(max_length=20)
    wording = models.TextField()
    via = models.CharField(max_length=20, choices=Via.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ConsentKind.values), name="consent_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        answer = _("yes") if self.granted else _("no")
        return f"{self.member}: {self.get_kind_display()} — {answer}"


# --- Invitation waves ------------------------------------------------------------------


class InvitationWave(models.Model):
    """Invitations to the former participants of some countries, released by beat at most
    ``daily_cap`` a day from ``starts_on`` (the cap is the staff's capacity to answer)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    name = models.CharField(_("name"), max_length=150)
    countries = CountryField(_("countries"), multiple=True)
    daily_cap = models.PositiveIntegerField(
        _("invitations per day"),
        help_text=_("How many questions the team can answer: not an email limit."),
    )
    starts_on = models.DateField(_("first day"))
    reminder_after_days = models.PositiveSmallIntegerField(
        _("reminder after (days)"), default=14,
        help_text=_("One reminder to those who have not joined; 0 sends none."),
    )  # fmt: skip
    expires_after_days = models.PositiveSmallIntegerField(
        _("invitation valid for (days)"), default=60
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation wave")
        verbose_name_plural = _("invitation waves")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(daily_cap__gte=1), name="wave_cap_positive"),
            models.CheckConstraint(
                condition=Q(expires_after_days__gte=1), name="wave_expiry_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused", "cancelled", "completed"]),
                name="wave_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        """Still running or paused: staff may act on it."""
        return self.status in (self.Status.ACTIVE, self.Status.PAUSED)

    def display_status(self, today: Any = None) -> str:
        today = today or timezone.localdate()
        if self.status == self.Status.ACTIVE and self.starts_on > today:
            return str(_("Scheduled"))
        return str(self.get_status_display())


# The wave statuses staff may move a wave to; beat moves ACTIVE → COMPLETED itself.
WAVE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    InvitationWave.Status.ACTIVE: (InvitationWave.Status.PAUSED, InvitationWave.Status.CANCELLED),
    InvitationWave.Status.PAUSED: (InvitationWave.Status.ACTIVE, InvitationWave.Status.CANCELLED),
    InvitationWave.Status.CANCELLED: (),
    InvitationWave.Status.COMPLETED: (),
}


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def live(self) -> InvitationQuerySet:
        return self.exclude(state=Invitation.State.CANCELLED)


class Invitation(models.Model):
    """The one invitation a person ever gets to join (queued → sent → accepted, bounced or
    expired). A corrected address re-sends the same invitation, never a second one."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        BOUNCED = "bounced", _("Bounced")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    class Source(models.TextChoices):
        WAVE = "wave", _("Invitation wave")
        REQUEST = "request", _("Request from the person")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    wave = models.ForeignKey(
        InvitationWave, on_delete=models.PROTECT, null=True, blank=True,
        related_name="invitations",
    )  # fmt: skip
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WAVE)
    email = models.EmailField(_("email"), max_length=254)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    released_on = models.DateField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    last_email = models.ForeignKey(
        OutboxEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["pk"]
        constraints = [
            # Nobody is ever invited twice, whatever the wave.
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(state="cancelled"),
                name="one_invitation_per_person",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(
                    state__in=["queued", "sent", "accepted", "bounced", "expired", "cancelled"]
                ),
                name="invitation_state_valid",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(state__in=["queued", "cancelled"])
                | Q(sent_at__isnull=False, expires_at__isnull=False),
                name="invitation_sent_has_times",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=~Q(source="wave") | Q(wave__isnull=False),
                name="invitation_wave_source_has_wave",
            ),
        ]
        indexes = [
            models.Index(fields=["wave", "state"], name="invitation_wave_state_idx"),
            models.Index(fields=["wave", "released_on"], name="invitation_wave_day_idx"),
            models.Index(fields=["state", "sent_at"], name="invitation_state_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} <{self.email}> ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        """Can still be accepted (the link works until it expires)."""
        return self.state == self.State.SENT and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


# --- Signed access links ---------------------------------------------------------------


class AccessToken(models.Model):
    """A link sent by email: only the SHA-256 of its random token is stored.

    The purpose is part of the check, so an invitation token opens nothing else. A token is
    bound to a person and an address, expires, and is used once.
    """

    class Purpose(models.TextChoices):
        INVITATION = "invitation", _("Invitation to join")
        CONTACT_UPDATE = "contact_update", _("Update contact details")
        EMAIL_CHANGE = "email_change", _("Confirm a new email address")

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="access_tokens")
    email = models.EmailField(max_length=254)
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("access link")
        verbose_name_plural = _("access links")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(purpose="invitation") | Q(invitation__isnull=False),
                name="token_invitation_has_invitation",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="token_expires_after_creation"
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.person}"


# --- Contact details -------------------------------------------------------------------


class ContactChange(models.Model):
    """One changed contact field: the history staff see for each person."""

    class Via(models.TextChoices):
        MEMBER = "member", _("Member, logged in")
        LINK = "link", _("Update link")
        EMAIL_CONFIRMATION = "email_confirmation", _("Confirmed new address")
        STAFF = "staff", _("Norec staff")
        REQUEST = "request", _("Approved invitation request")
        MERGE = "merge", _("Merged duplicate")
        JOIN = "join", _("Joining")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_changes")
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=500, blank=True)
    new_value = models.CharField(max_length=500, blank=True)
    via = models.CharField(max_length=20, choices=Via.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person}: {self.field}"


# --- "I never got an invitation" -------------------------------------------------------


class InvitationRequest(models.Model):
    """Someone who says they took part and were not invited; staff match and decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for Norec")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254)
    country = CountryField(_("country"), blank=True)
    exchange_year = models.PositiveSmallIntegerField(_("year of the exchange"), null=True,
                                                     blank=True)  # fmt: skip
    organisation = models.CharField(_("organisation at the time"), max_length=200, blank=True)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("matched record"),
    )  # fmt: skip
    reject_reason = models.TextField(_("reason"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("invitation request")
        verbose_name_plural = _("invitation requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="request_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(person__isnull=False),
                name="request_approval_has_person",
            ),
            # One open request per address: a second submission updates the first.
            models.UniqueConstraint(
                Lower("email"), condition=Q(status="pending"), name="one_pending_request_per_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# --- Historical import and duplicates ---------------------------------------------------


class HistoricalImport(models.Model):
    """One uploaded spreadsheet of former participants: previewed, then imported once."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        IMPORTED = "imported", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    rows = models.JSONField(default=list)
    summary = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("historical import")
        verbose_name_plural = _("historical imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class HistoricalRecord(models.Model):
    """What the source spreadsheet said about one historical exchange, kept as given."""

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="historical_record"
    )
    batch = models.ForeignKey(
        HistoricalImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="records"
    )
    row_number = models.PositiveIntegerField(null=True, blank=True)
    name_in_source = models.CharField(max_length=250, blank=True)
    organisations = models.CharField(_("organisations"), max_length=500, blank=True)
    emails_in_source = models.CharField(max_length=500, blank=True)
    phone_in_source = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("historical record")
        verbose_name_plural = _("historical records")

    def __str__(self) -> str:
        return self.name_in_source or str(self.participant)


class DuplicateCandidate(models.Model):
    """Two person records that may be one human. Proposed by the import, decided by staff:
    nothing is ever merged without a person saying so."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not the same person")

    # Stored with person_a.pk < person_b.pk so a pair exists once. After a merge the
    # removed record's side is empty and its label keeps what it was.
    person_a = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    person_b = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label_a = models.CharField(max_length=300, blank=True)
    label_b = models.CharField(max_length=300, blank=True)
    reasons = models.JSONField(default=list)
    score = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    batch = models.ForeignKey(
        HistoricalImport, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="duplicates",
    )  # fmt: skip
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="duplicate_pair_once"),
            models.CheckConstraint(
                condition=Q(person_a__isnull=True)
                | Q(person_b__isnull=True)
                | Q(person_a__lt=F("person_b")),
                name="duplicate_pair_ordered",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=~Q(status="open") | Q(person_a__isnull=False, person_b__isnull=False),
                name="duplicate_open_has_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label_a} ↔ {self.label_b}"


def open_duplicate_exists() -> Exists:
    """For annotating people: is this record in an open duplicate pair?"""
    return Exists(
        DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN).filter(
            Q(person_a=OuterRef("pk")) | Q(person_b=OuterRef("pk"))
        )
    )


# --- The programme: newsletters, activities, unreachable addresses ----------------------
# Defined in ``programme.py`` (this module would grow too long) and imported here, so they
# belong to the app like the models above.

from .programme import (  # noqa: E402
    NEWSLETTER_TRANSITIONS,
    RSVP,
    Activity,
    Audience,
    BadAddress,
    Newsletter,
    NewsletterDelivery,
    NewsletterStatus,
)

__all__ = [
    "NEWSLETTER_TRANSITIONS", "RSVP", "AccessToken", "Activity", "Audience", "BadAddress",
    "ConsentKind", "ConsentRecord", "ContactChange", "DuplicateCandidate", "ExpertiseTag",
    "HistoricalImport", "HistoricalRecord", "Invitation", "InvitationQuerySet",
    "InvitationRequest", "InvitationWave", "Language", "Member", "MemberQuerySet",
    "Newsletter", "NewsletterDelivery", "NewsletterStatus", "WAVE_TRANSITIONS",
    "open_duplicate_exists",
]  # fmt: skip
