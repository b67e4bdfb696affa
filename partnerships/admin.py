"""The Django admin for people, partner organisations, partnerships and participants.

Every changelist selects its related rows up front (``list_select_related``, prefetches,
annotations), so a page costs the same number of queries whatever the row count. Foreign
keys to large tables use autocomplete widgets rather than selects with thousands of options.

Where a rule or the audit log applies, the admin writes through the services or not at
all: a partnership is created in the staff portal (``services.create_partnership``, the
lead/partner rule) and its members are read-only here; its phase changes only through the
changelist actions (``services.change_phase``); a participant is registered by their
coordinator, and a change of their exchange here goes through
``services.update_participant``, which checks it and writes the audit log; a person is
saved through ``services.save_person`` (cleaned, duplicates refused, audit log).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from . import services
from .admin_filters import (
    DecadeFilter,
    ElearningFilter,
    HasLoginFilter,
    MemberCountryFilter,
    RecordKindFilter,
    country_name,
)
from .admin_forms import ParticipantForm, PersonForm
from .models import (
    ContactPerson,
    Participant,
    ParticipantImport,
    PartnerOrganisation,
    Partnership,
    PartnershipMember,
    Person,
    Phase,
    PhaseChange,
)

# --- Inlines ------------------------------------------------------------------------------


class OrganisationContactInline(admin.TabularInline):
    model = ContactPerson
    extra = 0
    fields = ["person", "role", "active"]
    autocomplete_fields = ["person"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContactPerson]:
        return super().get_queryset(request).select_related("person")


class PersonContactInline(admin.TabularInline):
    model = ContactPerson
    extra = 0
    fields = ["organisation", "role", "active"]
    autocomplete_fields = ["organisation"]
    verbose_name_plural = _("contact roles")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContactPerson]:
        return super().get_queryset(request).select_related("organisation")


class ReadOnlyMixin:
    """Shown, never written here: the services own these rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MemberInline(ReadOnlyMixin, admin.TabularInline):
    """A partnership's members, as ``services.create_partnership`` set them."""

    model = PartnershipMember
    extra = 0
    fields = ["organisation", "role"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnershipMember]:
        return super().get_queryset(request).select_related("organisation")


class MembershipInline(ReadOnlyMixin, admin.TabularInline):
    model = PartnershipMember
    extra = 0
    fields = ["partnership", "role"]
    readonly_fields = fields
    verbose_name_plural = _("partnerships")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnershipMember]:
        return super().get_queryset(request).select_related("partnership")


class PhaseHistoryInline(admin.TabularInline):
    """The partnership's history, as written by the services; never edited by hand."""

    model = PhaseChange
    extra = 0
    fields = ["effective_on", "from_phase", "to_phase", "changed_by", "changed_at", "note"]
    readonly_fields = fields
    ordering = ["changed_at", "pk"]
    verbose_name = _("phase change")
    verbose_name_plural = _("phase history")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PhaseChange]:
        return super().get_queryset(request).select_related("changed_by")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ParticipationInline(admin.TabularInline):
    """A person's exchanges, read-only here; each opens in the participant admin."""

    model = Participant
    fk_name = "person"
    extra = 0
    fields = [
        "partnership", "sending_organisation", "host_organisation", "exchange_start",
        "exchange_end", "status", "exchange_year", "legacy_programme",
    ]  # fmt: skip
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("exchanges")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Participant]:
        return (
            super()
            .get_queryset(request)
            .select_related("partnership", "sending_organisation", "host_organisation")
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- People and organisations --------------------------------------------------------------


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonForm
    list_display = ["last_name", "first_name", "email", "country_name", "nationality_name",
                    "user"]  # fmt: skip
    list_display_links = ["last_name", "first_name"]
    list_select_related = ["user"]
    list_filter = [
        ("country", CountryFilter), "gender", "preferred_language", HasLoginFilter,
    ]  # fmt: skip
    search_fields = ["first_name", "last_name", "email", "phone"]
    # A login is given from the staff portal (portal_access.grant_portal_access).
    readonly_fields = ["user", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "email", "phone"]}),
        (_("Background"), {"fields": ["nationality", "country", "gender", "date_of_birth",
                                      "preferred_language"]}),
        (_("Portal"), {"fields": ["user", "created_at", "updated_at"]}),
    ]  # fmt: skip
    inlines = [PersonContactInline, ParticipationInline]

    @admin.display(description=_("country of residence"), ordering="country")
    def country_name(self, obj: Person) -> str:
        return country_name(obj.country)

    @admin.display(description=_("nationality"), ordering="nationality")
    def nationality_name(self, obj: Person) -> str:
        return country_name(obj.nationality)

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        saved = services.save_person(
            person=obj if change else None, person_data=form.person_data(), by=request.user
        )
        # The inlines are saved onto this instance afterwards.
        obj.pk, obj._state.adding, obj._state.db = saved.pk, False, saved._state.db


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "country_name", "city", "kind", "active", "partnership_count",
                    "coordinators"]  # fmt: skip
    list_filter = [("country", CountryFilter), "kind", "active", "partnerships__phase"]
    search_fields = ["name", "city"]
    readonly_fields = ["created_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [OrganisationContactInline, MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerOrganisation]:
        active_coordinators = ContactPerson.objects.filter(
            role=ContactPerson.Role.COORDINATOR, active=True
        ).select_related("person")
        return (
            super()
            .get_queryset(request)
            .annotate(partnership_total=Count("memberships", distinct=True))
            .prefetch_related(Prefetch("contacts", active_coordinators, to_attr="coordinator_list"))
        )

    @admin.display(description=_("country"), ordering="country")
    def country_name(self, obj: PartnerOrganisation) -> str:
        return country_name(obj.country)

    @admin.display(description=_("partnerships"), ordering="partnership_total")
    def partnership_count(self, obj: PartnerOrganisation) -> int:
        return obj.partnership_total

    @admin.display(description=_("active coordinators"))
    def coordinators(self, obj: PartnerOrganisation) -> str:
        return ", ".join(contact.person.full_name for contact in obj.coordinator_list) or "—"


@admin.register(ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    list_display = ["person", "person_email", "organisation", "role", "active", "has_login"]
    list_select_related = ["person", "organisation"]
    list_filter = [
        "role", "active", ("organisation__country", CountryFilter), HasLoginFilter,
    ]  # fmt: skip
    search_fields = ["person__first_name", "person__last_name", "person__email",
                     "organisation__name"]  # fmt: skip
    autocomplete_fields = ["person", "organisation"]
    readonly_fields = ["created_at"]

    @admin.display(description=_("email"), ordering="person__email")
    def person_email(self, obj: ContactPerson) -> str:
        return obj.person.email

    @admin.display(description=_("portal login"), boolean=True)
    def has_login(self, obj: ContactPerson) -> bool:
        return obj.person.user_id is not None


# --- Partnerships ---------------------------------------------------------------------------


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "phase", "adviser", "member_list", "feasibility_since",
                    "agreement_signed_on", "active_since", "closed_on"]  # fmt: skip
    list_select_related = ["adviser"]
    list_filter = [
        "phase", "programme", ("adviser", admin.RelatedOnlyFieldListFilter),
        ("members__organisation__country", MemberCountryFilter),
    ]  # fmt: skip
    search_fields = ["name", "members__organisation__name"]
    date_hierarchy = "feasibility_since"
    inlines = [MemberInline, PhaseHistoryInline]
    actions = ["move_to_agreement_signed", "move_to_active_exchange", "close_partnerships"]
    fieldsets = [
        (None, {"fields": ["name", "programme", "adviser"]}),
        (_("Phase"), {
            "description": _("The phase changes only through the actions on the partnership "
                             "list or the staff portal, which check each step and keep the "
                             "history."),
            "fields": ["phase", "next_phases_display", "feasibility_since",
                       "agreement_signed_on", "active_since", "closed_on"],
        }),
    ]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = ["phase", "next_phases_display", "agreement_signed_on", "active_since",
                    "closed_on"]  # fmt: skip
        if obj is not None:
            # Later phases were dated against it; moving it could break their order.
            readonly.append("feasibility_since")
        return readonly

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partnership]:
        members = PartnershipMember.objects.select_related("organisation")
        return super().get_queryset(request).prefetch_related(Prefetch("members", members))

    @admin.display(description=_("member organisations"))
    def member_list(self, obj: Partnership) -> str:
        return ", ".join(str(member.organisation) for member in obj.members.all())

    @admin.display(description=_("possible next phases"))
    def next_phases_display(self, obj: Partnership | None) -> str:
        if obj is None or obj.pk is None:
            return str(_("A new partnership starts in the feasibility phase."))
        if not obj.next_phases:
            return str(_("None: a closed partnership stays closed."))
        labels = ", ".join(str(Phase(phase).label) for phase in obj.next_phases)
        portal = reverse("partnerships:staff_partnership", args=[obj.pk])
        return format_html(
            '{} — <a href="{}">{}</a>', labels, portal, _("change the phase in the staff portal")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Created in the staff portal, through services.create_partnership.
        return False

    def _change_phase(
        self, request: HttpRequest, queryset: QuerySet[Partnership], to_phase: str
    ) -> None:
        moved = 0
        for partnership in queryset.order_by("name"):
            try:
                services.change_phase(partnership=partnership, to_phase=to_phase, by=request.user)
            except ValidationError as exc:
                messages.error(
                    request,
                    _("%(partnership)s was not moved: %(reasons)s")
                    % {"partnership": partnership.name, "reasons": " ".join(exc.messages)},
                )
            else:
                moved += 1
        if moved:
            messages.success(
                request,
                _("%(count)d partnership(s) moved to “%(phase)s”.")
                % {"count": moved, "phase": Phase(to_phase).label},
            )

    @admin.action(description=_("Move to “Agreement signed”"), permissions=["change"])
    def move_to_agreement_signed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_phase(request, queryset, Phase.AGREEMENT_SIGNED)

    @admin.action(description=_("Move to “Active exchange”"), permissions=["change"])
    def move_to_active_exchange(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_phase(request, queryset, Phase.ACTIVE_EXCHANGE)

    @admin.action(description=_("Close the selected partnerships"), permissions=["change"])
    def close_partnerships(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._change_phase(request, queryset, Phase.CLOSED)


@admin.register(PartnershipMember)
class PartnershipMemberAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["partnership", "organisation", "organisation_country", "role",
                    "partnership_phase"]  # fmt: skip
    list_select_related = ["partnership", "organisation"]
    list_filter = ["role", "partnership__phase", "partnership__programme",
                   ("organisation__country", CountryFilter)]  # fmt: skip
    search_fields = ["partnership__name", "organisation__name"]
    autocomplete_fields = ["partnership", "organisation"]

    @admin.display(description=_("country"), ordering="organisation__country")
    def organisation_country(self, obj: PartnershipMember) -> str:
        return country_name(obj.organisation.country)

    @admin.display(description=_("phase"), ordering="partnership__phase")
    def partnership_phase(self, obj: PartnershipMember) -> str:
        return obj.partnership.get_phase_display()


@admin.register(PhaseChange)
class PhaseChangeAdmin(admin.ModelAdmin):
    """The phase history across all partnerships; written only by the services."""

    list_display = ["partnership", "from_phase", "to_phase", "effective_on", "changed_by",
                    "changed_at"]  # fmt: skip
    list_select_related = ["partnership", "changed_by"]
    list_filter = ["to_phase", "partnership__programme", "effective_on"]
    search_fields = ["partnership__name", "note"]
    date_hierarchy = "effective_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Participants ---------------------------------------------------------------------------


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    form = ParticipantForm
    list_display = ["person", "partnership", "sending_organisation", "host_organisation",
                    "exchange_start", "exchange_end", "status", "elearning_completed_on",
                    "exchange_year", "legacy_programme"]  # fmt: skip
    list_select_related = ["person", "partnership", "sending_organisation", "host_organisation"]
    list_filter = [
        "status", RecordKindFilter, ElearningFilter, "partnership__programme",
        "partnership__phase", "legacy_programme", DecadeFilter,
        ("sending_organisation__country", CountryFilter),
    ]  # fmt: skip
    search_fields = ["person__first_name", "person__last_name", "person__email", "source_id",
                     "partnership__name"]  # fmt: skip
    autocomplete_fields = ["partnership", "host_organisation"]
    fieldsets = [
        (None, {"fields": ["person", "status"]}),
        (_("Exchange"), {"fields": ["partnership", "sending_organisation", "host_organisation",
                                    "exchange_start", "exchange_end",
                                    "elearning_completed_on"]}),
        (_("Historical record"), {"fields": ["exchange_year", "legacy_programme",
                                             "source_id"]}),
        (_("Record"), {"fields": ["registered_by", "created_at", "updated_at"]}),
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Registered by their coordinator (services.register_participant).
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [field for _title, options in self.fieldsets for field in options["fields"]]
        if obj is not None and obj.partnership_id:
            # The exchange is what services.update_participant changes.
            return [field for field in fields if field not in services.PLAN_FIELDS]
        return fields

    def save_model(self, request: HttpRequest, obj: Participant, form: Any, change: bool) -> None:
        if form.fields:
            services.update_participant(
                participant=obj, person_data={}, plan=form.plan(), by=request.user
            )


@admin.register(ParticipantImport)
class ParticipantImportAdmin(admin.ModelAdmin):
    """Coordinators' spreadsheet uploads, for support: read-only."""

    list_display = [
        "created_at", "organisation", "original_filename", "status", "row_count",
        "error_row_count", "uploaded_by",
    ]  # fmt: skip
    list_filter = ["status", "file_format", "created_at"]
    search_fields = ["organisation__name", "original_filename", "uploaded_by__email"]
    list_select_related = ["organisation", "uploaded_by"]
    date_hierarchy = "created_at"
    exclude = ["rows"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
