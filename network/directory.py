"""The resource-person directory: search (staff, and members who opted in) and export."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.db.models import Q
from django.db.models.functions import Lower
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.spreadsheets import csv_safe

from .forms import DirectoryFilterForm
from .models import Member, MemberQuerySet

AVAILABILITY_FIELDS = {
    "lecturer": "available_as_lecturer",
    "interpreter": "available_as_interpreter",
    "resource_person": "available_as_resource_person",
}


def for_staff() -> MemberQuerySet:
    """Every member, as a directory row shows them."""
    return Member.objects.for_rows()


def for_export() -> MemberQuerySet:
    """Every member, whole (the export has a column for each field)."""
    return Member.objects.with_related()


def visible_to_members() -> MemberQuerySet:
    """Members see only those who said yes to being shown, as a directory row shows them."""
    return Member.objects.in_directory().for_rows()


def search(members: MemberQuerySet, form: DirectoryFilterForm) -> MemberQuerySet:
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            for word in data["q"].split()[:5]:
                members = members.filter(
                    Q(person__first_name__icontains=word)
                    | Q(person__last_name__icontains=word)
                    | Q(organisation__icontains=word)
                )
        if data["country"]:
            members = members.filter(person__country=data["country"])
        if data["expertise"]:
            members = members.filter(expertise=data["expertise"])
        if data["language"]:
            members = members.filter(languages=data["language"])
        availability = data["availability"]
        if availability == "any":
            members = members.resource_persons()
        elif availability in AVAILABILITY_FIELDS:
            members = members.filter(**{AVAILABILITY_FIELDS[availability]: True})
    # Case-insensitive, as people read a directory, and the order of the person name index
    # (partnerships' person_name_idx): PostgreSQL walks the index for the first page
    # instead of joining and sorting every visible member.
    return members.order_by(Lower("person__last_name"), Lower("person__first_name"), "pk")


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_csv(members: MemberQuerySet) -> StreamingHttpResponse:
    """Stream the search result as CSV (staff only: it holds email addresses)."""
    header = [_("First name"), _("Last name"), _("Email"), _("Phone"), _("Country"),
              _("Organisation"), _("Position"), _("Languages"), _("Expertise"), _("LinkedIn"),
              _("Lecturer"), _("Interpreter"), _("Resource person"), _("Newsletter"),
              _("In directory"), _("Joined")]  # fmt: skip
    writer = csv.writer(_Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for m in members.iterator(chunk_size=500):
            p = m.person
            yield writer.writerow([csv_safe(str(v or "")) for v in (
                p.first_name, p.last_name, p.email, p.phone, p.country.code or "",
                m.organisation, m.position, "; ".join(str(x) for x in m.language_list),
                "; ".join(x.name for x in m.expertise_list), m.linkedin_url,
                _yes(m.available_as_lecturer), _yes(m.available_as_interpreter),
                _yes(m.available_as_resource_person), _yes(m.newsletter_consent),
                _yes(m.directory_consent), m.joined_at.date().isoformat(),
            )])  # fmt: skip

    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="norec-network-{stamp}.csv"'
    return response


def _yes(value: bool) -> str:
    return _("yes") if value else ""
