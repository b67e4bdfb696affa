"""Django admin for trainings. It writes only through ``services``: venues are saved by
``save_venue`` and enrolments added by ``enrol`` and changed by actions that call the
enrolment services; weeks, sessions and document batches are read-only here (they are
planned on the staff pages, whose services enforce the week's shape and the seats)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .models import DocumentBatch, Enrolment, SessionDay, TrainingSession, TrainingWeek, Venue


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never written: no add, change or delete through the admin."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "country", "time_zone", "active"]
    list_filter = ["active", "country"]
    search_fields = ["name", "city"]

    def save_model(self, request: HttpRequest, obj: Venue, form, change: bool) -> None:
        services.save_venue(venue=obj, by=request.user)


class SessionInline(admin.TabularInline):
    model = TrainingSession
    fields = ["kind", "group", "capacity", "first_day", "last_day", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TrainingWeek)
class TrainingWeekAdmin(ReadOnlyAdmin):
    list_display = ["starts_on", "venue", "format", "status", "signup_call_sent_at"]
    list_filter = ["status", "format", "venue"]
    date_hierarchy = "starts_on"
    list_select_related = ["venue"]
    fields = ["venue", "starts_on", "format", "status", "cancellation_reason", "notes"]
    inlines = [SessionInline]


class DayInline(admin.TabularInline):
    model = SessionDay
    fields = ["starts_at", "ends_at", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "group", "capacity", "first_day", "status"]
    list_filter = ["kind", "status"]
    date_hierarchy = "first_day"
    list_select_related = ["week__venue", "venue"]
    fields = ["kind", "week", "group", "venue", "online", "capacity", "first_day", "last_day",
              "status", "title"]  # fmt: skip
    inlines = [DayInline]


class EnrolmentAddForm(forms.ModelForm):
    confirm = forms.BooleanField(label=_("Confirm at once"), required=False)

    class Meta:
        model = Enrolment
        fields = ["session", "person"]

    def clean(self):
        cleaned = super().clean()
        session, person = cleaned.get("session"), cleaned.get("person")
        if session and person:
            try:
                placement = services.check_enrolment(session=session, person=person)
                if cleaned.get("confirm"):
                    services.check_confirmation(
                        kind=session.kind, participant=placement.participant, person=person
                    )
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
        return cleaned


def _run_each(
    request: HttpRequest, queryset: QuerySet[Enrolment], action: Callable[[Enrolment], object]
) -> None:
    done = 0
    for enrolment in queryset.select_related("person"):
        try:
            action(enrolment)
        except ValidationError as exc:
            messages.error(request, f"{enrolment.person}: {' '.join(exc.messages)}")
        else:
            done += 1
    if done:
        messages.success(request, _("%(count)d enrolment(s) changed.") % {"count": done})


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "organisation", "state", "created_at"]
    list_filter = ["state", "kind"]
    search_fields = ["person__first_name", "person__last_name", "person__email"]
    list_select_related = ["person", "organisation", "session__week__venue", "session__venue"]
    raw_id_fields = ["session", "person"]
    actions = ["confirm", "cancel", "mark_attended", "mark_no_show"]

    def get_form(self, request: HttpRequest, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = EnrolmentAddForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ["session", "person", "confirm"]
        return ["session", "person", "kind", "organisation", "state", "waitlisted_at",
                "confirmed_at", "cancelled_at", "cancellation_reason"]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Enrolment, form, change: bool) -> None:
        if change:
            return
        enrolment = services.enrol(
            session=form.cleaned_data["session"],
            person=form.cleaned_data["person"],
            by=request.user,
            confirm=form.cleaned_data.get("confirm", False),
        )
        # The admin goes on with ``obj`` (messages, log, redirect): make it the saved row.
        obj.__dict__.update({k: v for k, v in enrolment.__dict__.items() if k != "_state"})
        obj._state.adding = False

    @admin.action(description=_("Confirm the selected nominations"))
    def confirm(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> None:
        _run_each(
            request, queryset, lambda e: services.confirm_enrolment(enrolment=e, by=request.user)
        )

    @admin.action(description=_("Cancel the selected enrolments"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> None:
        _run_each(
            request, queryset, lambda e: services.cancel_enrolment(enrolment=e, by=request.user)
        )

    @admin.action(description=_("Mark the selected people as attended"))
    def mark_attended(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> None:
        _run_each(
            request,
            queryset,
            lambda e: services.mark_attendance(enrolment=e, attended=True, by=request.user),
        )

    @admin.action(description=_("Mark the selected people as not attending"))
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> None:
        _run_each(
            request,
            queryset,
            lambda e: services.mark_attendance(enrolment=e, attended=False, by=request.user),
        )


@admin.register(DocumentBatch)
class DocumentBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "session", "status", "finished_at"]
    list_filter = ["status", "kind"]
    fields = ["session", "kind", "status", "enrolment_ids", "filename", "error",
              "requested_by", "created_at", "started_at", "finished_at"]  # fmt: skip
