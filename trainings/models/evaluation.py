"""The evaluation after a training: who was invited, and what was answered — kept apart.

:class:`EvaluationInvitation` belongs to an enrolment: the single-use link (only its
SHA-256 is stored) and when it was sent, used and expires. :class:`EvaluationAnswer`
belongs to the session only: no key, column or timestamp ties it to an invitation, an
enrolment or a person. The answer's primary key is a random UUID (an increasing number
would line answers up with the invitations' use), its date is a date without a time, and
an invitation's ``used_at`` is the start of the day it was used. Submitting marks the
invitation used and writes the answer in one transaction (``services.evaluation``).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .sessions import Enrolment, SessionKind, TrainingSession


class EvaluationInvitation(models.Model):
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.CASCADE, related_name="evaluation_invitation",
        verbose_name=_("enrolment"),
    )  # fmt: skip
    # SHA-256 of the link's 32 random bytes; replaced when the link is sent again.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"))
    # The day (midnight UTC) the answer was submitted: never the time, see the docstring.
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("evaluation invitation")
        verbose_name_plural = _("evaluation invitations")
        indexes = [models.Index(fields=["used_at"], name="evaluation_used_idx")]

    def __str__(self) -> str:
        return str(_("Evaluation link of enrolment %(id)s") % {"id": self.enrolment_id})


class EvaluationAnswer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="evaluation_answers",
        verbose_name=_("session"),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=10, choices=SessionKind.choices)
    language = models.CharField(_("language"), max_length=10)
    # {question key: 1..5}; the keys of trainings.evaluation for the kind.
    answers = models.JSONField(_("answers"), default=dict)
    comment = models.TextField(_("anything else"), blank=True)
    submitted_on = models.DateField(_("submitted on"))

    class Meta:
        verbose_name = _("evaluation answer")
        verbose_name_plural = _("evaluation answers")
        # Read in a stable order that says nothing about who answered first.
        ordering = ["submitted_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SessionKind.values), name="evaluation_answer_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["session", "submitted_on"], name="evaluation_session_idx")]

    def __str__(self) -> str:
        return str(_("Evaluation answer of %(date)s") % {"date": self.submitted_on})
