"""Newsletters and activities in the members' languages.

Staff write each newsletter and activity in English, on the row itself; a French, Spanish
or Portuguese version is an optional row here (one per language, unique). A member reads
the version in their language, and English where there is none.

Why a child table and not ``subject_fr``/``body_fr``… columns: the sending, the archive
and the pages keep reading the one row they read before, a new language is a choice and
not a migration of every content table, and "which versions exist" is a query, not a
scan of empty columns.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The languages a version can be written in, besides English (the row itself).
VERSION_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
)
VERSION_CODES = tuple(code for code, _label in VERSION_LANGUAGES)


class NewsletterVersion(models.Model):
    """A newsletter (or announcement) in one more language."""

    newsletter = models.ForeignKey(
        "network.Newsletter", on_delete=models.CASCADE, related_name="versions"
    )
    language = models.CharField(_("language"), max_length=8, choices=VERSION_LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), max_length=50_000)
    body_html = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("newsletter version")
        verbose_name_plural = _("newsletter versions")
        ordering = ["newsletter", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "language"], name="newsletter_version_once_per_language"
            ),
            models.CheckConstraint(
                condition=Q(language__in=VERSION_CODES), name="newsletter_version_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.language})"


class ActivityVersion(models.Model):
    """An activity's title and description in one more language."""

    activity = models.ForeignKey(
        "network.Activity", on_delete=models.CASCADE, related_name="versions"
    )
    language = models.CharField(_("language"), max_length=8, choices=VERSION_LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20_000, blank=True)
    description_html = models.TextField(editable=False, blank=True)

    class Meta:
        verbose_name = _("activity version")
        verbose_name_plural = _("activity versions")
        ordering = ["activity", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "language"], name="activity_version_once_per_language"
            ),
            models.CheckConstraint(
                condition=Q(language__in=VERSION_CODES), name="activity_version_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"
