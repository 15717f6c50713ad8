"""Grade kinds (current, term, annual …) and the checks a grade passes before it is stored: the
range 2–6, whole marks for term and annual grades, grades I–III qualitative only
(Наредба № 11/2016; NEISPUO ``SB.Domain/Grades``).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.labels import code_labels
from gradebook.rules.numbers import _CENT
from gradebook.rules.numbers import NumberLike
from gradebook.rules.numbers import to_decimal
from gradebook.rules.scale import MAX_GRADE
from gradebook.rules.scale import MIN_GRADE

KIND_TERM: Final = "term"
KIND_ANNUAL: Final = "annual"

GRADE_KINDS: Final[Mapping[str, str]] = code_labels(
    current="текуща",
    control="контролна",
    classwork="класна",
    test="тест",
    homework="домашна работа",
    project="проект",
    entry_level="входно ниво",
    exit_level="изходно ниво",
    term="срочна",
    annual="годишна",
)
"""Grade kind code → Bulgarian label.  The first eight are current-grade kinds (NEISPUO
``GradeType``); ``term`` and ``annual`` are the final grades set by the teacher."""

FINAL_KINDS: Final[tuple[str, ...]] = (KIND_TERM, KIND_ANNUAL)
CURRENT_KINDS: Final[tuple[str, ...]] = tuple(k for k in GRADE_KINDS if k not in FINAL_KINDS)


def check_current_grade(value: NumberLike) -> None:
    """Raise :class:`RuleError` unless ``value`` is a valid current (текуща) grade.

    Rule (Наредба № 11/2016; NEISPUO ``Grade``): exactly 2, or any value from 3.00 to 6.00 with
    at most two decimal places.  So 2.50, 6.01, 3.333, 1, NaN and infinity are invalid.
    ``int`` and ``str`` input (also with a decimal comma) is accepted via :func:`to_decimal`.
    """
    parse_current_grade(value)


def parse_current_grade(value: NumberLike) -> Decimal:
    """Validate a current grade like :func:`check_current_grade` and return it with two places.

    ``"5,5"`` → ``Decimal("5.50")``; ``2`` → ``Decimal("2.00")``.
    """
    number = to_decimal(value)
    if number == 2:
        return Decimal("2.00")
    if not Decimal(3) <= number <= Decimal(6):
        raise RuleError(
            f"current grade {value!r} must be 2 or between 3.00 and 6.00",
            "Текущата оценка трябва да е 2 или число от 3,00 до 6,00.",
            "grade.range",
        )
    if (Fraction(number) * 100).denominator != 1:
        raise RuleError(
            f"current grade {value!r} has more than two decimal places",
            "Текущата оценка може да има най-много два знака след десетичната запетая.",
            "grade.places",
        )
    return number.quantize(_CENT)


def check_final_grade(value: NumberLike, grade_level: int, kind: str = KIND_TERM) -> None:
    """Raise :class:`RuleError` unless ``value`` is a valid term or annual grade.

    Rules (Наредба № 11/2016; DOMAIN.md):

    * term (срочна) and annual (годишна) grades are whole numbers 2–6 (5.5 is invalid);
    * grades I–III have no term grades; grade I has no annual grade (an overall annual result
      instead); ПГ (``grade_level`` 0) has no grades at all.
    """
    _check_grade_level(grade_level)
    if kind not in FINAL_KINDS:
        raise RuleError(f"unknown final grade kind {kind!r}", "Непознат вид оценка.", "grade.kind")
    if grade_level == 0:
        raise RuleError(
            "preparatory group (ПГ) has no grades",
            "В подготвителната група не се поставят оценки.",
            "grade.level",
        )
    if kind == KIND_TERM and grade_level <= 3:
        raise RuleError(
            f"grade {grade_level} has no term grades",
            "В I–III клас не се поставят срочни оценки.",
            "grade.level",
        )
    if kind == KIND_ANNUAL and grade_level == 1:
        raise RuleError(
            "grade 1 has no annual grade",
            "В I клас не се поставя годишна оценка по предмет.",
            "grade.level",
        )
    _check_whole_mark(value, "Срочната или годишната оценка трябва да е цяло число от 2 до 6.")


def check_grade(value: NumberLike, grade_level: int, kind: str) -> None:
    """Validate any grade for a grade level and kind (a dispatcher for the forms).

    Current kinds follow :func:`check_current_grade`; in grades I–III, where assessment is
    qualitative only (Наредба № 11/2016; NEISPUO allows no decimal grades in ``Book_I_III``),
    current grades must be whole marks 2–6 shown as words (:func:`qualitative_word`).
    ``term``/``annual`` follow :func:`check_final_grade`.
    """
    if kind in FINAL_KINDS:
        check_final_grade(value, grade_level, kind)
        return
    if kind not in CURRENT_KINDS:
        raise RuleError(f"unknown grade kind {kind!r}", "Непознат вид оценка.", "grade.kind")
    _check_grade_level(grade_level)
    if grade_level == 0:
        raise RuleError(
            "preparatory group (ПГ) has no grades",
            "В подготвителната група не се поставят оценки.",
            "grade.level",
        )
    if grade_level <= 3:
        _check_whole_mark(value, "В I–III клас оценката е качествена: цяло число от 2 до 6.")
    else:
        check_current_grade(to_decimal(value))


def _check_grade_level(grade_level: int) -> None:
    if (
        isinstance(grade_level, bool)
        or not isinstance(grade_level, int)
        or not 0 <= grade_level <= 12
    ):
        raise RuleError(
            f"grade level {grade_level!r} must be 0-12",
            "Класът трябва да е от ПГ до XII.",
            "grade.level",
        )


def _check_whole_mark(value: NumberLike, message_bg: str) -> int:
    number = to_decimal(value)
    if number != number.to_integral_value() or not MIN_GRADE <= number <= MAX_GRADE:
        raise RuleError(f"grade {value!r} must be a whole number 2-6", message_bg, "grade.whole")
    return int(number)
