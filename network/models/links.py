"""How often each link of a newsletter was followed: a count per link, nothing per person.

Each copy of a newsletter carries, instead of a link of its text, the portal's address
for that link (``/network/n/<newsletter>/<link>/``); following it adds one to the count
and redirects to the link. The address is the same in every copy and names no member;
there is no tracking pixel and no per-person record of opening or clicking.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NewsletterLink(models.Model):
    newsletter = models.ForeignKey(
        "network.Newsletter", on_delete=models.CASCADE, related_name="links"
    )
    url = models.URLField(_("link"), max_length=2000)
    clicks = models.PositiveIntegerField(_("times followed"), default=0)

    class Meta:
        verbose_name = _("newsletter link")
        verbose_name_plural = _("newsletter links")
        ordering = ["newsletter", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["newsletter", "url"], name="newsletter_link_once"),
        ]

    def __str__(self) -> str:
        return self.url
