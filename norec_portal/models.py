"""The cross-cutting core: users with roles, and the outgoing email outbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    STAFF = "staff", _("Norec staff")
    COORDINATOR = "coordinator", _("Partner coordinator")
    ALUMNUS = "alumnus", _("Alumnus")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("role", Role.STAFF)
        fields["is_superuser"] = True
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. The email address is the login; there are no usernames.

    The role decides which part of the portal the person reaches. Staff rights in the
    Django admin follow from the role, so ``is_staff`` is derived rather than stored.
    """

    # Stored in lower case (a check constraint holds it), so ``unique`` is case-blind.
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ALUMNUS)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email=Lower("email")), name="user_email_lowercase"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_staff(self) -> bool:
        return self.is_active and (self.role == Role.STAFF or self.is_superuser)

    @property
    def is_norec_staff(self) -> bool:
        return self.is_staff

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_alumnus(self) -> bool:
        return self.role == Role.ALUMNUS

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class OutboxEmail(models.Model):
    """One message to one recipient, written in the same transaction as the change that
    caused it and delivered afterwards by a Celery worker.

    The idempotency key makes queueing safe to repeat: a second ``queue_email`` with the
    same key returns the existing row and sends nothing more.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Waiting to retry")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed permanently")

    DUE_STATES = (State.PENDING, State.RETRYING)

    # Unique by the constraints below rather than ``unique=True``, which on PostgreSQL
    # adds a second index for LIKE queries that nothing runs: each message writes its row
    # three times (queued, claimed, sent), and every index is written each time.
    idempotency_key = models.CharField(max_length=200)
    to_email = models.EmailField(max_length=254)
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=300)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    message_id = models.CharField(max_length=255)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        # Partial: a sent message (nearly every row, kept for months) is in none of the
        # indexes the workers, the sweep and the bounce check read.
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=("pending", "retrying")),
                name="outbox_due_idx",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=models.Q(state="sending"),
                name="outbox_lease_idx",
            ),
            models.Index(
                fields=["id"], condition=models.Q(state="failed"), name="outbox_failed_idx"
            ),
            models.Index(fields=["to_email"], name="outbox_to_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbox_key_unique"),
            models.UniqueConstraint(fields=["message_id"], name="outbox_message_id_unique"),
            models.CheckConstraint(
                condition=~models.Q(state="sending") | models.Q(lease_expires_at__isnull=False),
                name="outbox_sending_has_lease",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email} ({self.get_state_display()})"


# --- Append-only records -----------------------------------------------------------------


class AppendOnlyError(RuntimeError):
    """A ledger row may be added, never changed or removed."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk changes: ``update()`` and ``delete()`` raise :class:`AppendOnlyError`.

    Deleting the login a row points at still works: Django's collector sets such foreign
    keys to NULL through the model's plain base manager, and the database guard (a
    trigger on PostgreSQL) allows exactly that one change.
    """

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.label} rows are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.label} rows are never deleted.")


class AppendOnlyModel(models.Model):
    """A row is written once: ``save()`` on an existing row and ``delete()`` raise."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.label} rows are never deleted.")


# --- Audit log ---------------------------------------------------------------------------


class AuditEntry(AppendOnlyModel):
    """Who changed what, when: one row per change to a person, an enrolment, an
    invitation wave or a newsletter (and each export or erasure of personal data).

    It names the object by type and id and lists the *names* of the changed fields,
    never their values: the log itself holds no personal data, so it can be kept when
    a person is anonymised.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        STATUS = "status", _("Status changed")
        MERGE = "merge", _("Merged")
        ACCESS = "access", _("Login granted")
        EXPORT = "export", _("Personal data exported")
        VIEW = "view", _("Personal data shown")
        ANONYMISE = "anonymise", _("Anonymised")

    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("by"),
    )  # fmt: skip
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("object type"),
    )  # fmt: skip
    # Empty for an export of many records: the entry names their type and its summary
    # the number of rows and the filter.
    object_id = models.PositiveBigIntegerField(_("object id"), null=True, blank=True)
    changed_fields = models.JSONField(_("changed fields"), default=list, blank=True)
    summary = models.CharField(_("summary"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["-at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_type_id}#{self.object_id}"


class WorkerHeartbeat(models.Model):
    """When a periodic job last ran in a worker, written by the job itself.

    The outbox sweep writes ``outbox-sweep`` each time it runs (every
    ``OUTBOX_SWEEP_SECONDS``), so the staff overview can say whether beat and a worker are
    alive without asking Celery from a web request.
    """

    name = models.CharField(max_length=50, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class EnrolmentLink(models.Model):
    """A one-time link that lets a new staff member set up their authenticator app.

    A staff login without an authenticator opens nothing but the page that sends this
    link to its verified address: the password alone never gets as far as adding an
    authenticator. Only the SHA-256 of the token is stored (``norec_portal.enrolment``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("login"),
    )  # fmt: skip
    email = models.EmailField(_("sent to"), max_length=254)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator set-up link")
        verbose_name_plural = _("authenticator set-up links")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
