"""The one place that scopes training data by role and organisation.

Sessions are public to every coordinator (they choose where to nominate); enrolments,
people, documents and calendars are reached only through the coordinator's own
organisation, and anything else is a 404.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from norec_portal.models import User
from partnerships.access import coordinator_organisation
from partnerships.models import Person

from .models import (
    Enrolment,
    EnrolmentQuerySet,
    TrainingSession,
)


def enrolments_for_coordinator(user: User) -> EnrolmentQuerySet:
    """Enrolments nominated through the coordinator's organisation."""
    return Enrolment.objects.for_organisation(coordinator_organisation(user))


def get_enrolment_for_coordinator(user: User, pk: int) -> Enrolment:
    try:
        return enrolments_for_coordinator(user).with_related().get(pk=pk)
    except Enrolment.DoesNotExist:
        raise Http404 from None


def people_for_coordinator(user: User):
    """People the coordinator's organisation may nominate: the participants it sends
    and its own contact persons."""
    organisation = coordinator_organisation(user)
    return Person.objects.filter(
        Q(participations__sending_organisation=organisation)
        | Q(contact_roles__organisation=organisation)
    ).distinct()


def get_person_for_coordinator(user: User, pk: int) -> Person:
    try:
        return people_for_coordinator(user).get(pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None


def get_open_session(pk: int) -> TrainingSession:
    """A scheduled session (open to every coordinator for nominations)."""
    try:
        return TrainingSession.objects.scheduled().with_place().get(pk=pk)
    except TrainingSession.DoesNotExist:
        raise Http404 from None
