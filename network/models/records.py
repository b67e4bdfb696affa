"""The historical import of alumni records and the queue of possible duplicates.

Historical alumni are ``partnerships.Person`` + ``partnerships.Participant`` rows (status
completed, no partnership); the network adds to them, it never redefines them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from norec_portal import addresses
from partnerships.models import Participant, Person

# --- Historical import and duplicates ---------------------------------------------------


class HistoricalImport(models.Model):
    """One uploaded spreadsheet of former participants: previewed, then imported once."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        IMPORTED = "imported", _("Imported")
        DISCARDED = "discarded", _("Discarded")

    filename = models.CharField(max_length=255)
    # The sheet of a workbook the rows came from (empty for a CSV file).
    sheet = models.CharField(max_length=100, blank=True)
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


class MergeRecord(models.Model):
    """What a merge changed, kept so that it can be undone: the removed record as it was,
    the kept record's fields before, and every row that moved from one to the other."""

    candidate = models.ForeignKey(
        "DuplicateCandidate", on_delete=models.CASCADE, related_name="merges"
    )
    kept = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, related_name="+")
    removed_pk = models.BigIntegerField()
    # Field values of the removed record, and of the kept record before the merge.
    removed = models.JSONField(default=dict)
    kept_before = models.JSONField(default=dict)
    # "app_label.Model.field" → primary keys of the rows moved to the kept record.
    moved = models.JSONField(default=dict)
    # Open pairs of the removed record: re-pointed [pk, a, b] and deleted [a, b, reasons, score].
    repointed_pairs = models.JSONField(default=list)
    deleted_pairs = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.removed_pk} → #{self.kept_id}"


class RawAddress(models.Model):
    """An email address as a source wrote it that could not be used as it was.

    The person record holds only a usable address; what the archive said is kept here with
    its check (``norec_portal.addresses``) and, where one is likely, a correction for staff
    to accept with one click. Nothing is written to an address until someone accepts it.
    """

    class Status(models.TextChoices):
        SUSPICIOUS = "suspicious", _("Suspicious")
        INVALID = "invalid", _("Not an address")

    class Resolution(models.TextChoices):
        ACCEPTED = "accepted", _("Suggestion accepted")
        DISMISSED = "dismissed", _("Set aside")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="raw_addresses")
    raw = models.CharField(_("as written"), max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices)
    suggestion = models.EmailField(_("suggested correction"), max_length=254, blank=True)
    # Stored untranslated (norec_portal.addresses.REASON_*), shown through gettext.
    reason = models.CharField(max_length=200, blank=True)
    batch = models.ForeignKey(
        HistoricalImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("address as written")
        verbose_name_plural = _("addresses as written")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "raw"], name="raw_address_once"),
            models.CheckConstraint(
                condition=Q(resolution="", resolved_at__isnull=True)
                | (~Q(resolution="") & Q(resolved_at__isnull=False)),
                name="raw_address_resolution_dated",
            ),
        ]
        indexes = [
            models.Index(
                fields=["person"], condition=Q(resolution=""), name="raw_address_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.raw

    @property
    def is_open(self) -> bool:
        return not self.resolution

    @property
    def reason_text(self) -> str:
        return addresses.reason_text(self.reason, self.suggestion)
