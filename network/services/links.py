"""Counting how often each link of a newsletter is followed, without tracking people
(see ``models.links``).

* :func:`register_links` — when a newsletter is saved: one row per distinct http(s) link
  of its text, in every language version;
* :func:`link_addresses` and :func:`rewrite` — when a copy is rendered: the links of the
  text point at the portal's counting address (the same in every copy);
* :func:`follow` — the counting address: adds one and says where to go. Only a link that
  is in that newsletter is ever redirected to, so the address cannot send anyone
  elsewhere (no open redirect);
* :func:`figures` — the newsletter's page: links and counts, delivery figures, bounces
  and the unsubscribes that followed it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from norec_portal.models import OutboxEmail

from ..models import BadAddress, ConsentKind, ConsentRecord, Newsletter, NewsletterLink
from .common import absolute_url

HREF = re.compile(r'href="([^"]+)"')


def _links_in(body_html: str) -> list[str]:
    found: list[str] = []
    for raw in HREF.findall(body_html or ""):
        url = html.unescape(raw)
        if url.lower().startswith(("https://", "http://")) and len(url) <= 2000:
            if url not in found:
                found.append(url)
    return found


@transaction.atomic
def register_links(newsletter: Newsletter) -> list[NewsletterLink]:
    """The newsletter's links as rows (texts of every language version). Links no longer
    in the text are removed while nobody has followed them."""
    urls = _links_in(newsletter.body_html)
    for version in newsletter.versions.all():
        urls += [u for u in _links_in(version.body_html) if u not in urls]
    NewsletterLink.objects.bulk_create(
        [NewsletterLink(newsletter=newsletter, url=u) for u in urls], ignore_conflicts=True
    )
    newsletter.links.exclude(url__in=urls).filter(clicks=0).delete()
    return list(newsletter.links.all())


def link_addresses(newsletter: Newsletter) -> dict[str, str]:
    """Each link of the newsletter → its counting address."""
    return {
        link.url: absolute_url("network:newsletter_link", newsletter.pk, link.pk)
        for link in newsletter.links.all()
    }


def rewrite(body_html: str, body_text: str, addresses: dict[str, str]) -> tuple[str, str]:
    """The HTML's links, and the links of the Markdown text, pointed at their counting
    addresses (longest first, so a link that starts another is not cut)."""
    if not addresses:
        return body_html, body_text

    def swap(match: re.Match[str]) -> str:
        target = addresses.get(html.unescape(match.group(1)))
        return f'href="{html.escape(target)}"' if target else match.group(0)

    body_html = HREF.sub(swap, body_html)
    for url in sorted(addresses, key=len, reverse=True):
        body_text = body_text.replace(f"]({url})", f"]({addresses[url]})")
        body_text = body_text.replace(f"<{url}>", f"<{addresses[url]}>")
    return body_html, body_text


def follow(*, newsletter_id: int, link_id: int) -> str | None:
    """Count one following of a link of a newsletter that went out; where it leads, or
    None for any link that is not that newsletter's."""
    link = (
        NewsletterLink.objects.filter(
            pk=link_id, newsletter_id=newsletter_id, newsletter__started_at__isnull=False
        )
        .only("url")
        .first()
    )
    if link is None:
        return None
    NewsletterLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
    return link.url


@dataclass(frozen=True)
class Figures:
    links: list[NewsletterLink]
    clicks: int
    bounced: int
    unsubscribed: int


def figures(newsletter: Newsletter) -> Figures:
    """What the newsletter's page shows besides the sending progress. Unsubscribes are
    those of its recipients after it started and before the next newsletter started: a
    count from the consent ledger, not a link between a click and a person."""
    links = list(newsletter.links.order_by("-clicks", "pk"))
    bounced = BadAddress.objects.filter(
        last_email__in=OutboxEmail.objects.filter(newsletter_deliveries__newsletter=newsletter)
    ).count()
    unsubscribed = 0
    if newsletter.started_at is not None:
        window: dict[str, Any] = {"recorded_at__gte": newsletter.started_at}
        following = (
            Newsletter.objects.filter(started_at__gt=newsletter.started_at)
            .order_by("started_at")
            .values_list("started_at", flat=True)
            .first()
        )
        if following is not None:
            window["recorded_at__lt"] = following
        unsubscribed = (
            ConsentRecord.objects.filter(
                kind=ConsentKind.NEWSLETTER,
                granted=False,
                via__in=[ConsentRecord.Via.UNSUBSCRIBE, ConsentRecord.Via.PREFERENCES],
                member__newsletter_deliveries__newsletter=newsletter,
                **window,
            )
            .values("member")
            .distinct()
            .count()
        )
    return Figures(links, sum(link.clicks for link in links), bounced, unsubscribed)
