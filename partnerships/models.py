"""People and organisations: partner organisations, partnerships and their phases,
contact persons, and participants on exchange (current and historical).

The module stays whole at about 550 lines: it is the app's schema — the models, their
choices and their database constraints — read top to bottom as one piece, as the other
apps import it."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .validators import validate_phone


class Person(models.Model):
    """Anyone the portal knows: a participant, a contact person, an alumnus.

    The email is unique when present (case-blind); historical records may have none.
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNSPECIFIED = "unspecified", _("Prefer not to say")

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, validators=[validate_phone],
        help_text=_("International format, e.g. +254 712 345678."),
    )  # fmt: skip
    nationality = CountryField(_("nationality"), blank=True)
    country = CountryField(_("country of residence"), blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="person",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the personal fields were replaced by placeholders (partnerships.privacy).
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="person_email_unique_ci"
            ),
        ]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="person_name_idx"),
            # Where a duplicate check by name starts (partnerships.names.person_key).
            models.Index(fields=["date_of_birth"], name="person_birth_idx"),
            # Who has a login, read from the index alone (the member directory's count).
            models.Index(fields=["id"], include=["user"], name="person_login_idx"),
            # People without an address (the network dashboard's contact quality, the
            # reachability worklist), read from a small index rather than the whole table.
            models.Index(fields=["id"], condition=Q(email=""), name="person_no_email_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return self.name_of(self.first_name, self.last_name)

    @staticmethod
    def name_of(first_name: str, last_name: str) -> str:
        """The full name from its parts (for rows loaded as values, not as people)."""
        return f"{first_name} {last_name}".strip()


class PartnerOrganisation(models.Model):
    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public agency")
        COMPANY = "company", _("Company")
        NGO = "ngo", _("NGO")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.NGO)
    website = models.URLField(_("website"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "country", name="organisation_unique_name"),
        ]

    def __str__(self) -> str:
        code = self.country.code
        return f"{self.name} ({code})" if code else self.name


class Phase(models.TextChoices):
    FEASIBILITY = "feasibility", _("Feasibility")
    AGREEMENT_SIGNED = "agreement_signed", _("Agreement signed")
    ACTIVE_EXCHANGE = "active_exchange", _("Active exchange")
    CLOSED = "closed", _("Closed")


# The phases a partnership may move to from each phase. Enforced by
# ``services.change_phase``; nothing else writes ``Partnership.phase``.
PHASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Phase.FEASIBILITY: (Phase.AGREEMENT_SIGNED, Phase.CLOSED),
    Phase.AGREEMENT_SIGNED: (Phase.ACTIVE_EXCHANGE, Phase.CLOSED),
    Phase.ACTIVE_EXCHANGE: (Phase.CLOSED,),
    Phase.CLOSED: (),
}

# Where each phase records the date it was reached.
PHASE_DATE_FIELDS: dict[str, str] = {
    Phase.FEASIBILITY: "feasibility_since",
    Phase.AGREEMENT_SIGNED: "agreement_signed_on",
    Phase.ACTIVE_EXCHANGE: "active_since",
    Phase.CLOSED: "closed_on",
}


class Programme(models.TextChoices):
    SOUTH_SOUTH = "south_south", _("South–South")
    NORTH_SOUTH = "north_south", _("North–South")
    YOUTH = "youth", _("Youth")
    HEALTH = "health", _("Health (ESTHER)")
    OTHER = "other", _("Other")


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def for_organisation(self, organisation: PartnerOrganisation) -> PartnershipQuerySet:
        return self.filter(members__organisation=organisation)


class Partnership(models.Model):
    """Two or more partner organisations planning exchanges together."""

    name = models.CharField(_("name"), max_length=200)
    programme = models.CharField(
        _("programme"), max_length=20, choices=Programme.choices, default=Programme.SOUTH_SOUTH
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.FEASIBILITY
    )
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="advised_partnerships", verbose_name=_("programme adviser"),
        limit_choices_to={"role": "staff"},
    )  # fmt: skip
    feasibility_since = models.DateField(_("feasibility since"), default=timezone.localdate)
    agreement_signed_on = models.DateField(_("agreement signed on"), null=True, blank=True)
    active_since = models.DateField(_("active exchange since"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    organisations = models.ManyToManyField(
        PartnerOrganisation, through="PartnershipMember", related_name="partnerships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="partnership_name_unique_ci",
                violation_error_message=_("A partnership with this name already exists."),
            ),
            models.CheckConstraint(
                condition=Q(phase__in=Phase.values), name="partnership_phase_valid"
            ),
            # A phase beyond feasibility always has its date.
            models.CheckConstraint(
                condition=Q(phase="feasibility")
                | Q(phase="agreement_signed", agreement_signed_on__isnull=False)
                | Q(phase="active_exchange", active_since__isnull=False)
                | Q(phase="closed", closed_on__isnull=False),
                name="partnership_phase_has_date",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def next_phases(self) -> tuple[str, ...]:
        return PHASE_TRANSITIONS[self.phase]


class PartnershipMember(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead partner")
        PARTNER = "partner", _("Partner")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PARTNER)

    class Meta:
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")
        ordering = ["role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="member_once_per_partnership"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.partnership}"


class PhaseChange(models.Model):
    """One step of a partnership's history: who moved it, from what, to what, when."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="phase_changes"
    )
    from_phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=20, choices=Phase.choices)
    effective_on = models.DateField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.partnership}: {self.from_phase or '—'} → {self.to_phase}"


class ContactPerson(models.Model):
    """A partner organisation's representative. A coordinator may log in to the portal."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Coordinator")
        MANAGER = "manager", _("Manager")
        OTHER = "other", _("Other representative")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_roles")
    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="contacts"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["organisation__name", "role", "person__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "role"], name="contact_role_once"
            ),
            # A coordinator login belongs to exactly one organisation.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(role="coordinator", active=True),
                name="one_active_coordinator_role_per_person",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_role_display()}, {self.organisation}"


class ParticipantQuerySet(models.QuerySet["Participant"]):
    # The fields ``for_rows`` loads.
    ROW_FIELDS = (
        "exchange_start", "exchange_end", "status", "elearning_completed_on", "exchange_year",
        "legacy_programme", "person__first_name", "person__last_name", "person__email",
        "partnership__name",
    )  # fmt: skip

    def for_organisation(self, organisation: PartnerOrganisation) -> ParticipantQuerySet:
        return self.filter(Q(sending_organisation=organisation) | Q(host_organisation=organisation))

    def current(self) -> ParticipantQuerySet:
        return self.filter(status__in=Participant.ACTIVE_STATUSES)

    def with_related(self) -> ParticipantQuerySet:
        return self.select_related(
            "person", "partnership", "sending_organisation", "host_organisation"
        )

    def for_rows(self) -> ParticipantQuerySet:
        """What a table row of participants shows, and nothing more: the person and the
        partnership joined, and the organisations' names as ``sending_name`` and
        ``host_name`` ("" when unknown). Two subqueries rather than two more joins: a
        name is all a row needs of each organisation, and fewer joins leave the planner
        fewer orders to weigh."""
        return (
            self.select_related("person", "partnership")
            .only(*self.ROW_FIELDS)
            .annotate(
                sending_name=_organisation_name("sending_organisation"),
                host_name=_organisation_name("host_organisation"),
            )
        )


def _organisation_name(field: str) -> Coalesce:
    name = PartnerOrganisation.objects.filter(pk=OuterRef(field)).values("name")
    return Coalesce(Subquery(name), Value(""))


class Participant(models.Model):
    """One exchange of one person, from a sending to a host organisation.

    Historical records (since 1963) may lack a partnership, organisations and exact dates;
    they keep the exchange year, the old programme name and the source system's id.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ON_EXCHANGE = "on_exchange", _("On exchange")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ACTIVE_STATUSES = (Status.PLANNED, Status.ON_EXCHANGE)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True,
        related_name="participants",
    )  # fmt: skip
    sending_organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, null=True, blank=True,
        related_name="sent_participants", verbose_name=_("sending organisation"),
    )  # fmt: skip
    host_organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.PROTECT, null=True, blank=True,
        related_name="hosted_participants", verbose_name=_("host organisation"),
    )  # fmt: skip
    exchange_start = models.DateField(_("exchange starts"), null=True, blank=True)
    exchange_end = models.DateField(_("exchange ends"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    elearning_completed_on = models.DateField(_("e-learning completed on"), null=True, blank=True)
    # Historical records
    exchange_year = models.PositiveSmallIntegerField(
        _("exchange year"), null=True, blank=True,
        validators=[MinValueValidator(1963), MaxValueValidator(2100)],
    )  # fmt: skip
    legacy_programme = models.CharField(
        _("programme name at the time"), max_length=100, blank=True,
        help_text=_("For example FK or Fredskorpset."),
    )  # fmt: skip
    source_id = models.CharField(_("id in the source system"), max_length=64, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["-exchange_start", "person__last_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exchange_start__isnull=True)
                | Q(exchange_end__isnull=True)
                | Q(exchange_end__gt=models.F("exchange_start")),
                name="participant_end_after_start",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(sending_organisation__isnull=True)
                | Q(host_organisation__isnull=True)
                | ~Q(sending_organisation=models.F("host_organisation")),
                name="participant_sending_is_not_host",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["planned", "on_exchange"]),
                name="one_active_participation_per_person",
            ),  # fmt: skip
            models.UniqueConstraint(
                fields=["source_id"], condition=~Q(source_id=""), name="participant_source_id"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "exchange_start"], name="participant_status_idx"),
            # The staff list of current participants, latest first: read in order, 25 rows
            # at a time, instead of joining and sorting all current participants.
            models.Index(
                fields=["-exchange_start"],
                condition=Q(status__in=["planned", "on_exchange"]),
                name="participant_current_start_idx",
            ),
            # Training 2 is due by the exchange's end: the forecast counts and lists the
            # current participants by that date.
            models.Index(
                fields=["exchange_end"],
                condition=Q(status__in=["planned", "on_exchange"]),
                name="participant_current_end_idx",
            ),
            models.Index(fields=["exchange_year"], name="participant_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.partnership or self.legacy_programme or '—'})"

    @property
    def elearning_done(self) -> bool:
        return self.elearning_completed_on is not None


class ParticipantImport(models.Model):
    """One uploaded spreadsheet of participants, checked row by row before anything is saved.

    The file itself is never kept: only the rows as read, their messages and the counts.
    ``rows`` holds one dict per spreadsheet row: ``row`` (its number in the file),
    ``values`` (as shown in the preview), ``data`` (what will be registered, for rows
    without errors), ``errors`` and ``warnings`` (lists of ``{"field", "message"}``).
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Checked, waiting for confirmation")
        COMMITTED = "committed", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="participant_imports",
        verbose_name=_("sending organisation"),
    )  # fmt: skip
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("uploaded by"),
    )  # fmt: skip
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("confirmed by"),
    )  # fmt: skip
    original_filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)  # "csv" or "xlsx"
    encoding = models.CharField(_("text encoding"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PREVIEWED
    )
    rows = models.JSONField(_("rows"), default=list, blank=True)
    warnings = models.JSONField(_("file warnings"), default=list, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_row_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant import")
        verbose_name_plural = _("participant imports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["previewed", "committed", "discarded"]),
                name="participant_import_status_valid",
            ),
            # Imported exactly when confirmed, and only a clean file can be imported.
            models.CheckConstraint(
                condition=Q(status="committed", committed_at__isnull=False, error_row_count=0)
                | (~Q(status="committed") & Q(committed_at__isnull=True)),
                name="participant_import_committed_at",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(error_row_count__lte=models.F("row_count")),
                name="participant_import_counts",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="participant_import_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.original_filename} ({self.get_status_display()})"

    @property
    def valid_row_count(self) -> int:
        return self.row_count - self.error_row_count

    @property
    def can_commit(self) -> bool:
        return (
            self.status == self.Status.PREVIEWED and self.row_count > 0 and not self.error_row_count
        )


class HeldRegistration(models.Model):
    """A coordinator tried to register someone who is already registered.

    The coordinator is told only that the person cannot be registered there and that
    Norec will check (the person may belong to another organisation: saying more would
    tell them so); staff see the case here, with the person it matched, and close it.
    One open case per organisation and person, however often it is tried.
    """

    class Via(models.TextChoices):
        FORM = "form", _("Registration form")
        EDIT = "edit", _("Change of a participant")
        IMPORT = "import", _("Spreadsheet import")

    organisation = models.ForeignKey(
        PartnerOrganisation, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("organisation"),
    )  # fmt: skip
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="held_registrations",
        verbose_name=_("already registered person"),
    )  # fmt: skip
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("tried by"),
    )  # fmt: skip
    via = models.CharField(_("how"), max_length=10, choices=Via.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    closed_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("checked by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("held registration")
        verbose_name_plural = _("held registrations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "person"], condition=Q(closed_at__isnull=True),
                name="held_registration_open_unique",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["-created_at"], condition=Q(closed_at__isnull=True),
                         name="held_registration_open_idx"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
