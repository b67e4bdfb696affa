from __future__ import annotations

from typing import Any

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as BaseAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import accounts, outbox
from .models import AuditEntry, OutboxEmail, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language"]}),
        (_("Access"), {"fields": ["role", "is_active", "is_superuser", "groups"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "role",
                                                "password1", "password2"]}),
    ]  # fmt: skip
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups"]

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        old = User.objects.filter(pk=obj.pk).values_list("email", flat=True).first()
        super().save_model(request, obj, form, change)
        if change and old and old.lower() != obj.email.lower():
            accounts.record_login_email_change(
                user=obj, old=old, new=obj.email, by=request.user, request=request
            )


# Only superusers reach these two (norec_portal/backends.py); what they change is
# audited and mailed to the owner.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(EmailAddress)
class EmailAddressAdmin(BaseEmailAddressAdmin):
    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: EmailAddress, form: Any, change: bool) -> None:
        old = EmailAddress.objects.filter(pk=obj.pk).values_list("email", flat=True).first()
        super().save_model(request, obj, form, change)
        if (old or "").lower() != obj.email.lower():
            accounts.record_login_email_change(
                user=obj.user, old=old or "", new=obj.email, by=request.user, request=request
            )

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: EmailAddress) -> None:
        user, old = obj.user, obj.email
        super().delete_model(request, obj)
        accounts.record_login_email_change(
            user=user, old=old, new="", by=request.user, request=request
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[EmailAddress]) -> None:
        for address in queryset.select_related("user"):
            self.delete_model(request, address)


@admin.register(Authenticator)
class AuthenticatorAdmin(BaseAuthenticatorAdmin):
    """Seen and removed, never edited: the data holds the (encrypted) secrets."""

    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = ["user", "type", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Authenticator) -> None:
        user, kind = obj.user, obj.type
        super().delete_model(request, obj)
        accounts.record_authenticator_removed(user=user, kind=kind, by=request.user,
                                              request=request)  # fmt: skip

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Authenticator]) -> None:
        for authenticator in queryset.select_related("user"):
            self.delete_model(request, authenticator)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to_email", "subject", "state", "attempts", "sent_at"]
    list_filter = ["state", "created_at", "sent_at"]
    search_fields = ["to_email", "subject", "idempotency_key", "message_id"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["retry_now"]
    readonly_fields = [f.name for f in OutboxEmail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxEmail | None = None) -> bool:
        # Rows change only through delivery and the retry action, never by hand.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: OutboxEmail | None = None) -> bool:
        return False

    @admin.action(
        description=_("Retry the selected failed or waiting emails now"),
        permissions=["view"],
    )
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxEmail]) -> None:
        count = outbox.retry_emails(list(queryset.values_list("pk", flat=True)))
        messages.success(request, _("%(count)d email(s) queued again.") % {"count": count})


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit log, read-only: entries are appended by the services and never change."""

    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor", "object_type"]
    search_fields = ["actor__email"]
    date_hierarchy = "at"
    list_per_page = 50
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
