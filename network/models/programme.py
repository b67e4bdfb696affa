"""The network programme: newsletters (and activity announcements) with their deliveries,
activities with RSVPs, and the addresses mail cannot reach."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from norec_portal.models import OutboxEmail
from norec_portal.zones import ZonedDatetime, in_zone
from partnerships.models import Person


class Audience(models.TextChoices):
    ALL = "all", _("All members who receive the newsletter")
    COUNTRIES = "countries", _("Members in some countries")
    RESOURCE_PERSONS = "resource_persons", _("Resource persons")


class NewsletterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    PAUSED = "paused", _("Paused")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


# Who may move a newsletter where. The send task moves SENDING → SENT (everyone queued)
# and SENDING → PAUSED (too many failures) itself; ``services.newsletters`` enforces these.
NEWSLETTER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    NewsletterStatus.DRAFT: (NewsletterStatus.SCHEDULED, NewsletterStatus.SENDING),
    NewsletterStatus.SCHEDULED: (
        NewsletterStatus.DRAFT,
        NewsletterStatus.SENDING,
        NewsletterStatus.CANCELLED,
    ),
    NewsletterStatus.SENDING: (NewsletterStatus.PAUSED, NewsletterStatus.SENT),
    NewsletterStatus.PAUSED: (NewsletterStatus.SENDING, NewsletterStatus.CANCELLED),
    NewsletterStatus.SENT: (),
    NewsletterStatus.CANCELLED: (),
}


class Newsletter(models.Model):
    """One mailing to members: the monthly newsletter, or the announcement of an activity.

    Sending goes in chunks (``cursor`` is the last member id handed to the outbox), and a
    row per member in :class:`NewsletterDelivery` makes each member get it once.
    """

    class Kind(models.TextChoices):
        NEWSLETTER = "newsletter", _("Newsletter")
        ANNOUNCEMENT = "announcement", _("Activity announcement")

    Status = NewsletterStatus

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NEWSLETTER)
    activity = models.ForeignKey(
        "network.Activity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="announcements",
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=50_000, help_text=_("Markdown."))
    body_html = models.TextField(editable=False, blank=True)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL
    )
    countries = CountryField(_("countries"), multiple=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_for = models.DateTimeField(_("send at"), null=True, blank=True)
    # Sending progress: the last member id queued, chunks done, and when the next is due.
    cursor = models.BigIntegerField(default=0, editable=False)
    chunks_sent = models.PositiveIntegerField(default=0, editable=False)
    next_chunk_at = models.DateTimeField(null=True, blank=True, editable=False)
    pause_reason = models.CharField(max_length=300, blank=True)
    # The failure rate that pauses a sending counts the messages queued since this time
    # (the start, or the last resume: staff resume after dealing with the cause).
    failures_counted_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NewsletterStatus.values), name="newsletter_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="newsletter_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="newsletter", activity__isnull=True)
                | Q(kind="announcement", activity__isnull=False),
                name="newsletter_announcement_has_activity",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(scheduled_for__isnull=False),
                name="newsletter_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "scheduled", "cancelled"])
                | Q(started_at__isnull=False),
                name="newsletter_started_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(audience="countries") | ~Q(countries=""),
                name="newsletter_countries_chosen",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_for"], name="newsletter_due_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SCHEDULED)

    @property
    def has_started(self) -> bool:
        return self.started_at is not None

    @property
    def month_date(self) -> dt.datetime | None:
        """When it counts for the monthly goal: when sending began, else when planned."""
        if self.status == self.Status.CANCELLED:
            return None
        return self.started_at or self.scheduled_for


class NewsletterDelivery(models.Model):
    """One member's copy of one newsletter: the outbox row that carries it.

    Unique per newsletter and member, in the database, besides the outbox key
    ``newsletter:<id>:member:<member id>``: nobody gets the same newsletter twice.
    """

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(
        "network.Member", on_delete=models.CASCADE, related_name="newsletter_deliveries"
    )
    email = models.ForeignKey(
        OutboxEmail,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="newsletter_deliveries",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("newsletter delivery")
        verbose_name_plural = _("newsletter deliveries")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "member"], name="newsletter_once_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.newsletter} → {self.member}"


# --- Activities ------------------------------------------------------------------------


class ActivityQuerySet(models.QuerySet["Activity"]):
    def visible_to_members(self) -> ActivityQuerySet:
        """Published activities (a cancelled one stays readable); never a draft."""
        return self.filter(published_at__isnull=False)


class Activity(models.Model):
    """Something the network does on a date: a meeting, a webinar, a course.

    Staff write it as a draft, which members never see; publishing makes it visible and
    announces it once.
    """

    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("Physical meeting")
        DIGITAL = "digital", _("Digital meeting")
        WEBINAR = "webinar", _("Webinar")
        ELEARNING = "elearning", _("E-learning")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PLANNED = "planned", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    ONLINE_KINDS = (Kind.DIGITAL, Kind.WEBINAR, Kind.ELEARNING)

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.TextField(
        _("description"), max_length=20_000, blank=True, help_text=_("Markdown.")
    )
    description_html = models.TextField(editable=False, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Oslo")
    place = models.CharField(_("place"), max_length=300, blank=True)
    country = CountryField(_("country"), blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(
        _("seats"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Members see an activity once it is published, and from then on (cancelled or not).
    published_at = models.DateTimeField(null=True, blank=True)
    # Counts the changes of time or place made after publishing: each is told once.
    revision = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["physical", "digital", "webinar", "elearning", "other"]),
                name="activity_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "planned", "cancelled"]),
                name="activity_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="planned") | Q(published_at__isnull=False),
                name="activity_published_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="draft") | Q(published_at__isnull=True),
                name="activity_draft_unpublished",
            ),
            models.CheckConstraint(
                condition=~Q(kind="physical") | ~Q(place=""), name="activity_physical_has_place"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["digital", "webinar", "elearning"]) | ~Q(online_url=""),
                name="activity_online_has_link",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="activity_capacity_positive",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="activity_status_start_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_online(self) -> bool:
        return self.kind in self.ONLINE_KINDS

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return self.starts_at <= (now or timezone.now())

    @property
    def place_label(self) -> str:
        """The place with its country, unless staff wrote the country in the place already
        ("Nairobi, Kenya" stays as it is, "Westlands" becomes "Westlands, Kenya")."""
        if not self.place or not self.country:
            return self.place
        parts = {part.strip().casefold() for part in self.place.split(",")}
        with translation.override("en"):
            english = str(self.country.name)
        names = {name.casefold() for name in (english, str(self.country.name), self.country.code)}
        if parts & names:
            return self.place
        return f"{self.place}, {self.country.name}"

    @property
    def local_start(self) -> ZonedDatetime:
        return in_zone(self.starts_at, self.zone)

    @property
    def local_end(self) -> ZonedDatetime:
        return in_zone(self.ends_at, self.zone)


class RSVP(models.Model):
    """A member's answer to an activity: a seat, a place on the waitlist, or cancelled.

    One row per member and activity (a member who comes back reuses it); ``version``
    counts the changes, so each confirmation email has its own outbox key.
    """

    class State(models.TextChoices):
        GOING = "going", _("Going")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="rsvps")
    member = models.ForeignKey("network.Member", on_delete=models.CASCADE, related_name="rsvps")
    state = models.CharField(max_length=10, choices=State.choices)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("RSVP")
        verbose_name_plural = _("RSVPs")
        ordering = ["activity", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="rsvp_once_per_member"),
            models.CheckConstraint(
                condition=Q(state__in=["going", "waitlisted", "cancelled"]), name="rsvp_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="waitlisted") | Q(waitlisted_at__isnull=False),
                name="rsvp_waitlist_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "state", "waitlisted_at"], name="rsvp_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.activity} ({self.get_state_display()})"


# --- Addresses mail cannot reach -------------------------------------------------------


class BadAddress(models.Model):
    """An email address that bounced, was refused or complained of: nothing more is sent
    to it until staff clear it. Kept by address, so a corrected address mails again."""

    class Source(models.TextChoices):
        SMTP = "smtp", _("Refused when sending")
        WEBHOOK = "webhook", _("Reported by the mail provider")
        STAFF = "staff", _("Norec staff")

    email = models.EmailField(_("email"), max_length=254, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_email = models.ForeignKey(
        OutboxEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    failures = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unreachable address")
        verbose_name_plural = _("unreachable addresses")
        ordering = ["-last_failed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="bad_address_lowercase"),
        ]
        indexes = [models.Index(fields=["cleared_at"], name="bad_address_active_idx")]

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None
