"""How each person travels to a week at a venue and what the venue must know of them.

One :class:`TravelDetails` row per enrolment, filled in by the person (through a link
sent by email) or by their coordinator. The passport fields are the most sensitive data
the portal holds: encrypted at rest (``norec_portal.crypto``), shown masked except on the
visa letter, and emptied by the retention job a while after the week
(``passport_erased_at`` says when).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from norec_portal.crypto import EncryptedDateField, EncryptedTextField

from .sessions import Enrolment


class TravelDetails(models.Model):
    class Source(models.TextChoices):
        PERSON = "person", _("The person, from the emailed link")
        COORDINATOR = "coordinator", _("Their coordinator")
        STAFF = "staff", _("Norec staff")

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="travel", verbose_name=_("enrolment")
    )
    # Arrival and departure, in the venue's local time.
    arrival_date = models.DateField(_("arrival date"), null=True, blank=True)
    arrival_time = models.TimeField(_("arrival time"), null=True, blank=True)
    arrival_by = models.CharField(_("flight number or other transport"), max_length=100, blank=True)
    arrival_airport = models.CharField(_("arriving at (airport or station)"), max_length=100,
                                       blank=True)  # fmt: skip
    departure_date = models.DateField(_("departure date"), null=True, blank=True)
    departure_time = models.TimeField(_("departure time"), null=True, blank=True)
    departure_by = models.CharField(
        _("flight number or other transport"), max_length=100, blank=True
    )
    departure_airport = models.CharField(_("leaving from (airport or station)"),
                                         max_length=100, blank=True)  # fmt: skip
    dietary_needs = models.TextField(_("dietary needs"), blank=True)
    accessibility_needs = models.TextField(_("accessibility needs"), blank=True)
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=200,
                                              blank=True)  # fmt: skip
    emergency_contact_phone = models.CharField(_("emergency contact's phone"), max_length=40,
                                               blank=True)  # fmt: skip
    # For those who need a visa: what the letter to the embassy states.
    needs_visa = models.BooleanField(_("needs a visa"), default=False)
    passport_name = EncryptedTextField(_("name as in the passport"), blank=True)
    passport_number = EncryptedTextField(_("passport number"), blank=True)
    passport_nationality = EncryptedTextField(_("nationality"), blank=True)  # a country code
    passport_expiry = EncryptedDateField(_("passport valid until"))
    passport_erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    submitted_via = models.CharField(max_length=12, choices=Source.choices, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("travel details")
        verbose_name_plural = _("travel details")
        constraints = [
            models.CheckConstraint(
                condition=Q(arrival_date__isnull=True)
                | Q(departure_date__isnull=True)
                | Q(departure_date__gte=models.F("arrival_date")),
                name="travel_departure_after_arrival",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Travel details of %(person)s") % {"person": self.enrolment.person})

    @property
    def has_passport(self) -> bool:
        return bool(self.passport_number)

    @property
    def masked_passport_number(self) -> str:
        """The last three characters, the rest hidden: enough to tell passports apart."""
        number = self.passport_number or ""
        if not number:
            return ""
        return "•" * max(len(number) - 3, 3) + number[-3:]


class TravelLink(models.Model):
    """The emailed link with which a person fills in their own travel details: single
    use, expiring, only the SHA-256 of its token stored (``norec_portal.links``). A new
    link for the same enrolment makes the older ones stop working."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="travel_links",
        verbose_name=_("enrolment"),
    )  # fmt: skip
    token_hash = models.CharField(max_length=64, unique=True)
    # The address it was sent to: a corrected address gets a new link.
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("travel details link")
        verbose_name_plural = _("travel details links")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="travel_link_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Travel details link of %(person)s") % {"person": self.enrolment.person})
