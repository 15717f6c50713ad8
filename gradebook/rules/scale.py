"""The six-point grade scale (Наредба № 11/01.09.2016; NEISPUO ``GradeUtils.cs``): the words
(Слаб 2 … Отличен 6) and their thresholds, whole marks, and averages (the plain mean to two places
half-up and the official average of whole marks).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.numbers import NumberLike
from gradebook.rules.numbers import _quantize
from gradebook.rules.numbers import to_decimal

MIN_GRADE: Final = 2
MAX_GRADE: Final = 6

GRADE_WORDS: Final[Mapping[int, str]] = MappingProxyType(
    {2: "Слаб", 3: "Среден", 4: "Добър", 5: "Много добър", 6: "Отличен"}
)
"""Whole mark → word on the six-point scale (Наредба № 11/2016, чл. 9)."""

# Lower bounds of each word, checked from the top (NEISPUO GradeUtils.cs).
_WORD_THRESHOLDS: Final[tuple[tuple[Decimal, int], ...]] = (
    (Decimal("5.50"), 6),
    (Decimal("4.50"), 5),
    (Decimal("3.50"), 4),
    (Decimal("3.00"), 3),
)


def _mark_of(value: NumberLike) -> tuple[Decimal, int]:
    number = _quantize(to_decimal(value), 2)
    if not MIN_GRADE <= number <= MAX_GRADE:
        raise RuleError(
            f"grade value {number} is outside 2-6",
            "Оценката трябва да е между 2 и 6.",
            "grade.range",
        )
    for bound, mark in _WORD_THRESHOLDS:
        if number >= bound:
            return number, mark
    return number, 2


def grade_word(value: NumberLike) -> tuple[str, int]:
    """Word and whole mark for a numeric grade or average.

    Rule (NEISPUO ``GradeUtils.cs``; Наредба № 11/2016): < 3.00 Слаб 2; 3.00–3.49 Среден 3;
    3.50–4.49 Добър 4; 4.50–5.49 Много добър 5; ≥ 5.50 Отличен 6.
    The value is first rounded half-up to two places, as it is displayed, so the word always
    agrees with the number shown beside it.  Values outside 2–6 raise :class:`RuleError`.

    >>> grade_word(Decimal("5.50"))
    ('Отличен', 6)
    """
    _, mark = _mark_of(value)
    return GRADE_WORDS[mark], mark


def whole_mark(value: NumberLike) -> int:
    """A grade or average as a whole mark: 2 if below 3.00, otherwise rounded half-up.

    This is how official reports turn each grade into a whole number before averaging
    (DOMAIN.md, "Grades"); it always agrees with :func:`grade_word`.  ``4.50`` → 5 (not 4).
    """
    return _mark_of(value)[1]


def average(values: Iterable[NumberLike]) -> Decimal | None:
    """Arithmetic mean to two places, ``ROUND_HALF_UP``; ``None`` for no values.

    Computed exactly (as fractions), never in float and never with ``round()``:
    a mean of exactly 4.125 gives ``Decimal("4.13")`` (banker's rounding would give 4.12).
    """
    numbers = [v if type(v) is Decimal and v.is_finite() else to_decimal(v) for v in values]
    if not numbers:
        return None
    # In integers: every value as a whole number of 10**exponent, summed, divided with the
    # remainder kept, so the half-up decision is exact (and far cheaper than fractions).
    exponent = min(min(int(n.as_tuple().exponent) for n in numbers), 0)
    total = sum(int(n.scaleb(-exponent)) for n in numbers)
    numerator, denominator = abs(total) * 100, len(numbers) * 10**-exponent
    whole, remainder = divmod(numerator, denominator)
    if 2 * remainder >= denominator:
        whole += 1
    return Decimal(-whole if total < 0 else whole).scaleb(-2)


def official_average(values: Iterable[NumberLike]) -> Decimal | None:
    """Class or year average as official reports compute it; ``None`` for no values.

    Each grade is first turned into a whole mark (2 if < 3, else half-up; see
    :func:`whole_mark`), then the marks are averaged to two places half-up (DOMAIN.md).
    """
    return average(Decimal(whole_mark(v)) for v in values)
