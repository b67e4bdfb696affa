"""The one place that scopes partnership data by role and organisation.

A coordinator reaches only what concerns their own organisation; anything else is a 404,
so another organisation's records cannot even be confirmed to exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from norec_portal.models import User

from .models import (
    ContactPerson,
    Participant,
    ParticipantImport,
    ParticipantQuerySet,
    PartnerOrganisation,
    Partnership,
)


def coordinator_organisation(user: User) -> PartnerOrganisation:
    """The organisation a coordinator account acts for (403 if it is not linked to one)."""
    cached = getattr(user, "_coordinator_organisation", None)
    if cached is not None:
        return cached
    contact = (
        ContactPerson.objects.select_related("organisation")
        .filter(
            person__user=user,
            role=ContactPerson.Role.COORDINATOR,
            active=True,
            organisation__active=True,
        )
        .first()
    )
    if contact is None:
        raise PermissionDenied(
            _("Your account is not linked to an active partner organisation. Contact Norec.")
        )
    user._coordinator_organisation = contact.organisation
    return contact.organisation


def participants_for_coordinator(user: User) -> ParticipantQuerySet:
    """Participants the coordinator's organisation sends or hosts."""
    return Participant.objects.for_organisation(coordinator_organisation(user))


def get_participant_for_coordinator(user: User, pk: int, *, editable: bool = False) -> Participant:
    """One participant of the coordinator's organisation; editable ones are those it sends."""
    organisation = coordinator_organisation(user)
    participants = Participant.objects.with_related()
    if editable:
        participants = participants.filter(sending_organisation=organisation)
    else:
        participants = participants.for_organisation(organisation)
    try:
        return participants.get(pk=pk)
    except Participant.DoesNotExist:
        raise Http404 from None


def partnerships_for_coordinator(user: User):
    return Partnership.objects.for_organisation(coordinator_organisation(user)).distinct()


def get_partnership_for_coordinator(user: User, pk: int) -> Partnership:
    try:
        return partnerships_for_coordinator(user).get(pk=pk)
    except Partnership.DoesNotExist:
        raise Http404 from None


def get_import_for_coordinator(user: User, pk: int) -> ParticipantImport:
    """One spreadsheet import of the coordinator's organisation; any other is a 404."""
    try:
        return ParticipantImport.objects.select_related("uploaded_by", "committed_by").get(
            pk=pk, organisation=coordinator_organisation(user)
        )
    except ParticipantImport.DoesNotExist:
        raise Http404 from None
