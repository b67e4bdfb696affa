"""The admin's list filters for people, organisations and participants, and how a country
is shown in a changelist cell."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country
from django_countries.filters import CountryFilter

from norec_portal.ids import parse_id

from .models import Person


def country_name(country: Country) -> str:
    # The field's own display would build a dict of every country for each cell.
    return str(country.name) if country else "—"


class MemberCountryFilter(CountryFilter):
    title = _("member country")


class ElearningFilter(admin.SimpleListFilter):
    title = _("e-learning")
    parameter_name = "elearning"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("done", _("Done")), ("missing", _("Not done"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "done":
            return queryset.filter(elearning_completed_on__isnull=False)
        if self.value() == "missing":
            return queryset.filter(elearning_completed_on__isnull=True)
        return queryset


class RecordKindFilter(admin.SimpleListFilter):
    """Current exchanges (registered with a partnership) against historical records."""

    title = _("record")
    parameter_name = "record"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("current", _("Through a partnership")), ("historical", _("Historical record"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "current":
            return queryset.filter(partnership__isnull=False)
        if self.value() == "historical":
            return queryset.filter(partnership__isnull=True)
        return queryset


class DecadeFilter(admin.SimpleListFilter):
    title = _("exchange decade")
    parameter_name = "decade"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [(str(decade), f"{decade}s") for decade in range(1960, 2030, 10)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        start = parse_id(self.value())
        if start is not None:
            return queryset.filter(exchange_year__gte=start, exchange_year__lt=start + 10)
        return queryset


class HasLoginFilter(admin.SimpleListFilter):
    title = _("portal login")
    parameter_name = "login"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("yes", _("Has a login")), ("no", _("No login"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        field = "user" if queryset.model is Person else "person__user"
        if self.value() == "yes":
            return queryset.filter(**{f"{field}__isnull": False})
        if self.value() == "no":
            return queryset.filter(**{f"{field}__isnull": True})
        return queryset
