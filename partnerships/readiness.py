"""Readiness of participants and contact persons, as shown to coordinators and staff.

Other apps add what they know (the trainings app: Training 1 and Training 2 status of
participants, Partner training of contact persons and organisations) by registering a
provider in their ``AppConfig.ready``; this keeps imports one-way (``partnerships`` never
imports ``trainings``). A provider gets the participants (or organisations and contact
persons) of one page and must answer with a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import ContactPerson, Participant, PartnerOrganisation


@dataclass(frozen=True)
class ReadinessItem:
    label: str  # e.g. "E-learning", "Training 1"
    status: str  # short text shown in a badge
    tone: str = "info"  # ok | warn | bad | info


Provider = Callable[[Sequence[Participant]], dict[int, list[ReadinessItem]]]
PROVIDERS: list[Provider] = []


def register(provider: Provider, *, domains: Sequence[str] = ()) -> Provider:
    """Add a provider (once). ``domains`` is not used: it is still accepted because
    ``trainings.apps`` passes it, and can go when that call stops."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


@register
def elearning(participants: Sequence[Participant]) -> dict[int, list[ReadinessItem]]:
    result = {}
    for participant in participants:
        if participant.elearning_completed_on:
            item = ReadinessItem(_("E-learning"), _("Done"), "ok")
        else:
            item = ReadinessItem(_("E-learning"), _("Not done"), "warn")
        result[participant.pk] = [item]
    return result


def readiness(participants: Sequence[Participant]) -> dict[int, list[ReadinessItem]]:
    """All readiness items per participant id, in provider order."""
    combined: dict[int, list[ReadinessItem]] = {p.pk: [] for p in participants}
    for provider in PROVIDERS:
        for pk, items in provider(participants).items():
            combined.setdefault(pk, []).extend(items)
    return combined


# --- Contact persons and their organisations -------------------------------------------
# What an organisation's contact persons still need (the trainings app: Partner training),
# per contact person and summed up per organisation. The pages that show one show the
# other beside it, so a provider answers both from one query.


@dataclass(frozen=True)
class ContactsReadiness:
    contacts: dict[int, list[ReadinessItem]]  # by ContactPerson id (not Person)
    organisations: dict[int, list[ReadinessItem]]  # by organisation id


ContactsProvider = Callable[
    [Sequence[PartnerOrganisation], Sequence[ContactPerson]], ContactsReadiness
]
CONTACTS_PROVIDERS: list[ContactsProvider] = []


def register_contacts(provider: ContactsProvider) -> ContactsProvider:
    """Add a provider of contact persons' and organisations' readiness (once)."""
    if provider not in CONTACTS_PROVIDERS:
        CONTACTS_PROVIDERS.append(provider)
    return provider


def contacts_readiness(
    organisations: Sequence[PartnerOrganisation], contacts: Sequence[ContactPerson] = ()
) -> ContactsReadiness:
    """All readiness items of ``contacts`` (contact persons of ``organisations``) and of
    the organisations themselves, in provider order."""
    combined = ContactsReadiness(
        contacts={c.pk: [] for c in contacts}, organisations={o.pk: [] for o in organisations}
    )
    if not organisations:
        return combined
    for provider in CONTACTS_PROVIDERS:
        found = provider(organisations, contacts)
        for pk, items in found.contacts.items():
            combined.contacts.setdefault(pk, []).extend(items)
        for pk, items in found.organisations.items():
            combined.organisations.setdefault(pk, []).extend(items)
    return combined


# --- Sections of the coordinator's dashboard -------------------------------------------
# A section another app adds to the dashboard (the trainings app: whose travel details are
# missing): a template and its context for the coordinator's organisation, in one query.


@dataclass(frozen=True)
class DashboardSection:
    template: str
    context: dict


DashboardProvider = Callable[[PartnerOrganisation], DashboardSection | None]
DASHBOARD_PROVIDERS: list[DashboardProvider] = []


def register_dashboard(provider: DashboardProvider) -> DashboardProvider:
    """Add a provider of a dashboard section (once)."""
    if provider not in DASHBOARD_PROVIDERS:
        DASHBOARD_PROVIDERS.append(provider)
    return provider


def dashboard_sections(organisation: PartnerOrganisation) -> list[DashboardSection]:
    """The sections other apps add to the organisation's dashboard, in provider order."""
    return [s for provider in DASHBOARD_PROVIDERS if (s := provider(organisation)) is not None]
