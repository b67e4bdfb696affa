"""Names as the matcher compares them: folded to plain letters, split into words, and
given a rough sound key so that spellings of one name meet.

Folding is the portal's one name key (``partnerships.names.name_key``): diacritics drop
(“Ngũgĩ” → “ngugi”) and other scripts are transliterated (“Юсуф” → “yusuf”) before
anything is compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA, Indel

from partnerships.names import name_key

# Two words this alike (0..1) count as one name spelt two ways.
SAME_WORD = 0.8


# One folding of names for the whole portal (partnerships.names), under the matcher's word.
fold = name_key


def words(text: str) -> tuple[str, ...]:
    return tuple(fold(text).split())


# Letter groups written differently across transliterations of one sound.
_SOUNDS = (
    ("sch", "s"), ("sh", "s"), ("ph", "f"), ("th", "t"), ("kh", "k"), ("gh", "g"),
    ("dh", "d"), ("bh", "b"), ("ck", "k"), ("q", "k"), ("c", "k"), ("z", "s"),
    ("x", "ks"), ("w", "v"), ("y", "i"), ("j", "i"),
)  # fmt: skip
_VOWELS = frozenset("aeiouh")


@lru_cache(maxsize=200_000)
def sound_key(word: str) -> str:
    """A rough key of how a word sounds: consonants only after the first letter, doubled
    letters once, and letter groups that transliterations swap made one
    (Mohammed, Muhammad, Mohamed → “md”; Hassan, Hasan → “hsn”)."""
    if not word:
        return ""
    text = word
    for spelt, sound in _SOUNDS:
        text = text.replace(spelt, sound)
    first = "a" if text[0] in _VOWELS and text[0] != "h" else text[0]
    key = [first]
    for c in text[1:]:
        if c in _VOWELS or c == "i":
            continue
        if c != key[-1]:
            key.append(c)
    return "".join(key)


@lru_cache(maxsize=400_000)
def word_similarity(a: str, b: str) -> float:
    """0..1; a typo, a swapped pair of letters or a transliteration stays high."""
    if a == b:
        return 1.0
    score = max(Indel.normalized_similarity(a, b), OSA.normalized_similarity(a, b))
    if sound_key(a) == sound_key(b) and a[0] == b[0]:
        score = max(score, 0.85)
    if score < SAME_WORD and min(len(a), len(b)) >= 4 and OSA.distance(a, b) <= 1:
        # One slip of the pen in a short name (“Jose” written “Jlse”).
        score = SAME_WORD
    return score


class NameMatch:
    """How two names relate, from the strongest to the weakest likeness."""

    SAME = "same"  # the same words in the same order
    REORDERED = "reordered"  # the same words, given name and surname swapped
    VARIANT = "variant"  # every word matches a word spelt alike
    SHORTER = "shorter"  # one name has a word the other lacks; all others match
    SINGLE = "single"  # one record gives a single name, found in the other
    PARTIAL = "partial"  # some words in common, others different (e.g. the surname only)
    DIFFERENT = "different"
    UNKNOWN = "unknown"  # a record without a name


@dataclass(frozen=True)
class NameComparison:
    kind: str
    similarity: float  # mean likeness of the matched words, 0..1


@lru_cache(maxsize=400_000)
def compare_names(a: tuple[str, ...], b: tuple[str, ...]) -> NameComparison:
    """Pair each word of the shorter name with its most alike word of the other (each
    used once), then judge the whole: a shared surname alone is a *partial* match."""
    if not a or not b:
        return NameComparison(NameMatch.UNKNOWN, 0.0)
    if a == b:
        return NameComparison(NameMatch.SAME, 1.0)
    if sorted(a) == sorted(b):
        return NameComparison(NameMatch.REORDERED, 1.0)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    scored = sorted(
        ((word_similarity(x, y), i, j) for i, x in enumerate(short) for j, y in enumerate(long)),
        reverse=True,
    )
    used_short: set[int] = set()
    used_long: set[int] = set()
    matched: list[float] = []
    for similarity, i, j in scored:
        if i in used_short or j in used_long or similarity < SAME_WORD:
            continue
        used_short.add(i)
        used_long.add(j)
        matched.append(similarity)
    if not matched:
        return NameComparison(NameMatch.DIFFERENT, 0.0)
    mean = sum(matched) / len(matched)
    if len(matched) == len(long):
        return NameComparison(NameMatch.VARIANT, mean)
    if len(matched) == len(short):
        kind = NameMatch.SHORTER if len(short) >= 2 else NameMatch.SINGLE
        return NameComparison(kind, mean)
    return NameComparison(NameMatch.PARTIAL, mean)
