"""Every URL × every role: who gets what, for GET and POST (``tests/matrix/table.py``).

The table has one row per named URL of the portal; :func:`test_every_url_has_a_row`
walks the URL resolver and fails when a URL has no row (or a row names a URL that no
longer exists), so a new page cannot ship without saying who may open it.

Two families of URLs are covered by rules instead of a row each:

* the Django admin (``admin:`` namespace, ~200 URLs): nobody but staff with an
  authenticator gets past the login redirect, on any admin URL; staff without one are
  sent to the MFA setup; superusers open every changelist, staff those of the portal's
  own apps (and get a 403 on the others: groups, authenticators);
* django-allauth's account and MFA pages (``accounts/``): no persona gets a server error
  on any of them, the MFA pages need a login, and sign-up stays closed.

Objects in URLs belong to organisation A (coordinator A's own), so the coordinator B
column is the check that one organisation cannot reach another's records (IDOR).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from norec_portal.backends import STAFF_APP_LABELS
from norec_portal.models import User
from tests.matrix.client import request_as
from tests.matrix.table import ROWS, Row
from tests.matrix.world import PERSONAS, world_fixture

world = pytest.fixture(scope="module")(world_fixture)

ADMIN_PUBLIC = {"admin:login", "admin:logout"}
OUTSIDERS = ("anonymous", "alumnus", "coordinator_a", "coordinator_b")


def walk(
    resolver: URLResolver, namespace: tuple[str, ...] = ()
) -> Iterator[tuple[str, URLPattern]]:
    """(namespaced name, pattern) of every URL; unnamed ones come out as ``ns:None``."""
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + ((pattern.namespace,) if pattern.namespace else ())
            yield from walk(pattern, inner)
        else:
            yield ":".join([*namespace, str(pattern.name)]), pattern


def is_admin(name: str) -> bool:
    return name.startswith("admin:")


def is_allauth(pattern: URLPattern) -> bool:
    return pattern.lookup_str.startswith("allauth.")


def portal_urls() -> dict[str, URLPattern]:
    return {
        name: pattern
        for name, pattern in walk(get_resolver())
        if not is_admin(name) and not is_allauth(pattern)
    }


def test_every_url_has_a_row():
    urls = portal_urls()
    rows = [row.name for row in ROWS]
    unnamed = sorted(name for name in urls if name.endswith("None"))
    missing = sorted(set(urls) - set(rows))
    stale = sorted(set(rows) - set(urls))
    duplicated = sorted({name for name in rows if rows.count(name) > 1})
    assert not unnamed, f"URLs without a name cannot have a row: {unnamed}"
    assert not missing, f"URLs without a row in tests/matrix/table.py: {missing}"
    assert not stale, f"rows for URLs that no longer exist: {stale}"
    assert not duplicated, f"URLs with more than one row: {duplicated}"


def test_every_row_names_all_seven_personas():
    for row in ROWS:
        assert len(row.expected("GET")) == len(row.expected("POST")) == len(PERSONAS)


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_url_matrix(row: Row, world, db):
    url = reverse(row.name, kwargs=row.kwargs(world) if row.kwargs else {})
    wrong = []
    for method in ("GET", "POST"):
        for persona, expected in zip(PERSONAS, row.expected(method), strict=True):
            got = request_as(world.users[persona], method, url)
            if got != expected:
                wrong.append(f"{persona} {method} {url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


# --- Rules: the Django admin -----------------------------------------------------------------


def admin_urls() -> list[tuple[str, str]]:
    """(name, URL) of every admin URL, with placeholder arguments."""
    values = {"object_id": "1", "id": "1", "content_type_id": 1, "app_label": "partnerships"}
    found = []
    for name, pattern in walk(get_resolver()):
        if not is_admin(name):
            continue
        if name.endswith(":None"):  # the admin's catch-all: any other path under /admin/
            found.append((name, "/admin/no-such-page/"))
            continue
        keys = [*getattr(pattern.pattern, "converters", {}), *pattern.pattern.regex.groupindex]
        found.append(
            (name, reverse(name, kwargs={key: values[key] for key in dict.fromkeys(keys)}))
        )
    return found


def test_admin_refuses_everyone_but_staff_with_mfa(world, db):
    wrong = []
    for name, url in admin_urls():
        if name in ADMIN_PUBLIC:
            continue
        for persona in OUTSIDERS:
            for method in ("GET", "POST"):
                got = request_as(world.users[persona], method, url)
                if got != "login":
                    wrong.append(f"{persona} {method} {url}: {got}")
        got = request_as(world.users["staff_without_mfa"], "GET", url)
        if got != "mfa":
            wrong.append(f"staff_without_mfa GET {url}: {got}")
    assert not wrong, "\n".join(wrong[:40])


def test_admin_changelists_open_for_staff_and_superusers(world, db):
    wrong = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for persona in ("staff", "superuser"):
            got = request_as(world.users[persona], "GET", url)
            # Staff hold the permissions of the portal's apps only (norec_portal/backends.py).
            staff_app = model._meta.app_label in STAFF_APP_LABELS
            expected = "200" if persona == "superuser" or staff_app else "403"
            if got != expected:
                wrong.append(f"{persona} GET {url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


# --- Rules: django-allauth's account pages ----------------------------------------------------


def allauth_urls() -> list[tuple[str, str]]:
    values = {"key": "not-a-key", "uidb36": "1"}
    found = []
    for name, pattern in walk(get_resolver()):
        if is_allauth(pattern):
            keys = dict.fromkeys(pattern.pattern.regex.groupindex)
            found.append((name, reverse(name, kwargs={key: values[key] for key in keys})))
    return found


def test_account_pages_never_fail(world, db):
    urls = allauth_urls()
    assert len(urls) > 10
    wrong = []
    for name, url in urls:
        for persona in PERSONAS:
            for method in ("GET", "POST"):
                got = request_as(world.users[persona], method, url)
                if got.startswith("5"):
                    wrong.append(f"{persona} {method} {url} ({name}): {got}")
    assert not wrong, "\n".join(wrong)


def test_mfa_pages_need_a_login(world, db):
    for name, url in allauth_urls():
        if name.startswith("mfa_") and name != "mfa_authenticate":
            assert request_as(None, "GET", url) == "login", name


def test_sign_up_stays_closed(client, db):
    data = {"email": "newcomer@example.org", "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42"}  # fmt: skip
    response = client.post(reverse("account_signup"), data)
    assert response.status_code < 500
    assert not User.objects.filter(email="newcomer@example.org").exists()
