"""Newsletters and activities in the members' languages (see ``models.versions``).

Staff give the English text on the row and, optionally, a French, Spanish and Portuguese
version each; a reader gets their language's version, English when there is none. The
functions here check and save the versions, and pick the one a reader gets.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from ..models import VERSION_CODES, Activity, ActivityVersion, Newsletter, NewsletterVersion
from ..rendering import render_markdown

ENGLISH = "en"


@dataclass(frozen=True)
class Version:
    """One language's text as staff enter it: a subject (or title) and a body (or
    description). Both empty: no version in that language."""

    language: str
    heading: str = ""
    body: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.heading.strip() and not self.body.strip()


def version_language(language: str | None) -> str:
    """The version a reader of ``language`` gets: theirs, or English (``en``)."""
    code = (language or "").split("-")[0].lower()
    return code if code in VERSION_CODES else ENGLISH


def check_versions(versions: Iterable[Version], *, body_required: bool) -> dict[str, str]:
    """Errors by form field name (``subject_fr``/``body_fr`` style, see ``field_names``)."""
    errors: dict[str, str] = {}
    for version in versions:
        if version.language not in VERSION_CODES:
            errors[f"heading_{version.language}"] = _("This language is not offered.")
            continue
        if version.is_empty:
            continue
        if not " ".join(version.heading.split()):
            errors[f"heading_{version.language}"] = _(
                "Give this language's version its title, or leave the version empty."
            )
        if body_required and not version.body.strip():
            errors[f"body_{version.language}"] = _(
                "Write this language's text, or leave the version empty."
            )
    return errors


def _clean_heading(text: str) -> str:
    return " ".join(text.split())[:200]


def save_newsletter_versions(newsletter: Newsletter, versions: Iterable[Version]) -> None:
    """Replace the newsletter's versions (checked already): empty ones are removed."""
    keep = [v for v in versions if not v.is_empty]
    newsletter.versions.exclude(language__in=[v.language for v in keep]).delete()
    for version in keep:
        NewsletterVersion.objects.update_or_create(
            newsletter=newsletter,
            language=version.language,
            defaults={
                "subject": _clean_heading(version.heading),
                "body": version.body,
                "body_html": render_markdown(version.body),
            },
        )


def save_activity_versions(activity: Activity, versions: Iterable[Version]) -> None:
    keep = [v for v in versions if not v.is_empty]
    activity.versions.exclude(language__in=[v.language for v in keep]).delete()
    for version in keep:
        ActivityVersion.objects.update_or_create(
            activity=activity,
            language=version.language,
            defaults={
                "title": _clean_heading(version.heading),
                "description": version.body,
                "description_html": render_markdown(version.body),
            },
        )


def newsletter_versions_of(newsletter: Newsletter) -> tuple[Version, ...]:
    return tuple(
        Version(v.language, v.subject, v.body) for v in newsletter.versions.order_by("language")
    )


def activity_versions_of(activity: Activity) -> tuple[Version, ...]:
    return tuple(
        Version(v.language, v.title, v.description) for v in activity.versions.order_by("language")
    )


# --- What a reader gets ------------------------------------------------------------------


@dataclass(frozen=True)
class Content:
    language: str
    subject: str
    body: str
    body_html: str


def newsletter_in(
    newsletter: Newsletter,
    language: str | None,
    versions: Mapping[str, NewsletterVersion] | None = None,
) -> Content:
    """The newsletter as a reader of ``language`` gets it. ``versions`` (by language) saves
    a query per reader when many are rendered."""
    code = version_language(language)
    if code != ENGLISH:
        if versions is None:
            version = newsletter.versions.filter(language=code).first()
        else:
            version = versions.get(code)
        if version is not None:
            return Content(code, version.subject, version.body, version.body_html)
    return Content(ENGLISH, newsletter.subject, newsletter.body, newsletter.body_html)


def with_version(items: QuerySet[Any], language: str | None) -> QuerySet[Any]:
    """Newsletters or activities with their version in ``language`` prefetched (as
    ``version_list``, one query for a whole page)."""
    code = version_language(language)
    model = items.model.versions.field.model  # the version model of the queryset's rows
    return items.prefetch_related(
        Prefetch("versions", queryset=model.objects.filter(language=code), to_attr="version_list")
    )


def newsletter_shown(newsletter: Newsletter, language: str | None) -> Any:
    """A copy of ``newsletter`` with its subject and text in ``language`` (for a page;
    never saved). Reads ``version_list`` when prefetched by :func:`with_version`."""
    code = version_language(language)
    if code == ENGLISH:
        return newsletter
    prefetched = getattr(newsletter, "version_list", None)
    if prefetched is not None:
        version = next((v for v in prefetched if v.language == code), None)
    else:
        version = newsletter.versions.filter(language=code).first()
    if version is None:
        return newsletter
    shown = copy.copy(newsletter)
    shown.subject, shown.body, shown.body_html = version.subject, version.body, version.body_html
    return shown


def versions_by_language(newsletter: Newsletter) -> dict[str, NewsletterVersion]:
    return {v.language: v for v in newsletter.versions.all()}


def languages_of(newsletter: Newsletter) -> list[str]:
    """English first, then the languages it has a version in."""
    return [ENGLISH, *sorted(newsletter.versions.values_list("language", flat=True))]


def activity_in(activity: Any, language: str | None) -> Any:
    """A copy of ``activity`` with its title and description in ``language`` (English when
    there is no version). The copy is for showing: it is never saved.

    Reads ``activity.version_list`` when the caller prefetched the versions (lists),
    otherwise asks the database once.
    """
    code = version_language(language)
    if code == ENGLISH:
        return activity
    prefetched = getattr(activity, "version_list", None)
    if prefetched is not None:
        version = next((v for v in prefetched if v.language == code), None)
    else:
        version = activity.versions.filter(language=code).first()
    if version is None:
        return activity
    shown = copy.copy(activity)
    shown.title = version.title
    shown.description = version.description or activity.description
    shown.description_html = version.description_html or activity.description_html
    return shown
