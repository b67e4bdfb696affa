"""The resource-person directory: search (staff, and members who opted in) and export."""

from __future__ import annotations

import csv
import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.db.models import BooleanField, Q, Value
from django.db.models.functions import Lower
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from norec_portal.countries import country_names
from norec_portal.models import User
from norec_portal.rows import url_for_pk
from partnerships.models import Person

from .forms import DirectoryFilterForm
from .models import Member, MemberQuerySet

logger = logging.getLogger(__name__)

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
# count is kept in the cache under the directory's current generation, which changes
# whenever a member, a person or a login is saved or deleted, or a member's languages or
# expertise change: a count is never older than the data it was taken from. Changes
# that bypass the model signals (``QuerySet.update``) call ``forget_counts`` themselves;
# should one be missed, a count still lapses after ``COUNT_SECONDS``.

_GENERATION_KEY = "network:directory:generation"
COUNT_SECONDS = 600


def count(members: MemberQuerySet) -> int:
    """``members.count()``, from the cache while the directory has not changed."""
    key = count_key(members)
    found = cache.get_many([_GENERATION_KEY, key])
    generation = found.get(_GENERATION_KEY)
    if generation is None:
        cache.add(_GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(_GENERATION_KEY)
    kept = found.get(key)
    if kept is not None and kept[0] == generation:
        return kept[1]
    number = members.count()
    cache.set(key, (generation, number), COUNT_SECONDS)
    return number


def count_key(members: MemberQuerySet) -> str:
    """The cache key of a search's count: its query, whatever filters made it."""
    sql, params = members.query.sql_with_params()
    return "network:directory:count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()


def forget_counts() -> None:
    """Start a new generation: now, so that this transaction's own requests count afresh,
    and again at commit, so that no count taken before the commit outlives it."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    try:
        cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)
    except Exception:  # a change is saved even when the cache cannot be reached
        logger.warning("directory: the cache is unreachable; counts lapse in %s s",
                       COUNT_SECONDS, exc_info=True)  # fmt: skip


def _changed(sender: Any, update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    if sender is User and update_fields is not None and "is_active" not in update_fields:
        return  # a login's last visit or password: no directory shows those
    forget_counts()


def _relations_changed(action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        forget_counts()


def connect_signals() -> None:
    for model in (Member, Person, User):
        uid = f"network.directory.counts.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
    for through in (Member.languages.through, Member.expertise.through):
        uid = f"network.directory.counts.{through.__name__}"
        m2m_changed.connect(_relations_changed, sender=through, dispatch_uid=uid)


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
