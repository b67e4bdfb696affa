"""Languages: complete catalogues for what coordinators, participants and alumni read, and
the language chosen from the profile, then the browser; the footer switcher; emails in the
recipient's language.

The page tests compile the catalogues into a temporary folder (with the same polib code as
``manage.py compile_translations``), so they test the ``.po`` files as they are now.
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import io
import re
import tokenize
from functools import cache
from pathlib import Path

import polib
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from network.services import contact
from network.services.members import MAX_EXPERTISE_TAGS
from norec_portal.management.commands.compile_translations import catalogues, compile_catalogue
from norec_portal.models import OutboxEmail
from partnerships.models import ContactPerson, Person
from partnerships.services import grant_portal_access
from tests.factories import make_coordinator
from tests.i18n_scope import in_scope
from tests.network.factories import make_alumnus_record, make_member
from tests.network.helpers import invite
from tests.trainings import factories as tf
from trainings import services as training_services
from trainings.models import SessionKind

ROOT = Path(settings.BASE_DIR)
LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# %(name)s, %(n)d, %% … as Python's %-formatting reads them.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
# An HTML tag (attributes with values), not prose such as "<first name>".
HTML_TAG = re.compile(r"</?[a-z][a-z0-9]*(?:\s+[a-z-]+=(?:\"[^\"]*\"|'[^']*'))*\s*/?>")


@cache
def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def scoped_entries(language: str) -> list[polib.POEntry]:
    return [
        entry
        for entry in catalogue(language)
        if not entry.obsolete and any(in_scope(path) for path, _line in entry.occurrences)
    ]


def translated(language: str, msgid: str) -> str:
    """The catalogue's translation of ``msgid`` (which must differ from the English)."""
    entry = catalogue(language).find(msgid)
    assert entry is not None and entry.msgstr and entry.msgstr != msgid, (language, msgid)
    return entry.msgstr


def project_files() -> list[Path]:
    """The files the scope's prefixes may name (not the virtualenv, not the tests)."""
    folders = ("templates", "norec_portal", "partnerships", "trainings", "network")
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*") if p.is_file())


def nplurals(po: polib.POFile) -> int:
    return int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"]).group(1))


@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory):
    """The current .po files compiled into a temporary LOCALE_PATHS."""
    root = tmp_path_factory.mktemp("locale")
    for po_path in catalogues():
        target = root / po_path.relative_to(LOCALE)
        target.parent.mkdir(parents=True)
        target.write_bytes(po_path.read_bytes())
        compile_catalogue(target)
    with override_settings(LOCALE_PATHS=[root]):
        yield root


@pytest.fixture
def i18n(compiled_locale):
    """Pages and emails with the compiled catalogues; English again afterwards."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- The catalogues ------------------------------------------------------------------------


def test_scope_prefixes_name_files_that_exist():
    from tests.i18n_scope import SCOPE_PREFIXES, STAFF_PREFIXES

    files = [str(p.relative_to(ROOT)) for p in project_files()]
    for prefix in (*SCOPE_PREFIXES, *STAFF_PREFIXES):
        assert any(f.startswith(prefix) for f in files), f"{prefix} matches no file"
    assert in_scope("templates/network/member_home.html")
    assert not in_scope("templates/network/staff/dashboard.html")
    assert not in_scope("templates/trainings/staff_week.html")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_untranslated_or_fuzzy_entry_in_scope(language):
    entries = scoped_entries(language)
    assert len(entries) > 900  # the catalogue was made from the whole project
    missing = [
        entry.msgid
        for entry in entries
        if "fuzzy" in entry.flags
        or not (all(entry.msgstr_plural.values()) if entry.msgid_plural else entry.msgstr)
    ]
    assert not missing, f"{len(missing)} entries to translate in {language}: {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_plural_forms_match(language):
    po = catalogue(language)
    assert po.metadata["Language"] == language
    forms = nplurals(po)
    wrong = []
    for entry in scoped_entries(language):
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(forms)), entry.msgid
            singular = sorted(PLACEHOLDER.findall(entry.msgid))
            plural = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            for index, text in entry.msgstr_plural.items():
                found = sorted(PLACEHOLDER.findall(text))
                if found != plural and not (index == 0 and found == singular):
                    wrong.append((entry.msgid, text))
        elif sorted(PLACEHOLDER.findall(entry.msgstr)) != sorted(PLACEHOLDER.findall(entry.msgid)):
            wrong.append((entry.msgid, entry.msgstr))
        # HTML kept intact: the same tags, in the same order.
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            if HTML_TAG.findall(text) != HTML_TAG.findall(entry.msgid):
                wrong.append((entry.msgid, text))
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalogue_compiles(language, tmp_path):
    po_path = tmp_path / "django.po"
    po_path.write_bytes((LOCALE / language / "LC_MESSAGES" / "django.po").read_bytes())
    with compile_catalogue(po_path).open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in scoped_entries(language):
        if entry.msgid_plural:
            for n in (1, 2, 5):
                assert compiled.ngettext(entry.msgid, entry.msgid_plural, n) in (
                    entry.msgstr_plural.values()
                )
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr


def test_compile_translations_command_writes_every_mo(tmp_path):
    for language in LANGUAGES:
        target = tmp_path / language / "LC_MESSAGES" / "django.po"
        target.parent.mkdir(parents=True)
        target.write_bytes((LOCALE / language / "LC_MESSAGES" / "django.po").read_bytes())
    out = io.StringIO()
    with override_settings(LOCALE_PATHS=[tmp_path]):
        call_command("compile_translations", stdout=out)
    assert f"Compiled {len(LANGUAGES)} translation catalogue(s)." in out.getvalue()
    for language in LANGUAGES:
        assert (tmp_path / language / "LC_MESSAGES" / "django.mo").stat().st_size > 10_000


# --- Every translatable text of the scope is in the catalogues --------------------------------

GETTEXT_CALLS = {
    # name: (index of msgid, index of msgid_plural, index of msgctxt)
    "_": (0, None, None), "gettext": (0, None, None), "gettext_lazy": (0, None, None),
    "gettext_noop": (0, None, None), "ngettext": (0, 1, None), "ngettext_lazy": (0, 1, None),
    "pgettext": (1, None, 0), "pgettext_lazy": (1, None, 0), "npgettext": (1, 2, 0),
    "npgettext_lazy": (1, 2, 0),
}  # fmt: skip


def _msgid(name: str, args: list[str | None]) -> tuple[str, str] | None:
    msgid_at, _plural_at, context_at = GETTEXT_CALLS[name]
    if len(args) <= msgid_at or args[msgid_at] is None:
        return None
    context = args[context_at] if context_at is not None else ""
    return (context or "", args[msgid_at])


def template_msgids(text: str) -> set[tuple[str, str]]:
    """(msgctxt, msgid) of a template, read the way makemessages reads it."""
    code = "\n".join(line.strip() for line in templatize(text).splitlines())
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    found = set()
    for i, token in enumerate(tokens[:-1]):
        if token.string not in GETTEXT_CALLS or tokens[i + 1].string != "(":
            continue
        args: list[str | None] = []
        current: str | None = None
        for arg in tokens[i + 2 :]:
            if arg.string == ")":
                break
            if arg.type == tokenize.STRING:
                current = (current or "") + ast.literal_eval(arg.string)
            elif arg.string == ",":
                args.append(current)
                current = None
        args.append(current)
        if (key := _msgid(token.string, args)) is not None:
            found.add(key)
    return found


def python_msgids(text: str) -> set[tuple[str, str]]:
    found = set()
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name not in GETTEXT_CALLS:
            continue
        args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                for a in node.args]  # fmt: skip
        if (key := _msgid(name, args)) is not None:
            found.add(key)
    return found


def test_every_text_of_the_scope_is_in_the_catalogues():
    """Run makemessages (README, Languages) after changing text: this lists what is missing."""
    known = {(e.msgctxt or "", e.msgid) for e in catalogue("fr") if not e.obsolete}
    missing = []
    for path in project_files():
        relative = str(path.relative_to(ROOT))
        if not in_scope(relative) or "/migrations/" in relative:
            continue
        if path.suffix not in (".py", ".html", ".txt"):
            continue
        text = path.read_text(encoding="utf-8")
        msgids = python_msgids(text) if path.suffix == ".py" else template_msgids(text)
        missing += [(relative, msgid) for msgid in msgids - known]
    assert not missing, missing[:10]


# --- Which language a person reads -----------------------------------------------------------


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_coordinator_page_in_the_profile_language(i18n, client, coordinator, language):
    coordinator.language = language
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)
    # The profile wins over the browser and over an old cookie.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("partnerships:coordinator_dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    html = _html(response)
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    assert translated(language, "Planned exchanges") in html
    assert translated(language, "Register a participant") in html
    assert "Planned exchanges" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_alumni_page_in_the_profile_language(i18n, client, language):
    member = make_member(email="amina@example.org")
    user = member.person.user
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    html = _html(client.get(reverse("network:member_home"), HTTP_ACCEPT_LANGUAGE="en"))
    assert f'<html lang="{language}">' in html
    assert translated(language, "What you offer the network") in html
    assert translated(language, "Change contact details") in html
    assert "What you offer the network" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "language"), [("fr-CA,fr;q=0.9,en;q=0.5", "fr"), ("es-419", "es"), ("pt-BR", "pt")]
)
def test_anonymous_visitors_follow_the_browser(i18n, client, header, language):
    html = _html(client.get(reverse("network:request_invitation"), HTTP_ACCEPT_LANGUAGE=header))
    assert f'<html lang="{language}">' in html
    assert translated(language, "I never got an invitation") in html
    login = _html(client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=header))
    assert translated(language, "Update my contact details without logging in") in login


@pytest.mark.django_db
def test_without_a_profile_language_the_browser_decides(i18n, client, coordinator):
    client.force_login(coordinator)
    html = _html(client.get(reverse("trainings:coordinator_sessions"), HTTP_ACCEPT_LANGUAGE="es"))
    assert translated("es", "Upcoming sessions") in html
    english = _html(client.get(reverse("trainings:coordinator_sessions")))
    assert "Upcoming sessions" in english


@pytest.mark.django_db
def test_the_switcher_saves_the_choice_to_the_profile(i18n, client):
    member = make_member(email="amina@example.org")
    user = member.person.user
    client.force_login(user)
    home = reverse("network:member_home")
    response = client.post(reverse("set_language"), {"language": "pt", "next": home})
    assert response.status_code == 302 and response["Location"] == home
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pt"
    user.refresh_from_db()
    member.person.refresh_from_db()
    assert user.language == member.person.preferred_language == "pt"
    # The next page, even from a browser asking for French, is in Portuguese.
    html = _html(client.get(home, HTTP_ACCEPT_LANGUAGE="fr"))
    assert translated("pt", "What you offer the network") in html
    # An unknown language changes nothing.
    client.post(reverse("set_language"), {"language": "xx", "next": home})
    user.refresh_from_db()
    assert user.language == "pt"


@pytest.mark.django_db
def test_the_switcher_works_for_anonymous_visitors(i18n, client):
    page = reverse("network:update_link_request")
    response = client.post(reverse("set_language"), {"language": "es", "next": page})
    assert response.status_code == 302
    html = _html(client.get(page, HTTP_ACCEPT_LANGUAGE="fr"))
    assert translated("es", "Update your contact details") in html


@pytest.mark.django_db
def test_account_settings_language_reaches_the_person_record(i18n, client, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("account_settings"), {"full_name": coordinator.full_name, "language": "fr"}
    )
    assert response.status_code == 302
    assert Person.objects.get(user=coordinator).preferred_language == "fr"
    html = _html(client.get(reverse("account_settings")))
    assert translated("fr", "Your settings have been saved.") in html
    assert translated("fr", "Your name and language") in html


# --- Emails in the recipient's language ----------------------------------------------------


@pytest.mark.django_db
def test_email_to_a_french_speaking_alumnus_is_in_french(i18n):
    person = make_alumnus_record("Aminata", "Diallo", email="aminata@example.org")
    person.preferred_language = "fr"
    person.save(update_fields=["preferred_language"])
    with translation.override("en"):  # whoever asks, in whatever language
        assert contact.send_update_link(email="aminata@example.org")
    message = OutboxEmail.objects.get(to_email="aminata@example.org")
    assert message.subject == translated("fr", "Your link to update your details with Norec")
    assert translated("fr", "Dear %(name)s,") % {"name": "Aminata"} in message.body_text
    assert translated("fr", "Check and correct my details") in message.body_html


@pytest.mark.django_db
def test_joining_in_spanish_sets_the_profile_language(i18n, client):
    person = make_alumnus_record("Lucía", "Pérez", email="lucia@example.org")
    _invitation, token = invite(person)
    client.get(reverse("network:join_link", args=[token]), HTTP_ACCEPT_LANGUAGE="es")
    password = "a long enough passphrase 42"
    response = client.post(
        reverse("network:join"),
        {"first_name": "Lucía", "last_name": "Pérez", "email": "lucia@example.org",
         "password1": password, "password2": password, "country": "BO"},
        HTTP_ACCEPT_LANGUAGE="es",
    )  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user.language == person.preferred_language == "es"


@pytest.mark.django_db
def test_coordinator_access_email_and_login_take_the_persons_language(i18n, staff, org_a):
    from tests.factories import ContactFactory, PersonFactory

    person = PersonFactory(email="joao@example.org", first_name="João", preferred_language="pt")
    contact_person = ContactFactory(person=person, organisation=org_a)
    user = grant_portal_access(contact=contact_person, by=staff)
    assert user.language == "pt"
    message = OutboxEmail.objects.get(to_email="joao@example.org")
    assert message.subject == translated("pt", "Your access to the Norec Portal")


@pytest.mark.django_db
def test_cancellation_goes_to_norec_in_english_and_to_the_coordinator_and_person_in_theirs(
    i18n, staff, partnership, org_a
):
    coordinator = make_coordinator(org_a, email="coord@example.org", full_name="Awa Sow")
    Person.objects.filter(user=coordinator).update(preferred_language="fr")
    assert ContactPerson.objects.filter(person__user=coordinator).exists()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=True):
        session = tf.session_of(tf.make_week(), SessionKind.TRAINING_1)
        person = tf.participant_for(partnership=partnership, email="ana@example.org",
                                    preferred_language="pt").person  # fmt: skip
        enrolment = training_services.enrol(session=session, person=person, by=staff)
        with translation.override("es"):  # the one who cancels reads Spanish
            training_services.cancel_enrolment(enrolment=enrolment, by=staff)
    norec = OutboxEmail.objects.get(idempotency_key=f"training-cancelled:{enrolment.pk}:norec")
    assert norec.subject.startswith("Enrolment cancelled:")
    to_coordinator = OutboxEmail.objects.get(to_email="coord@example.org")
    assert to_coordinator.subject.startswith(
        translated("fr", "Enrolment cancelled: %(name)s, %(session)s, %(place)s").split(":")[0]
    )
    # The person whose seat it was, in theirs.
    to_person = OutboxEmail.objects.get(idempotency_key=f"training-cancelled:{enrolment.pk}:person")
    assert to_person.to_email == "ana@example.org"
    assert to_person.subject.startswith(
        translated("pt", "Enrolment cancelled: %(name)s, %(session)s, %(place)s").split(":")[0]
    )


@pytest.mark.django_db
def test_the_switcher_names_each_language_in_itself(i18n, client):
    html = _html(client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="fr"))
    for name in ('lang="en">English', 'lang="fr" selected>Français', 'lang="es">Español',
                 'lang="pt">Português'):  # fmt: skip
        assert name in html


@pytest.mark.django_db
def test_form_choices_and_help_follow_the_language_of_the_request(i18n, client, coordinator):
    """Country names and formatted help texts are built per request, not once at import."""
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)
    html = _html(client.get(reverse("partnerships:coordinator_participant_create")))
    assert ">Allemagne</option>" in html and ">Germany</option>" not in html
    client.logout()
    member = make_member(email="amina@example.org")
    member.person.user.language = "es"
    member.person.user.save(update_fields=["language"])
    client.force_login(member.person.user)
    html = _html(client.get(reverse("network:profile_edit")))
    help_text = "Separate them with commas, e.g. public health, water management (at most %(n)d)."
    assert translated("es", help_text) % {"n": MAX_EXPERTISE_TAGS} in html
