"""The audit log: who changed what on people, enrolments, invitation waves and newsletters.

Services call :func:`record_audit` in the transaction of the change, so an entry exists
exactly when the change does. Only field *names* are kept, never values: pass the names
of the fields that changed (a mapping is accepted and only its keys are kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry, User

Action = AuditEntry.Action


def _actor(by: Any) -> User | None:
    # Anonymous visitors (public links) and beat jobs act as "the system".
    if by is None or not getattr(by, "is_authenticated", False) or not getattr(by, "pk", None):
        return None
    return by


def _names(changes: Iterable[str] | Mapping[str, Any] | None) -> list[str]:
    if not changes:
        return []
    names = changes.keys() if isinstance(changes, Mapping) else changes
    return sorted({str(name)[:60] for name in names})


def record_audit(
    *,
    by: Any,
    action: str,
    obj: models.Model,
    changes: Iterable[str] | Mapping[str, Any] | None = None,
    summary: str = "",
) -> AuditEntry:
    """Append one entry: ``by`` (a user, or None for the system) did ``action`` to ``obj``.

    ``summary`` is a short note without personal data (a status, a count).
    """
    return AuditEntry.objects.create(
        actor=_actor(by),
        action=action,
        object_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        changed_fields=_names(changes),
        summary=summary[:200],
    )


def record_audit_many(
    *,
    by: Any,
    action: str,
    objs: Sequence[models.Model],
    changes: Iterable[str] | Mapping[str, Any] | None = None,
    summary: str = "",
) -> int:
    """The same entry for many objects (e.g. every enrolment of a cancelled week, or a
    new person and their participation), in one INSERT."""
    if not objs:
        return 0
    names = _names(changes)
    actor = _actor(by)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor,
                action=action,
                object_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
                object_id=obj.pk,
                changed_fields=names,
                summary=summary[:200],
            )
            for obj in objs
        ]
    )
    return len(objs)


def record_export(
    *,
    by: Any,
    model: type[models.Model],
    rows: int,
    what: str,
    filters: Mapping[str, Any] | None = None,
    free_text: Iterable[str] = ("q",),
) -> AuditEntry:
    """One entry for an export of many records of ``model``: who, what (``what``, e.g.
    "directory csv"), how many rows, and the filter.

    Filter values are kept (a country, a status), except those named in ``free_text``:
    a search may be a person's name, so only that it was used is kept.
    """
    shown = []
    for name, value in sorted((filters or {}).items()):
        if value in (None, "", [], ()):
            continue
        shown.append(f"{name}=…" if name in free_text else f"{name}={value}")
    summary = f"{what}: {rows} rows; filter: {' '.join(shown) or 'none'}"
    return AuditEntry.objects.create(
        actor=_actor(by),
        action=Action.EXPORT,
        object_type=ContentType.objects.get_for_model(model, for_concrete_model=True),
        object_id=None,
        changed_fields=sorted(name for name, value in (filters or {}).items()
                              if value not in (None, "", [], ())),
        summary=summary[:200],
    )  # fmt: skip


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Names of the keys whose values differ between two snapshots."""
    return sorted(k for k in after if before.get(k) != after.get(k))


def snapshot(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The current values of ``names`` (to compare with :func:`changed_fields`)."""
    return {name: getattr(obj, name) for name in names}
