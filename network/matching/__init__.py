"""The duplicate matcher: which records may be one person, how sure, and why.

Pure Python (no database): :mod:`.names` folds and compares names, :mod:`.evidence`
weighs each piece of evidence, :mod:`.blocking` picks the pairs worth comparing and
:mod:`.archive` generates a labelled archive to measure all of it against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .blocking import candidate_pairs
from .evidence import Evidence, Population, Record, score, weigh

# The least score for a pair to be proposed to staff (the default queue).
QUEUE_THRESHOLD = 70
# Pairs from this score up are the high-confidence band: on the generated archive nearly
# all are real, so staff may accept them together after a look.
HIGH_CONFIDENCE = 85


@dataclass
class Pair:
    a: object
    b: object
    score: int
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """The plain-words labels of the evidence for the pair (untranslated)."""
        return [e.label for e in self.evidence if e.weight > 0]

    @property
    def high_confidence(self) -> bool:
        return self.score >= HIGH_CONFIDENCE


def compare(x: Record, y: Record, population: Population | None = None) -> Pair:
    total, evidence = weigh(x, y, population or Population())
    return Pair(a=x.ref, b=y.ref, score=total, evidence=evidence)


def find_pairs(
    new: Sequence[Record], existing: Sequence[Record] = (), *, threshold: int = QUEUE_THRESHOLD
) -> list[Pair]:
    """Likely duplicates among ``new`` and between ``new`` and ``existing``, best first
    (ties in the order of the records)."""
    records = [*new, *existing]
    population = Population.of(records)
    pairs: list[Pair] = []
    order: dict[int, tuple[int, int]] = {}
    for i, j in candidate_pairs(records, new=len(new) if existing else None):
        x, y = records[i], records[j]
        if score(x, y, population) >= threshold:
            total, evidence = weigh(x, y, population)
            order[len(pairs)] = (i, j)
            pairs.append(Pair(a=x.ref, b=y.ref, score=total, evidence=evidence))
    ranked = sorted(range(len(pairs)), key=lambda k: (-pairs[k].score, order[k]))
    return [pairs[k] for k in ranked]


__all__ = ["HIGH_CONFIDENCE", "QUEUE_THRESHOLD", "Evidence", "Pair", "Population", "Record",
           "compare", "find_pairs"]  # fmt: skip
