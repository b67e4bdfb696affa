"""Inviting former participants: invitation waves by country, invitations, the signed
links the network emails, and requests from people who never got an invitation."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from norec_portal.models import OutboxEmail
from partnerships.models import Person

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


# --- "I never got an invitation" -------------------------------------------------------


class InvitationRequest(models.Model):
    """Someone who says they took part and were not invited; staff match and decide."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for Norec")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # Empty only when a member tells Norec about someone whose address they do not know.
    email = models.EmailField(_("email"), max_length=254, blank=True)
    country = CountryField(_("country"), blank=True)
    exchange_year = models.PositiveSmallIntegerField(_("year of the exchange"), null=True,
                                                     blank=True)  # fmt: skip
    organisation = models.CharField(_("organisation at the time"), max_length=200, blank=True)
    # The member who told Norec about this person (empty: the person asked themselves).
    tipped_by = models.ForeignKey(
        "Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("suggested by"),
    )  # fmt: skip
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
                Lower("email"),
                condition=Q(status="pending") & ~Q(email=""),
                name="one_pending_request_per_email",
            ),
            # Someone asking for themselves always gives an address.
            models.CheckConstraint(
                condition=~Q(email="") | Q(tipped_by__isnull=False),
                name="request_for_oneself_has_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}" + (f" <{self.email}>" if self.email else "")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_tip(self) -> bool:
        """Told by a member about someone else, not asked by the person themselves."""
        return self.tipped_by_id is not None
