"""Personal data: what the portal holds about one person, export, erasure and retention.

The core knows no app's models. Each app registers a :class:`Source` in its
``AppConfig.ready()``: the models it covers, a function that yields the records it holds
about a :class:`Subject` (a person record and/or a login), an anonymiser, the people it
still needs (so the retention job leaves them alone) and its own retention job.

* Export: :func:`export_subject` gathers every source's sections into one JSON-able
  dict; :func:`export_json` and :func:`export_pdf` turn it into a download.
* Erasure: :func:`anonymise_subject` runs every anonymiser (the core's last: it deletes
  the login). Records needed for statistics (exchanges, enrolments) stay, without the
  personal fields.
* Retention: :func:`apply_retention` (a beat task) runs every source's job; each is
  idempotent, so running it twice changes nothing more.

A test walks every installed model of the project's apps and fails when one with
personal fields is covered by no source (see ``tests/test_privacy_coverage.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEntry, EnrolmentLink, OutboxEmail, User

ANONYMISED = "(anonymised)"
ANONYMISED_EMAIL_DOMAIN = "anonymised.invalid"


@dataclass(frozen=True)
class Subject:
    """Whom an export or an erasure concerns. ``emails`` are the addresses known when
    the subject was built: anonymisers run one after the other and must all still find
    the records kept under the address the first one erased."""

    person: Any = None  # a partnerships.Person; the core does not import the apps
    user: User | None = None
    emails: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *, person: Any = None, user: User | None = None) -> Subject:
        if user is None and person is not None and getattr(person, "user_id", None):
            user = person.user
        found = (getattr(person, "email", ""), getattr(user, "email", ""))
        emails = frozenset(e.strip().lower() for e in found if e and e.strip())
        return cls(person=person, user=user, emails=emails)

    @property
    def person_id(self) -> int | None:
        return getattr(self.person, "pk", None)


@dataclass
class Section:
    """One kind of record held about the subject, as rows of JSON-safe values."""

    title: str
    model: str
    records: list[dict[str, Any]]
    labels: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "model": self.model, "labels": self.labels,
                "records": self.records}  # fmt: skip


ExportFn = Callable[[Subject], Iterable[Section]]
AnonymiseFn = Callable[[Subject, Any], Iterable[str]]
KeepFn = Callable[[dt.datetime], Iterable[models.QuerySet]]
RetentionFn = Callable[[dt.datetime], dict[str, int]]
BlockersFn = Callable[[Subject], Iterable[str]]


@dataclass(frozen=True)
class Source:
    """What one app holds about people, and how to export, erase and expire it.

    ``covers``: the models whose personal data this source exports and anonymises.
    ``people_to_keep(cutoff)``: querysets of the (never NULL: they feed ``NOT IN``) ids
    of the people the app still needs (recent activity, members, contacts); the retention
    job never anonymises those.
    ``blockers(subject)``: why the app cannot let the subject be anonymised now (an
    upcoming training, say); any blocker stops the erasure with that message.
    ``order``: anonymisers run from low to high (the core, which deletes the login, last).
    """

    app: str
    covers: tuple[type[models.Model], ...]
    export: ExportFn
    anonymise: AnonymiseFn | None = None
    people_to_keep: KeepFn | None = None
    retention: RetentionFn | None = None
    blockers: BlockersFn | None = None
    order: int = 50


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    """Register (or replace, on a second ``ready()``) an app's source."""
    _SOURCES[source.app] = source


def sources() -> list[Source]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.app))


def covered_models() -> set[type[models.Model]]:
    return {model for source in sources() for model in source.covers}


# --- Building sections ---------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-safe, readable value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "code") and hasattr(value, "name"):  # a django-countries Country
        return value.code or ""
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _value(obj: models.Model, name: str) -> Any:
    try:
        model_field = obj._meta.get_field(name)
    except Exception:  # a property or an annotation
        return _plain(getattr(obj, name))
    if getattr(model_field, "choices", None) and not model_field.is_relation:
        value = _plain(getattr(obj, name))
        if value in ("", None):
            return value
        return str(getattr(obj, f"get_{name}_display")())
    if model_field.many_to_many:
        return [str(item) for item in getattr(obj, name).all()]
    if model_field.is_relation:
        related = getattr(obj, name)
        return str(related) if related is not None else None
    return _plain(getattr(obj, name))


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name.replace("_", " ")


def section(
    title: str, model: type[models.Model], objects: Iterable[models.Model], names: Sequence[str]
) -> Section:
    """A section listing ``names`` of each object (callers select/prefetch relations)."""
    names = ["id", *[n for n in names if n != "id"]]
    return Section(
        title=title,
        model=model._meta.label,
        records=[{name: _value(obj, name) for name in names} for obj in objects],
        labels={name: _label(model, name) for name in names},
    )


def named_as(user: User | None, model: type[models.Model], *fields: str) -> Section | None:
    """The rows of ``model`` that name ``user`` in one of ``fields`` (who created,
    decided, nominated…): a login's own actions are personal data of that login."""
    if user is None:
        return None
    records: list[dict[str, Any]] = []
    for name in fields:
        lookup = {name: user}
        for pk in model._default_manager.filter(**lookup).values_list("pk", flat=True):
            records.append({"id": pk, "as": _label(model, name)})
    if not records:
        return None
    return Section(
        title=_("%(things)s naming this login") % {"things": model._meta.verbose_name_plural},
        model=model._meta.label,
        records=records,
        labels={"id": "id", "as": _("named as")},
    )


def placeholder_email(pk: int | None) -> str:
    return f"person-{pk or 0}@{ANONYMISED_EMAIL_DOMAIN}"


# --- Export --------------------------------------------------------------------------------


def export_subject(subject: Subject) -> dict[str, Any]:
    """Everything the portal holds about ``subject``, as one JSON-able dict."""
    sections: list[dict[str, Any]] = []
    for source in sources():
        for found in source.export(subject):
            if found is not None and found.records:
                sections.append({"app": source.app, **found.as_dict()})
    return {
        "generated_at": timezone.now().isoformat(),
        "subject": {"person_id": subject.person_id,
                    "user_id": subject.user.pk if subject.user else None},
        "sections": sections,
    }  # fmt: skip


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def export_pdf(data: dict[str, Any], *, name: str) -> bytes:
    """A readable PDF of :func:`export_subject`'s result."""
    from .pdf import render_pdf

    sections = [
        {
            **s,
            "rows": [
                [(s["labels"].get(k, k), _readable(v)) for k, v in r.items()] for r in s["records"]
            ],
        }
        for s in data["sections"]
    ]
    return render_pdf(
        "documents/privacy_export.html",
        {"name": name, "generated_at": timezone.now(), "sections": sections},
    )


def _readable(value: Any) -> str:
    if value is None or value == "":
        return ""
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    if isinstance(value, list):
        return ", ".join(_readable(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_readable(v)}" for k, v in value.items())
    if isinstance(value, str) and ISO_DATETIME.match(value):
        moment = timezone.localtime(dt.datetime.fromisoformat(value))
        return moment.strftime("%Y-%m-%d %H:%M %Z")
    return str(value)


ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


# --- Erasure -------------------------------------------------------------------------------


@transaction.atomic
def anonymise_subject(subject: Subject, *, by: Any) -> list[str]:
    """Run every source's anonymiser; return what each did (no personal values)."""
    done: list[str] = []
    for source in sources():
        if source.anonymise is not None:
            done.extend(source.anonymise(subject, by))
    return done


def blockers(subject: Subject) -> list[str]:
    """Every source's reasons not to anonymise ``subject`` now."""
    found: list[str] = []
    for source in sources():
        if source.blockers is not None:
            found.extend(source.blockers(subject))
    return found


def people_to_keep(cutoff: dt.datetime) -> list[models.QuerySet]:
    """Querysets of the person ids some app still needs (see :class:`Source`)."""
    kept: list[models.QuerySet] = []
    for source in sources():
        if source.people_to_keep is not None:
            kept.extend(source.people_to_keep(cutoff))
    return kept


def apply_retention(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every source's retention job, in turn; the counts of what each removed."""
    now = now or timezone.now()
    report: dict[str, int] = {}
    for source in sources():
        if source.retention is not None:
            for key, count in source.retention(now).items():
                report[f"{source.app}.{key}"] = count
    return report


# --- The core's own source: logins, the outbox, the audit log --------------------------------


def _core_export(subject: Subject) -> Iterable[Section]:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    user = subject.user
    if user is not None:
        yield section(
            _("Login"), User, [user],
            ["email", "full_name", "role", "language", "is_active", "date_joined", "last_login"],
        )  # fmt: skip
        yield section(
            _("Login email addresses"), EmailAddress,
            EmailAddress.objects.filter(user=user).order_by("pk"),
            ["email", "verified", "primary"],
        )  # fmt: skip
        yield section(
            _("Sign-in methods"), Authenticator,
            Authenticator.objects.filter(user=user).order_by("pk"),
            ["type", "created_at", "last_used_at"],
        )  # fmt: skip
        yield section(
            _("Authenticator set-up links"), EnrolmentLink,
            EnrolmentLink.objects.filter(user=user).order_by("pk"),
            ["email", "created_at", "expires_at", "used_at"],
        )  # fmt: skip
        actions = AuditEntry.objects.filter(actor=user).select_related("object_type")
        yield section(_("Changes made with this login"), AuditEntry, actions,
                      ["at", "action", "object_type", "object_id", "changed_fields"])  # fmt: skip
    about = _audit_about(subject)
    if about is not None:
        yield section(_("Changes to these records"), AuditEntry,
                      about.select_related("object_type"),
                      ["at", "action", "object_type", "changed_fields"])  # fmt: skip
    if subject.emails:
        emails = OutboxEmail.objects.filter(to_email__in=subject.emails).order_by("created_at")
        yield section(_("Emails sent"), OutboxEmail, emails,
                      ["to_email", "subject", "state", "created_at", "sent_at"])  # fmt: skip


def _audit_about(subject: Subject) -> models.QuerySet[AuditEntry] | None:
    match = models.Q()
    for obj in (subject.person, subject.user):
        if obj is not None and obj.pk:
            match |= models.Q(object_type=ContentType.objects.get_for_model(obj),
                              object_id=obj.pk)  # fmt: skip
    return AuditEntry.objects.filter(match) if match else None


def _core_anonymise(subject: Subject, by: Any) -> Iterable[str]:
    done: list[str] = []
    if subject.emails:
        # Nothing more goes out to the address; what went out keeps only its state.
        queued = OutboxEmail.objects.filter(
            to_email__in=subject.emails, state__in=OutboxEmail.DUE_STATES
        ).update(state=OutboxEmail.State.FAILED, last_error="recipient anonymised")
        redacted = OutboxEmail.objects.filter(to_email__in=subject.emails).update(
            to_email=placeholder_email(subject.person_id), subject=ANONYMISED, body_text="",
            body_html="", headers={},
        )  # fmt: skip
        done.append(f"outbox: {redacted} emails redacted, {queued} not sent")
    # The admin's history names objects by their str(): drop those names.
    for obj in (subject.person, subject.user):
        if obj is not None and obj.pk:
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
            ).update(object_repr=ANONYMISED, change_message="")
    if subject.user is not None and subject.user.pk:
        ended = end_sessions(subject.user)
        # The login goes, with its addresses and authenticators (cascade); rows that
        # only name it as their author keep their place with an empty author.
        User.objects.filter(pk=subject.user.pk).delete()
        done.append(f"login deleted, {ended} sessions ended")
    return done


def end_sessions(user: User) -> int:
    """Delete every session of ``user``: they may hold the login's address and would
    otherwise outlive an erasure until they expire. Sessions are read one by one (they
    are signed blobs), but only the unexpired ones, at most a day's worth."""
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    mine = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(store.decode(session.session_data).get("_auth_user_id")) == str(user.pk)
    ]
    return Session.objects.filter(pk__in=mine).delete()[0]


def _core_retention(now: dt.datetime) -> dict[str, int]:
    expired, _by_model = Session.objects.filter(expire_date__lt=now).delete()
    cutoff = now - dt.timedelta(days=settings.PRIVACY_TOKEN_DAYS)
    links, _by_model = EnrolmentLink.objects.filter(
        models.Q(used_at__lt=cutoff) | models.Q(expires_at__lt=cutoff)
    ).delete()
    return {"expired_sessions": expired, "enrolment_links": links}


def register_core() -> None:
    register(
        Source(
            app="norec_portal",
            covers=(User, OutboxEmail, AuditEntry, EnrolmentLink),
            export=_core_export,
            anonymise=_core_anonymise,
            retention=_core_retention,
            order=100,
        )
    )
