"""Alumni serving in training sessions: staff ask a member to be a lecturer, interpreter or
resource person in a session; the member accepts or declines on the portal.

The request lives here, in ``network``, and points at ``trainings.TrainingSession``: the
network builds on trainings, never the other way round. Trainings shows the accepted ones
on its session page and programme through ``trainings.contributors``, which this app
registers with (``network.apps``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ResourceRole(models.TextChoices):
    LECTURER = "lecturer", _("Lecturer")
    INTERPRETER = "interpreter", _("Interpreter")
    RESOURCE_PERSON = "resource_person", _("Resource person")


class ResourceRequest(models.Model):
    """Norec asks one member to serve in one session in one role; one request per member
    and session (unique), answered once by the member."""

    Role = ResourceRole

    class State(models.TextChoices):
        REQUESTED = "requested", _("Asked, no answer yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn by Norec")

    session = models.ForeignKey(
        "trainings.TrainingSession", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("training session"),
    )  # fmt: skip
    member = models.ForeignKey(
        "network.Member", on_delete=models.CASCADE, related_name="resource_requests"
    )
    role = models.CharField(_("role"), max_length=20, choices=ResourceRole.choices)
    message = models.TextField(_("message"), max_length=2000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("resource person request")
        verbose_name_plural = _("resource person requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"], name="resource_request_once_per_session"
            ),
            models.CheckConstraint(
                condition=Q(role__in=ResourceRole.values), name="resource_request_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "accepted", "declined", "withdrawn"]),
                name="resource_request_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "withdrawn"]) | Q(answered_at__isnull=False),
                name="resource_request_answer_dated",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "state"], name="resource_request_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_role_display()}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.REQUESTED

    @property
    def withdrawable(self) -> bool:
        """Norec may still take it back: not answered yet, or accepted (a session that
        is over is refused by ``services.resources.withdraw_refusal``)."""
        return self.state in WITHDRAWABLE_STATES


# The requests Norec may withdraw; a declined one stays as the member left it.
WITHDRAWABLE_STATES = (ResourceRequest.State.REQUESTED, ResourceRequest.State.ACCEPTED)
