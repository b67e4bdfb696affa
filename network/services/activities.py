"""Activities of the network and members' RSVPs.

Locking: every function that changes who holds a seat locks the activity row first
(``_lock``), one activity per transaction, so two members can never both take the last
seat; the seat count is read under that lock.

About 500 lines, kept whole: the seat rules, the RSVPs, the waiting list, the
announcements and the reminders all read the same rows under that one lock, and are
easier to check side by side.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from norec_portal.audit import Action, record_audit
from norec_portal.emails import send_templated_email
from norec_portal.models import User
from norec_portal.zones import in_zone

from ..models import RSVP, Activity, Audience, Member, Newsletter
from ..rendering import render_markdown
from . import newsletters
from .common import absolute_url
from .member_time import member_time
from .versions import (
    ENGLISH,
    Version,
    activity_in,
    activity_versions_of,
    check_versions,
    save_activity_versions,
)

Kind = Activity.Kind
RSVPState = RSVP.State
PRODID = "-//Norec//Norec Network activities//EN"


@functools.cache
def time_zones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z and "Etc" not in z)


# --- Staff: the activity itself ------------------------------------------------------------


@dataclass(frozen=True)
class ActivityData:
    """An activity as staff enter it: wall-clock times in the activity's own zone."""

    title: str
    kind: str
    starts: dt.datetime  # naive, local to ``time_zone``
    ends: dt.datetime  # naive, local to ``time_zone``
    time_zone: str
    description: str = ""
    place: str = ""
    country: str = ""
    online_url: str = ""
    capacity: int | None = None
    versions: tuple[Version, ...] = ()  # title and description in French, Spanish…


def check_activity(data: ActivityData) -> dict[str, str]:
    """Every problem with an activity, by field. A value given as None (a form field that
    could not be read) is not checked: the form says what is wrong with it."""
    errors: dict[str, str] = {}
    if data.title is not None and not " ".join(data.title.split()):
        errors["title"] = _("Give the activity a title.")
    if data.kind is not None and data.kind not in Kind.values:
        errors["kind"] = _("Choose what kind of activity it is.")
    if data.time_zone is not None and data.time_zone not in time_zones():
        errors["time_zone"] = _("Choose a time zone from the list.")
    if data.starts is not None and data.ends is not None and data.ends <= data.starts:
        errors["ends"] = _("The end must come after the start.")
    if data.kind == Kind.PHYSICAL and not data.place.strip():
        errors["place"] = _("Say where the meeting takes place.")
    if data.kind in Activity.ONLINE_KINDS and not data.online_url.strip():
        errors["online_url"] = _("Give the link members use to take part online.")
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = _("Give at least one seat, or leave it empty for no limit.")
    errors.update(check_versions(data.versions, body_required=False))
    return errors


def _aware(value: dt.datetime, zone_name: str) -> dt.datetime:
    return value.replace(tzinfo=zoneinfo.ZoneInfo(zone_name))


def _apply(activity: Activity, data: ActivityData) -> None:
    errors = check_activity(data)
    if errors:
        raise ValidationError(errors)
    activity.title = " ".join(data.title.split())[:200]
    activity.kind = data.kind
    activity.description = data.description
    activity.description_html = render_markdown(data.description)
    activity.time_zone = data.time_zone
    activity.starts_at = _aware(data.starts, data.time_zone)
    activity.ends_at = _aware(data.ends, data.time_zone)
    activity.place = " ".join(data.place.split())[:300]
    activity.country = data.country or ""
    activity.online_url = data.online_url.strip()
    activity.capacity = data.capacity


def data_of(activity: Activity) -> ActivityData:
    """The activity as the form shows it (times in its own zone, without the zone)."""
    return ActivityData(
        title=activity.title,
        kind=activity.kind,
        description=activity.description,
        starts=activity.starts_at.astimezone(activity.zone).replace(tzinfo=None),
        ends=activity.ends_at.astimezone(activity.zone).replace(tzinfo=None),
        time_zone=activity.time_zone,
        place=activity.place,
        country=activity.country.code or "",
        online_url=activity.online_url,
        capacity=activity.capacity,
        versions=activity_versions_of(activity),
    )


@transaction.atomic
def create_activity(*, data: ActivityData, by: User | None) -> Activity:
    """A new draft: members see nothing of it until :func:`publish_activity`."""
    activity = Activity(created_by=by, status=Activity.Status.DRAFT)
    _apply(activity, data)
    activity.save()
    save_activity_versions(activity, data.versions)
    return activity


def _lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


def _going(activity: Activity) -> int:
    return activity.rsvps.filter(state=RSVPState.GOING).count()


@transaction.atomic
def update_activity(*, activity: Activity, data: ActivityData, by: User | None) -> Activity:
    """Change an activity; more seats move people up from the waitlist."""
    activity = _lock(activity)
    if activity.is_cancelled:
        raise ValidationError(_("A cancelled activity cannot be changed."))
    going = _going(activity)
    if data.capacity is not None and data.capacity < going:
        raise ValidationError(
            {
                "capacity": _("%(n)d members already have a seat: give at least %(n)d seats.")
                % {"n": going}
            }
        )
    before = _time_and_place(activity)
    _apply(activity, data)
    moved = activity.status == Activity.Status.PLANNED and _time_and_place(activity) != before
    if moved:
        activity.revision += 1
    activity.save()
    save_activity_versions(activity, data.versions)
    if moved:
        _tell_of_change(activity, started_moved=before[0] != activity.starts_at)
    _promote_waitlisted(activity)
    return activity


def _time_and_place(activity: Activity) -> tuple[Any, ...]:
    """What members with a seat are told about when it changes after publishing."""
    return (
        activity.starts_at,
        activity.ends_at,
        activity.place,
        activity.country.code if activity.country else "",
        activity.online_url,
    )


def _tell_of_change(activity: Activity, *, started_moved: bool) -> None:
    """Each member with a seat gets one email per change (``revision`` in the key); a new
    start time also makes the day-before reminder due again."""
    going = activity.rsvps.filter(state=RSVPState.GOING)
    if started_moved:
        going.update(reminded_at=None)
    for answer in going.select_related("member__person"):
        answer.activity = activity
        _notify(
            answer,
            "network_activity_changed",
            key=f"activity:{activity.pk}:changed:{activity.revision}:member:{answer.member_id}",
        )


@transaction.atomic
def publish_activity(
    *,
    activity: Activity,
    by: User | None,
    audience: str | None = Audience.ALL,
    countries: tuple[str, ...] = (),
) -> Newsletter | None:
    """Make a draft visible to members and announce it to ``audience`` (None: publish
    without an announcement).

    Once only: the activity row is locked and must still be a draft, so a second click, a
    second tab or a retry is refused and nobody is announced to twice.
    """
    activity = _lock(activity)
    if not activity.is_draft:
        raise ValidationError(_("This activity is published already."))
    if activity.has_started():
        raise ValidationError(_("An activity that has begun cannot be published."))
    activity.status = Activity.Status.PLANNED
    activity.published_at = timezone.now()
    activity.save(update_fields=["status", "published_at", "updated_at"])
    record_audit(by=by, action=Action.STATUS, obj=activity, changes=["status"], summary="published")
    if audience is None:
        return None
    announcement = announce_activity(
        activity=activity, by=by, audience=audience, countries=countries
    )
    newsletters.start_sending(newsletter=announcement, by=by)
    return announcement


@transaction.atomic
def cancel_activity(*, activity: Activity, by: User | None) -> Activity:
    """Cancel for everybody; those with a seat or on the waitlist are told."""
    activity = _lock(activity)
    if activity.is_cancelled:
        raise ValidationError(_("This activity is cancelled already."))
    activity.status = Activity.Status.CANCELLED
    activity.cancelled_at = timezone.now()
    activity.save(update_fields=["status", "cancelled_at", "updated_at"])
    told = activity.rsvps.filter(state__in=[RSVPState.GOING, RSVPState.WAITLISTED])
    for rsvp in told.select_related("member__person"):
        _notify(
            rsvp,
            "network_activity_cancelled",
            key=f"activity:{activity.pk}:cancelled:member:{rsvp.member_id}",
        )
    return activity


@transaction.atomic
def announce_activity(
    *,
    activity: Activity,
    by: User | None,
    audience: str = Audience.ALL,
    countries: tuple[str, ...] = (),
) -> Newsletter:
    """A draft announcement of the activity; staff choose its audience and send it like a
    newsletter."""
    if activity.is_draft:
        raise ValidationError(_("Publish the activity before announcing it."))
    if activity.is_cancelled or activity.has_started():
        raise ValidationError(_("Only an activity that is still to come can be announced."))
    with translation.override(ENGLISH):
        body = _announcement_text(activity)
    versions = []
    for version in activity.versions.all():
        shown = activity_in(activity, version.language)
        with translation.override(version.language):
            versions.append(Version(version.language, shown.title, _announcement_text(shown)))
    draft = newsletters.Draft(
        subject=activity.title,
        body=body,
        audience=audience,
        countries=tuple(countries),
        versions=tuple(versions),
    )
    return newsletters.create_newsletter(draft=draft, by=by, activity=activity)


def _announcement_text(activity: Activity) -> str:
    """The announcement's Markdown, in the active language."""
    start = in_zone(activity.starts_at, activity.zone)
    when = _("%(date)s, %(time)s (%(zone)s)") % {
        "date": formats.date_format(start, "l j F Y"),
        "time": formats.time_format(start, "H:i"),
        "zone": activity.time_zone,
    }
    where = activity.place_label or activity.get_kind_display()
    lines = [
        f"**{activity.get_kind_display()}** — {when}",
        "",
        _("Where: %(place)s") % {"place": where},
        "",
        activity.description,
        "",
        _("[Read more and sign up on the portal](%(url)s)")
        % {"url": absolute_url("network:activity", activity.pk)},
    ]
    return "\n".join(lines).strip()


# --- Members: RSVPs ----------------------------------------------------------------------


def _check_open(activity: Activity) -> None:
    if activity.is_draft:
        raise ValidationError(_("This activity is not open yet."))
    if activity.is_cancelled:
        raise ValidationError(_("This activity has been cancelled."))
    if activity.has_started():
        raise ValidationError(_("This activity has begun; answers are closed."))


@transaction.atomic
def rsvp(*, activity: Activity, member: Member) -> RSVP:
    """Take a seat, or a place on the waitlist when all are taken. Asking again changes
    nothing."""
    activity = _lock(activity)
    _check_open(activity)
    now = timezone.now()
    answer = RSVP.objects.select_for_update().filter(activity=activity, member=member).first()
    if answer is not None and answer.state != RSVPState.CANCELLED:
        return answer
    full = activity.capacity is not None and _going(activity) >= activity.capacity
    state = RSVPState.WAITLISTED if full else RSVPState.GOING
    if answer is None:
        answer = RSVP(activity=activity, member=member, created_at=now, version=0)
    answer.state = state
    answer.version += 1
    answer.updated_at = now
    answer.waitlisted_at = now if full else None
    answer.save()
    answer.activity = activity
    answer.member = member
    template = "network_activity_waitlisted" if full else "network_activity_confirmed"
    _notify(answer, template, key=f"activity:{activity.pk}:rsvp:{answer.pk}:v{answer.version}")
    return answer


@transaction.atomic
def cancel_rsvp(*, activity: Activity, member: Member) -> RSVP | None:
    """Give the seat (or waitlist place) back; the first on the waitlist moves up."""
    activity = _lock(activity)
    answer = RSVP.objects.select_for_update().filter(activity=activity, member=member).first()
    if answer is None or answer.state == RSVPState.CANCELLED:
        return answer
    if activity.has_started():
        raise ValidationError(_("This activity has begun; answers are closed."))
    answer.state = RSVPState.CANCELLED
    answer.version += 1
    answer.updated_at = timezone.now()
    answer.waitlisted_at = None
    answer.save()
    if not activity.is_cancelled:
        _promote_waitlisted(activity)
    return answer


def _promote_waitlisted(activity: Activity) -> list[RSVP]:
    """Fill free seats from the waitlist, first come first served (activity locked)."""
    waitlist = activity.rsvps.filter(state=RSVPState.WAITLISTED).order_by("waitlisted_at", "pk")
    if activity.capacity is not None:
        free = activity.capacity - _going(activity)
        if free <= 0:
            return []
        waitlist = waitlist[:free]
    promoted = list(waitlist.select_related("member__person"))
    now = timezone.now()
    for answer in promoted:
        answer.state = RSVPState.GOING
        answer.version += 1
        answer.updated_at = now
        answer.waitlisted_at = None
        answer.save()
        answer.activity = activity
        _notify(
            answer,
            "network_activity_promoted",
            key=f"activity:{activity.pk}:rsvp:{answer.pk}:v{answer.version}",
        )
    return promoted


# --- Emails --------------------------------------------------------------------------------


def _context(activity: Activity, person: Any, member: Member | None = None) -> dict[str, Any]:
    activity = activity_in(activity, person.preferred_language)
    own = member_time(activity, member.zone_name) if member is not None else None
    return {
        "activity": activity,
        "person": person,
        "first_name": person.first_name,
        "member_time": own,
        "starts": in_zone(activity.starts_at, activity.zone),
        "ends": in_zone(activity.ends_at, activity.zone),
        "url": absolute_url("network:activity", activity.pk),
        "ics_url": absolute_url("network:activity_ics", activity.pk),
    }


def _notify(answer: RSVP, template: str, *, key: str) -> bool:
    person = answer.member.person
    if not person.email:
        return False
    send_templated_email(
        key=key,
        to=person.email,
        name=template,
        context=_context(answer.activity, person, answer.member),
        language=person.preferred_language or None,
    )
    return True


def reminder_hours() -> int:
    return settings.NETWORK_ACTIVITY_REMINDER_HOURS


@transaction.atomic
def send_activity_reminders(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Beat: one reminder to each member with a seat, the day before the activity."""
    now = now or timezone.now()
    due = list(
        RSVP.objects.filter(
            state=RSVPState.GOING,
            reminded_at__isnull=True,
            activity__status=Activity.Status.PLANNED,
            activity__starts_at__gt=now,
            activity__starts_at__lte=now + timedelta(hours=reminder_hours()),
        )
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("activity", "member__person")
        .order_by("pk")[:limit]
    )
    for answer in due:
        _notify(
            answer,
            "network_activity_reminder",
            key=f"activity:{answer.activity_id}:reminder:member:{answer.member_id}",
        )
    RSVP.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)
    return len(due)


# --- Reading ---------------------------------------------------------------------------------


def with_seats(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    return activities.annotate(
        n_going=Count("rsvps", filter=Q(rsvps__state=RSVPState.GOING)),
        n_waitlisted=Count("rsvps", filter=Q(rsvps__state=RSVPState.WAITLISTED)),
    ).annotate(n_free=F("capacity") - F("n_going"))


def for_member(member: Member) -> QuerySet[Activity]:
    """Planned activities with the seat counts and this member's own answer (no one
    else's)."""
    own = RSVP.objects.filter(activity=OuterRef("pk"), member=member).values("state")[:1]
    return with_seats(
        Activity.objects.visible_to_members().filter(status=Activity.Status.PLANNED)
    ).annotate(my_state=Subquery(own))


def seats_left(activity: Any) -> int | None:
    """Free seats of an activity annotated by :func:`with_seats` (None: no limit)."""
    if activity.capacity is None:
        return None
    return max(activity.capacity - activity.n_going, 0)


# --- Calendar --------------------------------------------------------------------------------


def ics_for(activity: Activity) -> bytes:
    """The activity as an iCalendar file, its times in its own zone."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    event = Event()
    event.add("uid", f"network-activity-{activity.pk}@{settings.OUTBOX_MESSAGE_ID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", activity.starts_at.astimezone(activity.zone))
    event.add("dtend", activity.ends_at.astimezone(activity.zone))
    event.add("summary", activity.title)
    event.add("description", activity.description)
    location = activity.place or activity.online_url
    if location:
        event.add("location", location)
    url = activity.online_url or absolute_url("network:activity", activity.pk)
    event.add("url", url)
    event.add("status", "CANCELLED" if activity.is_cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
