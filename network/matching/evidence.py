"""The pieces of evidence weighed for one pair of records, each with its weight.

A weight is in points: positive when the piece says “the same person”, negative when it
says “two people”. A pair's score is the sum, kept within 0..100. The plain-words
labels are stored untranslated (shown through gettext) so staff read why a pair was
proposed; docs/network.md explains them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import fuzz

from .names import NameMatch, compare_names, fold, words


def gettext_noop(message: str) -> str:
    """Marks a label for the catalogues (makemessages reads the name), stored untranslated
    and shown through gettext on the staff pages; Django's own needs its settings, and the
    matcher runs without them (bench, archive generator)."""
    return message


@dataclass
class Record:
    """One person (or one spreadsheet row) as the matcher sees it. Unknown is empty."""

    ref: object
    name: str
    country: str = ""
    year: int | None = None
    emails: frozenset[str] = frozenset()
    phone: str = ""
    organisations: str = ""
    programme: str = ""
    date_of_birth: dt.date | None = None
    words: tuple[str, ...] = field(init=False, repr=False)
    organisation_names: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.words = words(self.name)
        self.organisation_names = frozenset(
            name for part in _ORGANISATION_SPLIT.split(self.organisations) if (name := fold(part))
        )
        self.emails = frozenset(e.strip().lower() for e in self.emails if e and "@" in e)
        programme = fold(self.programme)
        self.programme = _PROGRAMME_ALIASES.get(programme, programme)


# One programme under the names of its eras' spellings (“FK” is short for Fredskorpset).
_PROGRAMME_ALIASES = {
    alias: "fredskorpset"
    for alias in ("fk", "fredskorpset", "fk norway", "fk norge", "fredskorpset norway")
}


# The archive lists the sending and host organisations in one cell.
_ORGANISATION_SPLIT = re.compile(r"[/;|\n]+")


@dataclass(frozen=True)
class Population:
    """What the whole set of records says about one pair's evidence: an organisation that
    sent or hosted many people (a large Norwegian host) is weak evidence of one person."""

    common_organisations: frozenset[str] = frozenset()

    @classmethod
    def of(cls, records: list[Record]) -> Population:
        counts: dict[str, int] = {}
        for record in records:
            for name in record.organisation_names:
                counts[name] = counts.get(name, 0) + 1
        limit = max(COMMON_ORGANISATION_AT_LEAST, len(records) // 100)
        return cls(frozenset(name for name, n in counts.items() if n > limit))


# An organisation named on more records than this (or than 1 % of them) is common.
COMMON_ORGANISATION_AT_LEAST = 20


@dataclass(frozen=True)
class Evidence:
    code: str
    label: str
    weight: int

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "label": self.label, "weight": self.weight}


# --- Weights -----------------------------------------------------------------------------
# Each piece of evidence and its weight, in one table staff can read (docs/network.md).
# Chosen so that a name on its own never reaches the queue: a namesake needs the same
# year *and* no contrary organisation, email or birth date; a spelling variant with the
# same year and organisation ranks near the top.

NAME_WEIGHTS: dict[str, tuple[str, int]] = {
    NameMatch.SAME: (gettext_noop("same name"), 45),
    NameMatch.REORDERED: (gettext_noop("same name, given name and surname swapped"), 40),
    NameMatch.VARIANT: (gettext_noop("name spelt differently"), 30),  # up to +10 when close
    NameMatch.SHORTER: (gettext_noop("same name with a given name left out"), 30),
    NameMatch.SINGLE: (gettext_noop("only one name recorded, and it matches"), 15),
    NameMatch.PARTIAL: (gettext_noop("only part of the name in common"), -25),
    NameMatch.DIFFERENT: (gettext_noop("different names"), -50),
}
W_EMAIL_SAME = (gettext_noop("same email"), 45)
W_EMAIL_LOCAL = (gettext_noop("same email name at another domain"), 30)
W_EMAIL_LOCAL_NAME = (gettext_noop("same email name at another domain, but it is just the name"), 5)
W_EMAIL_DIFFERENT = (gettext_noop("different emails"), -10)
W_PHONE_SAME = (gettext_noop("same phone"), 40)
W_YEAR_SAME = (gettext_noop("same exchange year"), 20)
W_YEAR_NEAR = (gettext_noop("exchange years one apart"), 10)
W_YEAR_APART = (gettext_noop("exchange years 2–3 apart"), -5)
W_YEAR_FAR = (gettext_noop("exchange years far apart"), -20)
W_COUNTRY_SAME = (gettext_noop("same country"), 5)
W_COUNTRY_DIFFERENT = (gettext_noop("different countries"), -20)
W_ORGANISATION_SAME = (gettext_noop("same organisation"), 20)
W_ORGANISATION_COMMON = (gettext_noop("same organisation, but one that many people share"), 5)
W_ORGANISATION_DIFFERENT = (gettext_noop("different organisations"), -20)
W_PROGRAMME_SAME = (gettext_noop("same programme"), 5)
W_PROGRAMME_DIFFERENT = (gettext_noop("different programmes"), -5)
W_BIRTH_SAME = (gettext_noop("same date of birth"), 35)
W_BIRTH_DIFFERENT = (gettext_noop("different dates of birth"), -60)


@cache
def _evidence(code: str, label_weight: tuple[str, int], bonus: int = 0) -> Evidence:
    # One shared instance per piece of evidence: pairs are weighed by the million.
    label, weight = label_weight
    return Evidence(code=code, label=label, weight=weight + bonus)


# --- One function per piece of evidence (None: nothing to say) --------------------------


def name_evidence(x: Record, y: Record) -> Evidence | None:
    comparison = compare_names(x.words, y.words)
    if comparison.kind == NameMatch.UNKNOWN:
        return None
    bonus = 0
    if comparison.kind == NameMatch.VARIANT:
        # 0.8 (the least a word may look alike) → +0, identical words → +10.
        bonus = round(max(0.0, comparison.similarity - 0.8) * 50)
    return _evidence(f"name_{comparison.kind}", NAME_WEIGHTS[comparison.kind], bonus)


def _local_part_is_the_name(local: str, record: Record) -> bool:
    """“joseph.otieno”, “jotieno7” or “otieno.j” say no more than the name “Joseph Otieno”
    already does: namesakes pick them too, at other providers."""
    letters = "".join(c for c in fold(local) if c.isalpha())
    pieces = sorted({*record.words, *(w[0] for w in record.words)}, key=len, reverse=True)

    def built_from_name(rest: str, used: int) -> bool:
        if not rest:
            return True
        return used < 4 and any(
            rest.startswith(piece) and built_from_name(rest[len(piece) :], used + 1)
            for piece in pieces
        )

    return bool(letters) and built_from_name(letters, 0)


def email_evidence(x: Record, y: Record) -> Evidence | None:
    if not x.emails or not y.emails:
        return None
    if x.emails & y.emails:
        return _evidence("email_same", W_EMAIL_SAME)
    locals_x = {e.rsplit("@", 1)[0] for e in x.emails}
    locals_y = {e.rsplit("@", 1)[0] for e in y.emails}
    shared = {local for local in locals_x & locals_y if len(local) >= 4}
    if shared:
        if all(_local_part_is_the_name(local, x) or _local_part_is_the_name(local, y)
               for local in shared):  # fmt: skip
            return _evidence("email_local_name", W_EMAIL_LOCAL_NAME)
        return _evidence("email_local", W_EMAIL_LOCAL)
    return _evidence("email_different", W_EMAIL_DIFFERENT)


def phone_evidence(x: Record, y: Record) -> Evidence | None:
    if x.phone and x.phone == y.phone:
        return _evidence("phone_same", W_PHONE_SAME)
    return None


def year_evidence(x: Record, y: Record) -> Evidence | None:
    if x.year is None or y.year is None:
        return None
    apart = abs(x.year - y.year)
    if apart == 0:
        return _evidence("year_same", W_YEAR_SAME)
    if apart == 1:
        return _evidence("year_near", W_YEAR_NEAR)
    if apart <= 3:
        return _evidence("year_apart", W_YEAR_APART)
    return _evidence("year_far", W_YEAR_FAR)


def country_evidence(x: Record, y: Record) -> Evidence | None:
    if not x.country or not y.country:
        return None
    if x.country == y.country:
        return _evidence("country_same", W_COUNTRY_SAME)
    return _evidence("country_different", W_COUNTRY_DIFFERENT)


@lru_cache(maxsize=200_000)
def _same_organisation(a: str, b: str) -> bool:
    """“Arusha Council” and “Arusha City Council”: one name's words within the other's."""
    return a == b or fuzz.token_set_ratio(a, b) >= 95


def organisation_evidence(x: Record, y: Record, population: Population) -> Evidence | None:
    """An organisation named on both records (“Kisumu Water” and “Kisumu Water / Bergen
    kommune”): the same. A shared organisation that many people share (a large host) is
    weak evidence, and says nothing against two different sending organisations."""
    if not x.organisation_names or not y.organisation_names:
        return None
    return _compare_organisations(
        x.organisation_names, y.organisation_names, population.common_organisations
    )


@lru_cache(maxsize=200_000)
def _compare_organisations(
    x: frozenset[str], y: frozenset[str], common: frozenset[str]
) -> Evidence:
    shared = {a for a in x for b in y if _same_organisation(a, b)}
    if shared - common:
        return _evidence("organisation_same", W_ORGANISATION_SAME)
    if shared and not (x - common and y - common):
        return _evidence("organisation_common", W_ORGANISATION_COMMON)
    return _evidence("organisation_different", W_ORGANISATION_DIFFERENT)


def programme_evidence(x: Record, y: Record) -> Evidence | None:
    if not x.programme or not y.programme:
        return None
    if x.programme == y.programme:
        return _evidence("programme_same", W_PROGRAMME_SAME)
    return _evidence("programme_different", W_PROGRAMME_DIFFERENT)


def birth_evidence(x: Record, y: Record) -> Evidence | None:
    if x.date_of_birth is None or y.date_of_birth is None:
        return None
    if x.date_of_birth == y.date_of_birth:
        return _evidence("birth_same", W_BIRTH_SAME)
    return _evidence("birth_different", W_BIRTH_DIFFERENT)


EVIDENCE = (
    name_evidence,
    email_evidence,
    phone_evidence,
    year_evidence,
    programme_evidence,
    country_evidence,
    birth_evidence,
)


_NO_POPULATION = Population()


def weigh(
    x: Record, y: Record, population: Population = _NO_POPULATION
) -> tuple[int, list[Evidence]]:
    """The pair's score (0..100) and the evidence it rests on, strongest first."""
    found = [e for check in EVIDENCE if (e := check(x, y)) is not None]
    if (organisation := organisation_evidence(x, y, population)) is not None:
        found.append(organisation)
    score = max(0, min(100, sum(e.weight for e in found)))
    found.sort(key=lambda e: -abs(e.weight))
    return score, found


def score(x: Record, y: Record, population: Population = _NO_POPULATION) -> int:
    """The score alone (what :func:`weigh` gives), for the many pairs that are not kept."""
    total = 0
    for check in EVIDENCE:
        if (e := check(x, y)) is not None:
            total += e.weight
    if (organisation := organisation_evidence(x, y, population)) is not None:
        total += organisation.weight
    return max(0, min(100, total))
