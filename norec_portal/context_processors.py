from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
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
    items = []
    for label, name in NAVIGATION.get(role, []):
        try:
            items.append({"label": str(label), "url": reverse(name)})
        except NoReverseMatch:
            continue
    return items


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
