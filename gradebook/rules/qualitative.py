"""Qualitative marks: grades I–III get words, never numbers (Отличен, Много добър …), counted
and never averaged; and the СОП marks of pupils with special educational needs.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.grade_checks import _check_whole_mark
from gradebook.rules.labels import code_labels
from gradebook.rules.numbers import NumberLike

QUALITATIVE_WORDS: Final[Mapping[int, str]] = MappingProxyType(
    {2: "Незадоволителен", 3: "Среден", 4: "Добър", 5: "Много добър", 6: "Отличен"}
)
"""Qualitative marks for grades I–III (Наредба № 11/2016): whole mark → word."""

SOP_DIFFICULTIES: Final = "difficulties"
SOP_COPES: Final = "copes"
SOP_MEETS: Final = "meets"

SOP_MARKS: Final[Mapping[str, str]] = code_labels(
    difficulties="среща затруднения", copes="справя се", meets="постига изискванията"
)
"""Marks for students with special educational needs (СОП) on an individual curriculum
(Наредба № 11/2016): code → Bulgarian text."""


def qualitative_word(value: int) -> str:
    """Word for a qualitative mark in grades I–III: 2 Незадоволителен … 6 Отличен.

    Raises :class:`RuleError` for anything but a whole mark 2–6.
    """
    mark = _check_whole_mark(value, "Качествената оценка трябва да е цяло число от 2 до 6.")
    return QUALITATIVE_WORDS[mark]


def sop_word(code: str) -> str:
    """Bulgarian text for a СОП mark code (``difficulties``/``copes``/``meets``)."""
    try:
        return SOP_MARKS[code]
    except KeyError:
        raise RuleError(
            f"unknown special-needs mark {code!r}", "Непозната оценка за СОП.", "grade.sop"
        ) from None


def qualitative_counts(values: Iterable[NumberLike]) -> tuple[tuple[str, int], ...]:
    """How many of each qualitative mark (grades I–III), best first, marks not given left out:
    ``[6, 6, 5]`` → ``(("Отличен", 2), ("Много добър", 1))``.

    Rule (DOMAIN.md; Наредба № 11/2016): in grades I–III assessment is qualitative only, so the
    marks are counted, never averaged into a number.  Each value must be a whole mark 2–6.
    """
    counts: dict[int, int] = {}
    for value in values:
        mark = _check_whole_mark(value, "Качествената оценка трябва да е цяло число от 2 до 6.")
        counts[mark] = counts.get(mark, 0) + 1
    return tuple((QUALITATIVE_WORDS[m], counts[m]) for m in sorted(counts, reverse=True))


def qualitative_text(values: Iterable[NumberLike]) -> str:
    """The qualitative marks of grades I–III as a parent reads them, with no average:
    ``[6, 6, 5]`` → ``"Отличен (2), Много добър (1)"``; ``""`` for none."""
    return ", ".join(f"{word} ({count})" for word, count in qualitative_counts(values))
