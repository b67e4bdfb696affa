"""Which records are compared at all: only those sharing a blocking key, never all
against all.

Keys come from pairs of name words (so a shared surname alone never brings two people
together), each word seen four ways — its sound key, its first three letters, its last
three, and its first and last letters — so a typo in one place, a transliteration or a
lost accent still leaves a shared key; swapped names give the same keys (the pair is
unordered), and a dropped given name leaves the other pairs. Name keys are combined with
the exchange year or an organisation (see :func:`blocking_keys`). An email address, the
name before its @, a phone number and a birth date are keys too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import combinations

from .evidence import Record
from .names import sound_key

# A key shared by more records than this says nothing (e.g. “info@” addresses): skipped.
# Names are never that common within one key pair, so no real pair is lost through it.
MAX_BLOCK = 2_000


def _word_keys(word: str) -> tuple[str, ...]:
    # The first and last letters survive most slips of the pen inside a short word, where
    # the other three keys may all change.
    return ("s" + sound_key(word), "p" + word[:3], "e" + word[-3:], f"f{word[0]}{word[-1]}")


def _name_keys(record: Record) -> set[str]:
    keys: set[str] = set()
    names = sorted(record.words)  # “Alemu Alemu” keeps both words
    if len(names) == 1:
        keys |= {"1" + k for k in _word_keys(names[0])}
    for first, second in combinations(names, 2):
        # Keys of one kind are paired (sound with sound, …): when one word is misspelt,
        # the kind that survives in it meets the other word's unchanged key.
        for a, b in zip(_word_keys(first), _word_keys(second), strict=True):
            keys.add(f"{min(a, b)}|{max(a, b)}")
    return keys


def blocking_keys(record: Record) -> set[str]:
    """A name key alone would put every Joseph Otieno with every other; it is combined with
    what a namesake seldom shares — an exchange year at most two apart (each record sits
    under its year and the next two), or an organisation. A pair meeting on none of these
    nor on an email, phone or birth date cannot reach the queue on the name alone."""
    keys: set[str] = set()
    name_keys = _name_keys(record)
    also: list[str] = [f"o{o}" for o in record.organisation_names]
    if record.year is not None:
        also += [f"y{record.year}", f"y{record.year + 1}", f"y{record.year + 2}"]
    if not also:
        also = ["?"]
    for name_key in name_keys:
        for extra in also:
            keys.add(f"{name_key}&{extra}")
    for email in record.emails:
        keys.add("@" + email)
        local = email.rsplit("@", 1)[0]
        if len(local) >= 4:
            keys.add("<" + local)
    if record.phone:
        keys.add("#" + record.phone)
    if record.date_of_birth is not None:
        keys.add(f"b{record.date_of_birth.isoformat()}")
    return keys


def candidate_pairs(
    records: Sequence[Record], *, new: int | None = None
) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) sharing a key, each once. With ``new`` given, only the first
    ``new`` records are new and pairs of two older records are left out.

    Candidates are gathered one record at a time so memory stays that of the index, not
    of every pair.
    """
    index: dict[str, list[int]] = defaultdict(list)
    keys_of: list[set[str]] = []
    for i, record in enumerate(records):
        keys = blocking_keys(record)
        keys_of.append(keys)
        for key in keys:
            index[key].append(i)
    limit = len(records) if new is None else new
    for i in range(limit):
        partners: set[int] = set()
        for key in keys_of[i]:
            block = index[key]
            if len(block) < 2 or len(block) > MAX_BLOCK:
                continue
            partners.update(block)
        for j in sorted(partners):
            if j > i or (new is not None and j >= new):
                yield i, j
