"""Messages Norec staff write to everyone in a session, or in every session of a week.

One :class:`SessionMessage` row per message sent; each recipient's copy is an outbox row
under the key ``session-message:<message id>:<person id>``, so the message's delivery
state is read from the outbox and nothing about the recipients is stored twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sessions import TrainingSession, TrainingWeek

SUBJECT_MAX_LENGTH = 150
BODY_MAX_LENGTH = 10_000


class SessionMessage(models.Model):
    # Exactly one of the two: a message to one session, or to every session of a week.
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, null=True, blank=True,
        related_name="messages", verbose_name=_("session"),
    )  # fmt: skip
    week = models.ForeignKey(
        TrainingWeek, on_delete=models.CASCADE, null=True, blank=True,
        related_name="messages", verbose_name=_("training week"),
    )  # fmt: skip
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body = models.TextField(_("message"))
    include_coordinators = models.BooleanField(_("also to their coordinators"), default=False)
    include_waitlist = models.BooleanField(_("also to the waitlist"), default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("sent by"),
    )  # fmt: skip
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    # The compose form's one-time token: submitting the same form twice sends once.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = _("message to a session")
        verbose_name_plural = _("messages to sessions")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, week__isnull=True)
                | Q(session__isnull=True, week__isnull=False),
                name="session_message_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "-sent_at"], name="session_message_session_idx"),
            models.Index(fields=["week", "-sent_at"], name="session_message_week_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def target(self) -> TrainingSession | TrainingWeek:
        return self.session if self.session_id else self.week

    @property
    def outbox_prefix(self) -> str:
        return f"session-message:{self.pk}:"

    def outbox_key(self, person_id: int) -> str:
        return f"{self.outbox_prefix}{person_id}"
