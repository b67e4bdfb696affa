"""Members of Norec Network: the profile vocabulary (languages, expertise), member
profiles with their consent and its ledger, and the history of contact-detail changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from norec_portal.languages import language_name
from norec_portal.models import AppendOnlyModel
from norec_portal.zones import country_zone
from partnerships.models import Person

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
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (CLDR's, through Babel); ``name`` is the
        English one staff keep in the admin."""
        return language_name(self.code, self.name)


class ExpertiseTag(models.Model):
    """A field of expertise; members add their own. A tag keeps the spelling it was first
    typed with ("Nepali–English", "HIV/AIDS"); it is one tag whatever the case, so
    "nepali–english" typed later finds it (unique case-insensitively)."""

    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("expertise tag")
        verbose_name_plural = _("expertise tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="expertise_unique_ci"),
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
    # Where the member lives, for showing times; empty: the main zone of their country.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
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
    def zone_name(self) -> str:
        """The member's time zone: as chosen, else proposed from their country ("" when
        neither is known). Needs ``person``."""
        return self.time_zone or country_zone(self.person.country.code or "")

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
