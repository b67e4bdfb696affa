"""Admin for the network: read-mostly views of the records; the use-cases (waves,
merges, imports, requests) run through the staff pages, which call the services."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    RSVP,
    AccessToken,
    Activity,
    BadAddress,
    ConsentRecord,
    ContactChange,
    DuplicateCandidate,
    ExpertiseTag,
    HistoricalImport,
    HistoricalRecord,
    Invitation,
    InvitationRequest,
    InvitationWave,
    Language,
    Member,
    Newsletter,
    ResourceRequest,
)


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(ExpertiseTag)
class ExpertiseTagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the services (through the staff pages): view, never edit."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ConsentRecordInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "granted", "wording_version", "via", "recorded_at", "recorded_by"]
    exclude = ["wording"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    """Members change their profile themselves; every change is in the contact history."""

    list_display = ["person", "organisation", "newsletter_consent", "directory_consent",
                    "joined_at"]  # fmt: skip
    list_filter = ["newsletter_consent", "directory_consent", "available_as_lecturer",
                   "available_as_interpreter", "available_as_resource_person"]  # fmt: skip
    search_fields = ["person__first_name", "person__last_name", "person__email", "organisation"]
    list_select_related = ["person"]
    inlines = [ConsentRecordInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # A member's consent ledger is append-only; erasure anonymises instead.
        return False


@admin.register(InvitationWave)
class InvitationWaveAdmin(ReadOnlyAdmin):
    """Waves are created and steered on the staff pages, through the wave services that
    check their pace and dates and queue the invitations."""

    list_display = ["name", "status", "daily_cap", "starts_on", "created_at"]
    list_filter = ["status"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["person", "email", "state", "wave", "sent_at", "accepted_at"]
    list_filter = ["state", "source"]
    search_fields = ["email", "person__first_name", "person__last_name"]
    list_select_related = ["person", "wave"]


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ["purpose", "person", "email", "created_at", "expires_at", "used_at"]
    list_filter = ["purpose"]
    list_select_related = ["person"]
    exclude = ["token_hash"]


@admin.register(ContactChange)
class ContactChangeAdmin(ReadOnlyAdmin):
    list_display = ["person", "field", "old_value", "new_value", "via", "changed_at"]
    list_filter = ["via", "field"]
    search_fields = ["person__first_name", "person__last_name", "old_value", "new_value"]
    list_select_related = ["person"]


@admin.register(InvitationRequest)
class InvitationRequestAdmin(ReadOnlyAdmin):
    list_display = ["first_name", "last_name", "email", "country", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["first_name", "last_name", "email"]


@admin.register(HistoricalImport)
class HistoricalImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "status", "uploaded_by", "created_at", "imported_at"]
    list_filter = ["status"]
    exclude = ["rows"]


@admin.register(HistoricalRecord)
class HistoricalRecordAdmin(ReadOnlyAdmin):
    """What the archive said, kept as it was: a re-import recognises people by it."""

    list_display = ["name_in_source", "organisations", "emails_in_source", "batch"]
    search_fields = ["name_in_source", "emails_in_source", "organisations"]
    raw_id_fields = ["participant", "batch"]


@admin.register(DuplicateCandidate)
class DuplicateCandidateAdmin(ReadOnlyAdmin):
    list_display = ["label_a", "label_b", "score", "status", "created_at"]
    list_filter = ["status"]


# --- The programme: composed and sent on the staff pages, which run the services -----------


@admin.register(Newsletter)
class NewsletterAdmin(ReadOnlyAdmin):
    list_display = ["subject", "kind", "status", "audience", "scheduled_for", "started_at"]
    list_filter = ["status", "kind", "audience"]
    search_fields = ["subject"]
    exclude = ["body_html"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "starts_at", "time_zone", "capacity", "status"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "place"]
    exclude = ["description_html"]


@admin.register(RSVP)
class RSVPAdmin(ReadOnlyAdmin):
    list_display = ["activity", "member", "state", "updated_at", "reminded_at"]
    list_filter = ["state"]
    list_select_related = ["activity", "member__person"]


@admin.register(ResourceRequest)
class ResourceRequestAdmin(ReadOnlyAdmin):
    list_display = ["member", "session", "role", "state", "requested_at", "answered_at"]
    list_filter = ["state", "role"]
    list_select_related = ["member__person", "session__week__venue", "session__venue"]


@admin.register(BadAddress)
class BadAddressAdmin(ReadOnlyAdmin):
    list_display = ["email", "source", "failures", "last_failed_at", "cleared_at"]
    list_filter = ["source"]
    search_fields = ["email"]
