"""Who was at the venue on which day: one :class:`DayAttendance` per enrolment and day,
recorded by the check-in at the door (a badge scanned, a name typed, a tick in a list).

The enrolment's own state (attended / did not attend) stays the record that certificates
and statistics read; the check-in service turns the first day mark into "attended".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sessions import Enrolment


class DayAttendance(models.Model):
    class How(models.TextChoices):
        SCAN = "scan", _("Badge scanned")
        TYPED = "typed", _("Name typed")
        LIST = "list", _("Ticked in a list")

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="day_attendances",
        verbose_name=_("enrolment"),
    )  # fmt: skip
    # The day in the venue's calendar (in Norway's for a session without a venue).
    date = models.DateField(_("day"))
    marked_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("checked in by"),
    )  # fmt: skip
    how = models.CharField(_("how"), max_length=10, choices=How.choices)

    class Meta:
        verbose_name = _("day attendance")
        verbose_name_plural = _("day attendances")
        ordering = ["date", "marked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "date"], name="day_attendance_once"),
            models.CheckConstraint(
                condition=models.Q(how__in=["scan", "typed", "list"]),
                name="day_attendance_how_valid",
            ),
        ]
        indexes = [models.Index(fields=["date", "enrolment"], name="day_attendance_date_idx")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} @ {self.date:%Y-%m-%d}"
