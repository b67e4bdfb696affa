"""Who of the former participants Norec can reach by email, country by country.

Every former participant (a person with a completed exchange) is in exactly one group,
tested in this order:

1. **confirmed**: a member of the network, or someone who accepted an invitation — the
   address has been shown to work by its owner;
2. **bounced**: the address on record bounced (an active :class:`BadAddress`) or an
   invitation to it bounced;
3. **unconfirmed**: an address on record that nobody has proved yet (most of the archive);
4. **suggestion**: no usable address, but the archive's text has a likely correction
   waiting for staff (:class:`RawAddress`);
5. **none**: no address at all.

The worklist is groups 2, 4 and 5: the people staff should fix before a wave reaches their
country. Accepting a suggestion writes the address through the contact history, like any
other staff change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries as country_names

from norec_portal import addresses
from norec_portal.audit import Action, record_audit
from norec_portal.models import User
from partnerships.models import Participant, Person

from ..models import BadAddress, ContactChange, Invitation, Member, RawAddress
from .common import email_taken, record_change

CONFIRMED = "confirmed"
BOUNCED = "bounced"
UNCONFIRMED = "unconfirmed"
SUGGESTION = "suggestion"
NONE = "none"
GROUPS = {
    CONFIRMED: gettext_lazy("Confirmed address"),
    BOUNCED: gettext_lazy("Bounced"),
    UNCONFIRMED: gettext_lazy("Address not yet confirmed"),
    SUGGESTION: gettext_lazy("Correction waiting"),
    NONE: gettext_lazy("No address"),
}
# The groups staff work through.
TO_FIX = (BOUNCED, SUGGESTION, NONE)


def alumni() -> QuerySet[Person]:
    """Everyone with a completed exchange, with the facts the groups are made of."""
    completed = Participant.objects.filter(
        person=OuterRef("pk"), status=Participant.Status.COMPLETED
    )
    bad = BadAddress.objects.filter(cleared_at__isnull=True, email=Lower(OuterRef("email")))
    return Person.objects.filter(Exists(completed)).annotate(
        is_member=Exists(Member.objects.filter(person=OuterRef("pk"))),
        accepted=Exists(
            Invitation.objects.filter(person=OuterRef("pk"), state=Invitation.State.ACCEPTED)
        ),
        bounced=Exists(bad)
        | Exists(
            Invitation.objects.filter(
                person=OuterRef("pk"), state=Invitation.State.BOUNCED, email=OuterRef("email")
            )
        ),
        has_suggestion=Exists(
            RawAddress.objects.filter(person=OuterRef("pk"), resolution="").exclude(suggestion="")
        ),
    )


def _group_case() -> Case:
    return Case(
        When(Q(is_member=True) | Q(accepted=True), then=Value(1)),
        When(~Q(email="") & Q(bounced=True), then=Value(2)),
        When(~Q(email=""), then=Value(3)),
        When(has_suggestion=True, then=Value(4)),
        default=Value(5),
        output_field=IntegerField(),
    )


_GROUP_NUMBERS = {CONFIRMED: 1, BOUNCED: 2, UNCONFIRMED: 3, SUGGESTION: 4, NONE: 5}


def in_group(people: QuerySet[Person], group: str) -> QuerySet[Person]:
    return people.annotate(group=_group_case()).filter(group=_GROUP_NUMBERS[group])


@dataclass
class CountryReach:
    country: str
    name: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def to_fix(self) -> int:
        return sum(self.counts[group] for group in TO_FIX)

    @property
    def reachable_share(self) -> int:
        """Per cent of the country's alumni with a confirmed or unconfirmed address."""
        if not self.total:
            return 0
        return round(100 * (self.counts[CONFIRMED] + self.counts[UNCONFIRMED]) / self.total)

    def groups(self) -> list[tuple[str, str, int]]:
        return [(key, str(label), self.counts[key]) for key, label in GROUPS.items()]


def reachability(countries: Iterable[str] | None = None) -> list[CountryReach]:
    """One row per country (largest first), counted in one grouped query."""
    people = alumni()
    if countries is not None:
        people = people.filter(country__in=list(countries))
    grouped = (
        people.annotate(group=_group_case())
        .values("country", "group")
        .order_by()
        .annotate(n=Count("pk"))
    )
    by_country: dict[str, CountryReach] = {}
    numbers = {number: key for key, number in _GROUP_NUMBERS.items()}
    for row in grouped:
        code = row["country"] or ""
        reach = by_country.setdefault(
            code, CountryReach(country=code, name=str(country_names.name(code)) if code else "")
        )
        reach.counts[numbers[row["group"]]] += row["n"]
    return sorted(by_country.values(), key=lambda r: (-r.total, r.name))


def totals(rows: Iterable[CountryReach]) -> CountryReach:
    total = CountryReach(country="", name=_("All countries"))
    for row in rows:
        for key, value in row.counts.items():
            total.counts[key] += value
    return total


def worklist(*, country: str, group: str = "") -> QuerySet[Person]:
    """The people of ``country`` to fix (one group of :data:`TO_FIX`, or all of them),
    with what the archive and the mail system say about them."""
    people = alumni().filter(country=country).annotate(group=_group_case())
    wanted = [_GROUP_NUMBERS[group]] if group in TO_FIX else [_GROUP_NUMBERS[g] for g in TO_FIX]
    open_raw = RawAddress.objects.filter(resolution="").order_by("created_at", "pk")
    bad = BadAddress.objects.filter(cleared_at__isnull=True, email=Lower(OuterRef("email")))
    bounced_invitation = Invitation.objects.filter(
        person=OuterRef("pk"), state=Invitation.State.BOUNCED
    ).order_by("-pk")
    return (
        people.filter(group__in=wanted)
        .annotate(
            # Why the address is on the list: what the mail system said, and when.
            bounce_reason=Subquery(bad.values("reason")[:1]),
            bounced_on=Subquery(bad.values("last_failed_at")[:1]),
            invitation_bounced_on=Subquery(bounced_invitation.values("bounced_at")[:1]),
        )
        .prefetch_related(
            Prefetch("raw_addresses", queryset=open_raw, to_attr="open_raw_addresses"),
            Prefetch(
                "participations",
                queryset=Participant.objects.filter(status=Participant.Status.COMPLETED)
                .select_related("historical_record")
                .order_by("exchange_year", "pk"),
                to_attr="completed_exchanges",
            ),
        )
        .order_by("group", "last_name", "first_name", "pk")
    )


# --- Decisions on an address as written ----------------------------------------------------


def _lock_open(raw_address: RawAddress) -> RawAddress:
    locked = RawAddress.objects.select_for_update().select_related("person").get(pk=raw_address.pk)
    if locked.resolution:
        raise ValidationError(_("This address has already been dealt with."))
    return locked


@transaction.atomic
def accept_suggestion(*, raw_address: RawAddress, by: User | None) -> Person:
    """Make the suggested correction the person's address (kept in the contact history).

    Refused when the person already has an address (change it on their page instead), or
    when the corrected address belongs to someone else (then the two may be one person)."""
    raw_address = _lock_open(raw_address)
    suggestion = raw_address.suggestion
    check = addresses.check_address(suggestion) if suggestion else None
    if check is None or check.status != addresses.VALID:
        raise ValidationError(_("There is no usable suggestion for this address."))
    person = Person.objects.select_for_update().get(pk=raw_address.person_id)
    if person.email:
        raise ValidationError(
            _("%(name)s already has the address %(email)s; change it on their page if it is "
              "wrong.") % {"name": person.full_name, "email": person.email}
        )  # fmt: skip
    if email_taken(check.address, person=person):
        raise ValidationError(
            _("%(email)s already belongs to another record: look for a duplicate first.")
            % {"email": check.address}
        )
    record_change(
        person=person, field="email", old=person.email, new=check.address,
        via=ContactChange.Via.STAFF, by=by,
    )  # fmt: skip
    person.email = check.address
    person.save(update_fields=["email"])
    _resolve(raw_address, RawAddress.Resolution.ACCEPTED, by=by)
    return person


@transaction.atomic
def dismiss_raw_address(*, raw_address: RawAddress, by: User | None) -> RawAddress:
    """Set an address as written aside: it stays on the record's history, off the list."""
    raw_address = _lock_open(raw_address)
    _resolve(raw_address, RawAddress.Resolution.DISMISSED, by=by)
    return raw_address


def _resolve(raw_address: RawAddress, resolution: str, *, by: User | None) -> None:
    raw_address.resolution = resolution
    raw_address.resolved_at = timezone.now()
    raw_address.resolved_by = by
    raw_address.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    record_audit(
        by=by, action=Action.UPDATE, obj=raw_address.person, changes=["email"],
        summary=f"address as written {resolution}: {raw_address.raw[:80]}",
    )  # fmt: skip
