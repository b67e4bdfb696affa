"""The resource-person directory: search (staff, and members who opted in) and export."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from django.db.models import BooleanField, Q, Value
from django.db.models.functions import Lower
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal import generations
from norec_portal.countries import country_names
from norec_portal.rows import url_for_pk

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


# --- How many members a search finds ----------------------------------------------------
#
# A page of the directory reads 25 members through an index, but its "n members" and
# "page 1 of n" need every match counted: at 12,000 members, joined to their people and
# logins, that costs more than the rest of the page (bench/RESULTS.md). Each search's
# count is kept until the network, the people or the logins change
# (``norec_portal.generations``): a count is never older than the data it was taken from.

COUNT_DOMAINS = ("network", "partnerships", "accounts")
COUNT_SECONDS = 600


def count(members: MemberQuerySet) -> int:
    """``members.count()``, from the cache while the directory's data has not changed."""
    return generations.cached(count_key(members), COUNT_DOMAINS, members.count,
                              timeout=COUNT_SECONDS)  # fmt: skip


def count_key(members: MemberQuerySet) -> str:
    """The cache key of a search's count: its query, whatever filters made it."""
    sql, params = members.query.sql_with_params()
    return "network:directory:count:" + generations.key_of(sql, params)


# --- Rows ---------------------------------------------------------------------------------


class Row(NamedTuple):
    """What one row of the directory prints (plain text: the page escapes it). Members
    see all but ``url``, ``hidden`` and ``email``."""

    url: str
    name: str
    hidden: bool
    linkedin_url: str
    country: str
    organisation: str
    position: str
    languages: str
    expertise: list[str]
    available_as: list[str]
    email: str


def rows(members: Iterable[Member], *, link: str = "") -> list[Row]:
    """The directory rows of a page of members (``MemberQuerySet.for_rows``), each
    linking to the URL named ``link`` with the member's person (none if "").

    Worked out once a page: country names, labels and lists, looked up or translated in
    each cell by template filters and tags, cost more than the rest of the page."""
    members = list(members)
    spoken, known = languages_and_expertise([m.pk for m in members])
    countries = country_names()
    url = url_for_pk(link) if link else lambda pk: ""
    labels = (
        ("available_as_lecturer", _("Lecturer")),
        ("available_as_interpreter", _("Interpreter")),
        ("available_as_resource_person", _("Resource person")),
    )
    return [
        Row(
            url=url(m.person_id),
            name=m.person.full_name,
            hidden=not m.directory_consent,
            linkedin_url=m.linkedin_url,
            country=countries.get(m.person.country.code, "") or "—",
            organisation=m.organisation or "—",
            position=m.position,
            languages=", ".join(spoken[m.pk]) or "—",
            expertise=known[m.pk],
            available_as=[label for field, label in labels if getattr(m, field)],
            email=m.person.email or "—",
        )
        for m in members
    ]


def languages_and_expertise(
    member_ids: list[int],
) -> tuple[defaultdict[int, list[str]], defaultdict[int, list[str]]]:
    """The names of the languages and of the expertise of each member, in alphabetical
    order: one query for both, and no model built for a name."""
    languages = (
        Member.languages.through.objects.filter(member_id__in=member_ids)
        .values_list("member_id", "language__name", Value(True, output_field=BooleanField()))
    )  # fmt: skip
    expertise = (
        Member.expertise.through.objects.filter(member_id__in=member_ids)
        .values_list("member_id", "expertisetag__name", Value(False, output_field=BooleanField()))
    )  # fmt: skip
    spoken: defaultdict[int, list[str]] = defaultdict(list)
    known: defaultdict[int, list[str]] = defaultdict(list)
    for member_id, name, is_language in languages.union(expertise, all=True).order_by(
        "language__name"
    ):
        (spoken if is_language else known)[member_id].append(name)
    return spoken, known


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


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
            yield writer.writerow([_safe(v) for v in (
                p.first_name, p.last_name, p.email, p.phone, p.country.code or "",
                m.organisation, m.position, "; ".join(x.name for x in m.language_list),
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
