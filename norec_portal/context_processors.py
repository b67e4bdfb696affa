from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import Role

# (label, URL name) per role; the first entry is that role's home page. Entries whose
# URL is not installed yet are left out, so the menu never links to a missing page.
NAVIGATION: dict[str, list[tuple[Any, str]]] = {
    Role.STAFF: [
        (_("Overview"), "staff_dashboard"),
        (_("Partnerships"), "partnerships:staff_partnerships"),
        (_("Organisations"), "partnerships:staff_organisations"),
        (_("Participants"), "partnerships:staff_participants"),
        (_("Trainings"), "trainings:staff_year"),
        (_("Network"), "network:staff_dashboard"),
        (_("Audit log"), "audit_log"),
        (_("Mailbox"), "mailbox"),
        (_("Admin"), "admin:index"),
    ],
    Role.COORDINATOR: [
        (_("My organisation"), "partnerships:coordinator_dashboard"),
        (_("Participants"), "partnerships:coordinator_participants"),
        (_("Trainings"), "trainings:coordinator_sessions"),
    ],
    Role.ALUMNUS: [
        (_("My profile"), "network:member_home"),
        (_("Activities"), "network:activities"),
        (_("Newsletters"), "network:newsletter_archive"),
    ],
}


def start_page(role: str) -> str | None:
    """The first page of a role's menu that is installed."""
    items = _menu(role)
    return items[0]["url"] if items else None


def _menu(role: str) -> list[dict[str, str]]:
    """A fresh copy of the role's menu (the caller marks the current page in it)."""
    return [dict(item) for item in _menu_items(role, get_language(), get_script_prefix())]


@lru_cache(maxsize=64)
def _menu_items(role: str, language: str | None, prefix: str) -> tuple[dict[str, str], ...]:
    """Every page renders the menu: its labels and URLs are worked out once per role,
    language and script prefix, the only things they depend on."""
    items = []
    for label, name in NAVIGATION.get(role, []):
        if name == "mailbox" and not settings.DEMO_MAILBOX:
            continue  # the demo mailbox exists on the embedded default only
        try:
            items.append({"label": str(label), "url": reverse(name)})
        except NoReverseMatch:
            continue
    return tuple(items)


@receiver(setting_changed)
def _forget_menus(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "LANGUAGES", "DEMO_MAILBOX"}:
        _menu_items.cache_clear()


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = Role.STAFF if user.is_staff else user.role
    items = _menu(role)
    path = request.path
    # The longest matching prefix is the current page (the overview is a prefix of all).
    current = max((i["url"] for i in items if path.startswith(i["url"])), key=len, default="")
    for item in items:
        item["current"] = item["url"] == current
    return {"nav_items": items, "nav_role": role}
