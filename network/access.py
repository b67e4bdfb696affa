"""Who reaches which network data: the one place that scopes it.

Staff see everything (their pages carry ``staff_required``). A member reaches only their
own profile, and the directory only once they have opted in to it themselves.
Coordinators reach nothing of the network: every network page is for staff, for members
or public (and a public page shows nothing the visitor did not type or receive by email).
"""

from __future__ import annotations

from django.http import Http404

from norec_portal.models import Role, User

from .models import Member


def member_for_user(user: User) -> Member | None:
    """The member profile of an alumnus login, or None."""
    if not user.is_authenticated or user.role != Role.ALUMNUS:
        return None
    # Languages and expertise are read by the few pages that show them, when they do.
    return Member.objects.select_related("person", "person__user").filter(person__user=user).first()


def get_member_for_user(user: User) -> Member:
    member = member_for_user(user)
    if member is None:
        raise Http404
    return member


def can_browse_directory(user: User, member: Member | None = None) -> bool:
    """Staff, and members who are themselves visible in it (give to get)."""
    if user.is_staff:
        return True
    member = member if member is not None else member_for_user(user)
    return member is not None and member.directory_consent
