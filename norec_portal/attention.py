"""What needs a staff member's attention: the lists of the staff home (``/staff/``).

The core imports no app (imports run one way: ``norec_portal ← partnerships ← trainings ←
network``), so each app says what needs attention in its own ``attention.py`` and
registers it here; :func:`sections` finds those modules the way the admin finds
``admin.py`` (autodiscovery, not an import). A provider runs a fixed number of queries,
whatever the number of rows, so the staff home does too (``tests/norec_portal``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Link:
    """One row under an item: a session, a person, a month — and where to act on it."""

    text: str
    url: str
    note: str = ""
    day: dt.date | None = None


@dataclass(frozen=True)
class Item:
    """Something to act on: how many, what it is, and the page where it is done."""

    label: str
    count: int
    url: str
    action: str
    links: tuple[Link, ...] = ()
    # Counts that are a normal state of affairs (waves in progress) are shown but not
    # flagged; the others are flagged when not zero.
    urgent: bool = True

    @property
    def flagged(self) -> bool:
        return self.urgent and self.count > 0


@dataclass(frozen=True)
class Section:
    title: str
    items: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def flagged(self) -> int:
        return sum(1 for item in self.items if item.flagged)


Provider = Callable[[dt.date], Section]
_providers: list[Provider] = []
_discovered = False


def register(provider: Provider) -> Provider:
    """Decorator for an app's ``attention.py``: ``provider(today)`` returns its section."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def sections(today: dt.date) -> list[Section]:
    """Every app's section, in the order of ``INSTALLED_APPS``."""
    global _discovered
    if not _discovered:
        autodiscover_modules("attention")
        _discovered = True
    return [provider(today) for provider in _providers]
