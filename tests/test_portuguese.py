"""The Portuguese catalogue is European Portuguese (Mozambique, Angola, Portugal), the same
word for the same thing everywhere: the common Brazilian forms must not come back."""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings

from tests.i18n_scope import in_scope

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "pt" / "LC_MESSAGES" / "django.po"

# Brazilian word → the European Portuguese one the catalogue uses.
BRAZILIAN = {
    r"senhas?": "palavra-passe",
    r"cadastr\w*": "registo / registar",
    r"registr\w*": "registo / registar",
    r"usuári[oa]s?": "utilizador",
    r"arquivos?": "ficheiro (an archive, arquivo, only where the English says archive)",
    r"telas?": "ecrã",
    r"equipes?": "equipa",
    r"contat(?:o|os|ar|e)": "contacto / contactar",
    r"planilhas?": "folha de cálculo",
    r"pasta de trabalho": "livro",
    r"salv(?:ar|e|o|os|a|as)": "guardar",
    r"baix(?:ar|e)": "descarregar",
    r"exclu(?:ir|ído|ídos|ída|ídas|a)": "eliminar",
    r"sobrenomes?": "apelido",
    r"gêneros?": "género",
    r"aplicativos?": "aplicação",
    r"acess(?:ar|a|e|ou)": "aceder",
    r"digit(?:ar|e|ou)": "escrever",
}
# Gerunds ("aguardando") are Brazilian; European Portuguese says "a aguardar".
GERUND = re.compile(r"\b\w{3,}(?:ando|endo|indo)\b", re.IGNORECASE)
NOT_GERUNDS = {"quando", "segundo", "mundo", "fundo", "comando", "comandos", "entendo"}


def translations() -> list[tuple[str, str]]:
    entries = polib.pofile(str(CATALOGUE))
    found = []
    for entry in entries:
        if entry.obsolete:
            continue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text:
                found.append((entry.msgid, text))
    return found


def test_no_brazilian_words_in_the_portuguese_catalogue():
    problems = []
    for msgid, text in translations():
        for pattern, european in BRAZILIAN.items():
            if pattern.startswith("arquivo") and "archive" in msgid.lower():
                continue
            for word in re.findall(rf"\b{pattern}\b", text, re.IGNORECASE):
                problems.append(f"{word!r} (say {european}) in {text!r}")
    assert not problems, "\n".join(problems)


def test_no_brazilian_gerunds_in_the_portuguese_catalogue():
    problems = [
        f"{word!r} (say 'a' + infinitive) in {text!r}"
        for _msgid, text in translations()
        for word in GERUND.findall(text)
        if word.lower() not in NOT_GERUNDS
    ]
    assert not problems, "\n".join(problems)


def test_no_voce_in_the_portuguese_catalogue():
    """European Portuguese leaves the pronoun out ("Pode …", "o seu perfil"): no "você"."""
    problems = [
        f"{entry.msgid!r} → {text!r}"
        for entry in polib.pofile(str(CATALOGUE))
        if not entry.obsolete
        and not entry.fuzzy
        and any(in_scope(path) for path, _line in entry.occurrences)
        for text in [entry.msgstr, *entry.msgstr_plural.values()]
        if re.search(r"\bvocês?\b", text, re.IGNORECASE)
    ]
    assert not problems, "\n".join(problems)


def test_the_catalogue_is_in_use_with_the_european_words():
    entries = {entry.msgid: entry.msgstr for entry in polib.pofile(str(CATALOGUE))}
    assert "palavra-passe" in entries["Choose a password"]
    assert entries["Last name"] == "Apelido"
