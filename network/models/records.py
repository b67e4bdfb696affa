"""The historical import of alumni records and the queue of possible duplicates.

Historical alumni are ``partnerships.Person`` + ``partnerships.Participant`` rows (status
completed, no partnership); the network adds to them, it never redefines them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerships.models import Participant, Person

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
