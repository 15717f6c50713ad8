"""Bulgarian school rules for Belezhnik, as pure functions.

This module imports only the Python standard library and touches no database, clock or network,
so every rule can be tested with a table of cases.  The spec is ``/work/shared/DOMAIN.md``; each
function's docstring names the rule it encodes and where the rule comes from.

Sections:

* Errors: :class:`RuleError` (English ``str(e)`` for logs, Bulgarian ``message_bg`` for people).
* Grades (Наредба № 11/01.09.2016 за оценяване на резултатите от обучението на учениците;
  NEISPUO ``school-books`` ``SB.Domain/Grades``): words, averages, validation, kinds, forecasts,
  the figure of a subject for a term or the year (the set grade, else the forecast), the overall
  success, minimum number of current grades, official averages, qualitative and СОП marks.
* Absences (Наредба за приобщаващото образование, чл. 62; NEISPUO ``Absence``): kinds, reasons,
  weighted totals, the monthly АСП threshold, days excused by parents.
* Entry locks (NEISPUO ``ClassBook.CheckBookHasPastMonthLock`` / ``HasFutureEntryLock``).
* Formatting for Bulgarian readers ("Много добър 5,25", "05.11.2026").
* Personal ids: ЕГН, ЛНЧ, ИДН.
* The student's parent-access code (random digits + Verhoeff check digit).

Money-like arithmetic rule used throughout: grades and averages are :class:`decimal.Decimal`,
rounded with ``ROUND_HALF_UP``; never ``float`` and never the built-in ``round()`` (which rounds
half to even: ``round(4.5) == 4``).
"""

from __future__ import annotations

import random
import re
import secrets
from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final
from typing import TypeAlias

__all__ = [
    # errors
    "RuleError",
    # grades
    "GRADE_WORDS",
    "GRADE_KINDS",
    "CURRENT_KINDS",
    "FINAL_KINDS",
    "KIND_TERM",
    "KIND_ANNUAL",
    "MIN_GRADE",
    "MAX_GRADE",
    "QUALITATIVE_WORDS",
    "SOP_DIFFICULTIES",
    "SOP_COPES",
    "SOP_MEETS",
    "SOP_MARKS",
    "NumberLike",
    "to_decimal",
    "grade_word",
    "whole_mark",
    "average",
    "official_average",
    "check_current_grade",
    "parse_current_grade",
    "check_final_grade",
    "check_grade",
    "qualitative_word",
    "sop_word",
    "term_forecast",
    "forecast_whole",
    "Figure",
    "term_figure",
    "year_figure",
    "overall_success",
    "qualitative_counts",
    "qualitative_text",
    "min_grades_per_term",
    "missing_grades_warning",
    # absences
    "ABSENCE_EXCUSED",
    "ABSENCE_UNEXCUSED",
    "ABSENCE_LATE",
    "ABSENCE_KINDS",
    "EXCUSE_HEALTH",
    "EXCUSE_FAMILY",
    "EXCUSE_OTHER",
    "EXCUSE_REASONS",
    "LATE_WEIGHT",
    "DEFAULT_MONTHLY_THRESHOLD",
    "PARENT_EXCUSE_MAX_YEAR",
    "PARENT_EXCUSE_MAX_IN_ROW",
    "AbsenceTotals",
    "weighted_unexcused",
    "absence_totals",
    "exceeds_monthly_threshold",
    "is_school_day",
    "parent_excused_days_problem",
    "parent_excused_days_ok",
    # locks
    "LOCK_FUTURE",
    "LOCK_MONTH",
    "entry_locked",
    # formatting
    "format_decimal_bg",
    "format_date_bg",
    "grade_text",
    # personal ids
    "PERSONAL_ID_KINDS",
    "ASP_ID_TYPE_CODES",
    "egn_info",
    "is_valid_egn",
    "is_valid_lnch",
    "is_valid_idn",
    "validate_personal_id",
    # student code
    "STUDENT_CODE_LENGTH",
    "verhoeff_check_digit",
    "verhoeff_is_valid",
    "new_student_code",
    "is_valid_student_code",
    "normalize_student_code",
]


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class RuleError(ValueError):
    """A broken school rule.

    ``str(e)`` is English, for logs; ``e.message_bg`` is a clear Bulgarian sentence to show to
    teachers and parents; ``e.code`` is a short machine-readable reason (e.g. ``"grade.range"``).
    It subclasses :class:`ValueError`, so callers that catch ``ValueError`` keep working.
    """

    def __init__(self, message: str, message_bg: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message: str = message
        self.message_bg: str = message_bg
        self.code: str = code

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[RuleError], tuple[str, str, str]]:
        return (type(self), (self.message, self.message_bg, self.code))


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

_CENT: Final = Decimal("0.01")
_ONE: Final = Decimal(1)

NumberLike: TypeAlias = Decimal | int | str | float
"""What the grade functions accept; everything is converted with :func:`to_decimal`."""

# Plain decimal notation only: no exponents, underscores, non-ASCII digits, NaN or infinity.
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def to_decimal(value: NumberLike) -> Decimal:
    """Convert a grade-like value to a finite :class:`Decimal`, or raise :class:`RuleError`.

    Accepts ``Decimal``, ``int``, ``str`` (surrounding spaces ignored; a Bulgarian decimal comma
    "5,25" is accepted) and ``float`` (through ``str()``, so ``5.25`` becomes ``Decimal("5.25")``,
    not its binary expansion).  ``bool``, NaN and infinities are rejected.
    """
    if isinstance(value, bool):
        raise RuleError(f"not a number: {value!r}", "Стойността не е число.", "number.invalid")
    result: Decimal
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not _PLAIN_NUMBER.fullmatch(text):
            raise RuleError(f"not a number: {value!r}", "Стойността не е число.", "number.invalid")
        result = Decimal(text)
    else:
        raise RuleError(
            f"not a number: {value!r} ({type(value).__name__})",
            "Стойността не е число.",
            "number.invalid",
        )
    if not result.is_finite():
        raise RuleError(
            f"not a finite number: {value!r}", "Стойността не е число.", "number.invalid"
        )
    return result


def _quantize(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Grades: the six-point scale
# ---------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------
# Grades: validation
# ---------------------------------------------------------------------------------------------

KIND_TERM: Final = "term"
KIND_ANNUAL: Final = "annual"

GRADE_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "current": "текуща",
        "control": "контролна",
        "classwork": "класна",
        "test": "тест",
        "homework": "домашна работа",
        "project": "проект",
        "entry_level": "входно ниво",
        "exit_level": "изходно ниво",
        KIND_TERM: "срочна",
        KIND_ANNUAL: "годишна",
    }
)
"""Grade kind code → Bulgarian label.  The first eight are current-grade kinds (NEISPUO
``GradeType``); ``term`` and ``annual`` are the final grades set by the teacher."""

CURRENT_KINDS: Final[tuple[str, ...]] = (
    "current",
    "control",
    "classwork",
    "test",
    "homework",
    "project",
    "entry_level",
    "exit_level",
)
FINAL_KINDS: Final[tuple[str, ...]] = (KIND_TERM, KIND_ANNUAL)


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


# ---------------------------------------------------------------------------------------------
# Grades: qualitative (I–III) and СОП marks
# ---------------------------------------------------------------------------------------------

QUALITATIVE_WORDS: Final[Mapping[int, str]] = MappingProxyType(
    {2: "Незадоволителен", 3: "Среден", 4: "Добър", 5: "Много добър", 6: "Отличен"}
)
"""Qualitative marks for grades I–III (Наредба № 11/2016): whole mark → word."""

SOP_DIFFICULTIES: Final = "difficulties"
SOP_COPES: Final = "copes"
SOP_MEETS: Final = "meets"

SOP_MARKS: Final[Mapping[str, str]] = MappingProxyType(
    {
        SOP_DIFFICULTIES: "среща затруднения",
        SOP_COPES: "справя се",
        SOP_MEETS: "постига изискванията",
    }
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


# ---------------------------------------------------------------------------------------------
# Grades: forecasts and the minimum number of current grades
# ---------------------------------------------------------------------------------------------


def term_forecast(values: Iterable[NumberLike]) -> Decimal | None:
    """Forecast shown beside a term grade: the mean of the current grades, two places half-up.

    The teacher still sets the term grade (a whole number); this is only a hint
    (DOMAIN.md; Shkolo and NEISPUO do the same).  Each value must be a valid current grade.
    ``None`` when there are no grades.
    """
    return average(parse_current_grade(v) for v in values)


def forecast_whole(values: Iterable[NumberLike]) -> int | None:
    """The forecast as a whole mark to suggest for the term grade; ``None`` without grades.

    The two-place forecast is turned into a mark as :func:`whole_mark` does (2 below 3.00,
    otherwise half-up), so it matches the word shown: forecast 4.50 → 5, 2.90 → 2.
    """
    forecast = term_forecast(values)
    return None if forecast is None else whole_mark(forecast)


# ---------------------------------------------------------------------------------------------
# Grades: the figure of a subject for a term or the year, and the overall success (общ успех)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """The one number shown or spoken for a subject over a term or the year.

    ``final`` is True when it is the grade the teacher set (срочна or годишна, a whole mark),
    False when it is a forecast from the current grades (two places).  :attr:`text` writes it the
    way a parent reads it: ``"Много добър 5"`` for a set grade, ``"Много добър 5,25"`` for a
    forecast.
    """

    value: Decimal
    final: bool

    @property
    def text(self) -> str:
        return grade_text(self.value, 0 if self.final else 2)


def _set_grade(value: NumberLike) -> Decimal:
    mark = _check_whole_mark(
        value, "Срочната или годишната оценка трябва да е цяло число от 2 до 6."
    )
    return Decimal(mark).quantize(_CENT)


def term_figure(
    currents: Iterable[NumberLike], term_grade: NumberLike | None = None
) -> Figure | None:
    """The figure of a subject for a term: the term grade (срочна) once the teacher has set it,
    otherwise the forecast, the mean of the term's current grades (two places half-up).

    Rule (DOMAIN.md, "Grades"; Наредба № 11/2016): the term grade is a whole number 2–6 set by
    the teacher; the mean of current grades is only a forecast beside it.  So current grades 6, 6,
    6 with a term grade 5 give ``Figure(5.00, final=True)``, written "Много добър 5"; without the
    term grade they give ``Figure(6.00, final=False)``.  ``None`` when there is neither.  A term
    grade that is not a whole mark 2–6 raises :class:`RuleError`.
    """
    if term_grade is not None:
        return Figure(_set_grade(term_grade), True)
    forecast = average(currents)
    return None if forecast is None else Figure(forecast, False)


def year_figure(
    term_figures: Iterable[Figure | None], annual_grade: NumberLike | None = None
) -> Figure | None:
    """The figure of a subject for the school year: the annual grade (годишна) once set,
    otherwise a forecast, the mean of the two terms' figures (each a term grade or a term
    forecast, see :func:`term_figure`; a term without any is left out).

    Term grades 5 and 6 without an annual grade → forecast 5.50; an annual 6 → 6 whatever the
    terms.  ``None`` when there is nothing to go on.
    """
    if annual_grade is not None:
        return Figure(_set_grade(annual_grade), True)
    forecast = average(f.value for f in term_figures if f is not None)
    return None if forecast is None else Figure(forecast, False)


def overall_success(figures: Iterable[Figure | NumberLike | None]) -> Decimal | None:
    """Общ успех: the mean of the subjects' figures, two places half-up (the subjects without a
    figure are left out); ``None`` when no subject has one.

    Each subject counts once with its figure (a set term/annual grade, or the forecast where none
    is set yet), never with the raw current grades: 5 (set) and a forecast 6.00 give 5.50.
    """
    values = [f.value if isinstance(f, Figure) else f for f in figures if f is not None]
    return average(values)


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


def min_grades_per_term(hours_per_week: NumberLike) -> int:
    """Minimum number of current grades per term for a subject (Наредба № 11/2016).

    Up to 2 hours a week: 2; 2.5 to 3.5 hours: 3; 4 hours or more: 4.  Values between the
    published steps (e.g. 2.25 or 3.75) fall in the middle band: 2 < h < 4 → 3.
    Zero or negative hours raise :class:`RuleError`.
    """
    hours = to_decimal(hours_per_week)
    if hours <= 0:
        raise RuleError(
            f"hours per week must be positive, got {hours_per_week!r}",
            "Седмичните часове трябва да са положително число.",
            "hours.range",
        )
    if hours <= 2:
        return 2
    if hours < 4:
        return 3
    return 4


def missing_grades_warning(count: int, hours_per_week: NumberLike) -> int:
    """How many current grades a student still lacks this term (0 if enough)."""
    return max(0, min_grades_per_term(hours_per_week) - count)


# ---------------------------------------------------------------------------------------------
# Absences
# ---------------------------------------------------------------------------------------------

ABSENCE_EXCUSED: Final = "excused"
ABSENCE_UNEXCUSED: Final = "unexcused"
ABSENCE_LATE: Final = "late"

ABSENCE_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        ABSENCE_EXCUSED: "уважително",
        ABSENCE_UNEXCUSED: "неуважително",
        ABSENCE_LATE: "закъснение",
    }
)
"""Absence kind code → Bulgarian label (Наредба за приобщаващото образование, чл. 62)."""

EXCUSE_HEALTH: Final = "health"
EXCUSE_FAMILY: Final = "family"
EXCUSE_OTHER: Final = "other"

EXCUSE_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        EXCUSE_HEALTH: "здравословни",
        EXCUSE_FAMILY: "семейни",
        EXCUSE_OTHER: "други",
    }
)
"""Reason for an excused absence → Bulgarian label (NEISPUO ``Absence``).  Medical notes come
without a diagnosis; never store one."""

LATE_WEIGHT: Final = Decimal("0.5")
DEFAULT_MONTHLY_THRESHOLD: Final = Decimal(5)
PARENT_EXCUSE_MAX_YEAR: Final = 15
PARENT_EXCUSE_MAX_IN_ROW: Final = 5


@dataclass(frozen=True, slots=True)
class AbsenceTotals:
    """Counts of absence events and the weighted unexcused total (unexcused + ½ × lates)."""

    excused: int
    unexcused: int
    lates: int
    weighted: Decimal


def weighted_unexcused(unexcused: int, lates: int) -> Decimal:
    """Weighted unexcused hours: ``unexcused + 0.5 × lates``, one decimal place.

    Rule (Наредба за приобщаващото образование, чл. 62; DOMAIN.md): a late counts as half an
    unexcused absence when totals are computed.  3 unexcused + 3 lates → ``Decimal("4.5")``.
    """
    for name, number in (("unexcused", unexcused), ("lates", lates)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise RuleError(
                f"{name} must be a non-negative integer, got {number!r}",
                "Броят отсъствия трябва да е цяло неотрицателно число.",
                "absence.count",
            )
    return (Decimal(unexcused) + LATE_WEIGHT * lates).quantize(Decimal("0.1"))


def absence_totals(kinds: Iterable[str]) -> AbsenceTotals:
    """Count absence events by kind (``excused``/``unexcused``/``late``) and weight them."""
    counts = {ABSENCE_EXCUSED: 0, ABSENCE_UNEXCUSED: 0, ABSENCE_LATE: 0}
    for kind in kinds:
        if kind not in counts:
            raise RuleError(
                f"unknown absence kind {kind!r}", "Непознат вид отсъствие.", "absence.kind"
            )
        counts[kind] += 1
    return AbsenceTotals(
        excused=counts[ABSENCE_EXCUSED],
        unexcused=counts[ABSENCE_UNEXCUSED],
        lates=counts[ABSENCE_LATE],
        weighted=weighted_unexcused(counts[ABSENCE_UNEXCUSED], counts[ABSENCE_LATE]),
    )


def exceeds_monthly_threshold(
    unexcused: int, lates: int, threshold: NumberLike = DEFAULT_MONTHLY_THRESHOLD
) -> bool:
    """True when a month's weighted unexcused hours are strictly more than ``threshold``.

    Default 5: more than 5 weighted unexcused hours in a month stops the child benefit (АСП)
    for a year, and NEISPUO's "at risk" report flags > 5 (DOMAIN.md).  Exactly 5 is not
    exceeded; 5.5 is.  Configurable per school.
    """
    return weighted_unexcused(unexcused, lates) > to_decimal(threshold)


def is_school_day(day: date, non_school_days: Collection[date] = ()) -> bool:
    """Monday–Friday and not listed in ``non_school_days`` (holidays, vacations)."""
    return day.weekday() < 5 and day not in non_school_days


def _next_school_day(day: date, non_school_days: Collection[date]) -> date:
    following = day + timedelta(days=1)
    for _ in range(366):
        if is_school_day(following, non_school_days):
            return following
        following += timedelta(days=1)
    raise RuleError(
        "no school day within a year", "Няма учебен ден в рамките на година.", "calendar"
    )


def parent_excused_days_problem(
    days_used_this_year: int,
    new_days: Iterable[date],
    max_year: int = PARENT_EXCUSE_MAX_YEAR,
    max_in_row: int = PARENT_EXCUSE_MAX_IN_ROW,
    *,
    existing_days: Iterable[date] = (),
    non_school_days: Collection[date] = (),
) -> str | None:
    """Why a parent may not excuse ``new_days``, or ``None`` if they may.

    Rule (Наредба за приобщаващото образование, чл. 62, since March 2024; configurable):
    parents may excuse up to ``max_year`` (15) school days a school year and at most
    ``max_in_row`` (5) school days in a row.

    Simplifications, on purpose:

    * school days are Monday–Friday minus ``non_school_days``; days in between that are not
      school days do not break a run, so Friday + Monday are two consecutive school days;
    * ``existing_days`` (days already excused by the parent this year) are joined with the new
      days when looking for runs; only runs that contain a new day are judged;
    * days already in ``existing_days`` are not counted again.

    Reasons: ``"not_school_day"``, ``"year_limit"``, ``"in_row"``.
    """
    existing = set(existing_days)
    fresh = set(new_days) - existing
    if any(not is_school_day(d, non_school_days) for d in fresh):
        return "not_school_day"
    if days_used_this_year + len(fresh) > max_year:
        return "year_limit"
    all_days = sorted(existing | fresh)
    run_length = 0
    run_has_new = False
    previous: date | None = None
    for day in all_days:
        if previous is not None and _next_school_day(previous, non_school_days) == day:
            run_length += 1
        else:
            run_length = 1
            run_has_new = False
        run_has_new = run_has_new or day in fresh
        if run_has_new and run_length > max_in_row:
            return "in_row"
        previous = day
    return None


def parent_excused_days_ok(
    days_used_this_year: int,
    new_days: Iterable[date],
    max_year: int = PARENT_EXCUSE_MAX_YEAR,
    max_in_row: int = PARENT_EXCUSE_MAX_IN_ROW,
    *,
    existing_days: Iterable[date] = (),
    non_school_days: Collection[date] = (),
) -> bool:
    """True if a parent may excuse ``new_days``; see :func:`parent_excused_days_problem`."""
    return (
        parent_excused_days_problem(
            days_used_this_year,
            new_days,
            max_year,
            max_in_row,
            existing_days=existing_days,
            non_school_days=non_school_days,
        )
        is None
    )


# ---------------------------------------------------------------------------------------------
# Entry locks
# ---------------------------------------------------------------------------------------------

LOCK_FUTURE: Final = "future"
LOCK_MONTH: Final = "month"


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def entry_locked(
    entry_date: date, today: date, month_lock_day: int | None, future_lock: bool
) -> str | None:
    """Whether a grade/absence/topic dated ``entry_date`` may be entered or changed ``today``.

    Returns ``None`` when allowed, else a reason code:

    * ``"future"``: ``future_lock`` is on and ``entry_date`` is after ``today``
      (NEISPUO ``HasFutureEntryLock``);
    * ``"month"``: ``month_lock_day`` is set and the entry is in an earlier month that is now
      locked.  The previous month stays editable up to and including day ``month_lock_day`` of
      the current month (lock day 5: October entries are editable until 5 November inclusive,
      locked from 6 November); entries two or more months back are always locked.

    Note: NEISPUO's ``PastMonthLockDay`` locks *on* the lock day itself
    (``now.Day >= lockDay``); here the lock day is the last editable day, as the project
    specifies.  Both settings are per school (configurable); ``None``/``False`` switch them off.
    """
    entry = _as_date(entry_date)
    now = _as_date(today)
    if future_lock and entry > now:
        return LOCK_FUTURE
    if month_lock_day is not None:
        if isinstance(month_lock_day, bool) or not 1 <= month_lock_day <= 31:
            raise RuleError(
                f"month lock day {month_lock_day!r} must be 1-31",
                "Денят за заключване на месеца трябва да е от 1 до 31.",
                "lock.day",
            )
        months_back = (now.year * 12 + now.month) - (entry.year * 12 + entry.month)
        if months_back >= 2 or (months_back == 1 and now.day > month_lock_day):
            return LOCK_MONTH
    return None


# ---------------------------------------------------------------------------------------------
# Formatting for Bulgarian readers
# ---------------------------------------------------------------------------------------------


def format_decimal_bg(value: NumberLike, places: int = 2) -> str:
    """A number with a decimal comma, rounded half-up: ``Decimal("5.25")`` → ``"5,25"``."""
    if places < 0:
        raise RuleError(
            f"places must be >= 0, got {places}", "Невалиден брой знаци.", "format.places"
        )
    number = _quantize(to_decimal(value), places)
    return format(number, "f").replace(".", ",")


def format_date_bg(d: date) -> str:
    """A date the Bulgarian way, ``DD.MM.YYYY``: ``date(2026, 11, 5)`` → ``"05.11.2026"``."""
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def format_datetime_bg(moment: datetime) -> str:
    """A date and time the Bulgarian way, ``DD.MM.YYYY HH:MM``, of a moment already in local
    time: ``datetime(2026, 11, 5, 8, 7)`` → ``"05.11.2026 08:07"``."""
    return f"{format_date_bg(moment)} {moment.hour:02d}:{moment.minute:02d}"


MONTHS_BG: Final[tuple[str, ...]] = (
    "януари",
    "февруари",
    "март",
    "април",
    "май",
    "юни",
    "юли",
    "август",
    "септември",
    "октомври",
    "ноември",
    "декември",
)
"""Month names as written in running text (lower case), January first: ``MONTHS_BG[month - 1]``.

The phone line keeps its own spoken copy in ``ivr.speech.MONTHS`` (that module, like this one,
imports only the standard library)."""


WEEKDAYS_BG: Final[tuple[str, ...]] = (
    "понеделник",
    "вторник",
    "сряда",
    "четвъртък",
    "петък",
    "събота",
    "неделя",
)
"""Day names as written in running text (lower case), Monday first: ``WEEKDAYS_BG[isoweekday - 1]``
(the phone line's spoken copy: ``ivr.speech.WEEKDAYS``)."""


def month_year_bg(year: int, month: int) -> str:
    """A month of a year as written: ``(2026, 11)`` → ``"ноември 2026"``.

    Raises ``IndexError`` when ``month`` is not 1..12.
    """
    if not 1 <= month <= 12:
        raise IndexError(f"month must be 1..12, got {month}")
    return f"{MONTHS_BG[month - 1]} {year}"


def grade_text(value: NumberLike, places: int = 2) -> str:
    """Word and number as said and written: ``Decimal("5.25")`` → ``"Много добър 5,25"``.

    Use ``places=0`` for whole term/annual grades: ``6`` → ``"Отличен 6"``.
    """
    word, _ = grade_word(value)
    return f"{word} {format_decimal_bg(value, places)}"


# ---------------------------------------------------------------------------------------------
# Personal ids: ЕГН, ЛНЧ, ИДН
# ---------------------------------------------------------------------------------------------

PERSONAL_ID_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {"egn": "ЕГН", "lnch": "ЛНЧ", "idn": "ИДН"}
)
"""Personal id kind code → Bulgarian label."""

ASP_ID_TYPE_CODES: Final[Mapping[str, str]] = MappingProxyType({"egn": "", "lnch": "1", "idn": "2"})
"""Id type field of the monthly НЕИСПУО/АСП absences file: empty for ЕГН, 1 ЛНЧ, 2 ИДН
(NEISPUO ``AbsenceImportModel``)."""

_TEN_DIGITS: Final = re.compile(r"[0-9]{10}")
_EGN_WEIGHTS: Final = (2, 4, 8, 5, 10, 9, 7, 3, 6)
_LNCH_WEIGHTS: Final = (21, 19, 17, 13, 11, 9, 7, 3, 1)
_IDN: Final = re.compile(r"[0-9A-Za-z\u0400-\u04FF]{1,20}")


def _egn_error(message: str) -> RuleError:
    return RuleError(f"invalid EGN: {message}", "Невалидно ЕГН.", "egn.invalid")


def egn_info(egn: str) -> tuple[date, str]:
    """Birth date and sex (``"M"``/``"F"``) from a valid ЕГН; :class:`RuleError` otherwise.

    Rule (ЕСГРАОН; DOMAIN.md): 10 digits ``YYMMDDRRRC``; month + 20 → born in the 1800s,
    month + 40 → 2000s; 9th digit even = male, odd = female; check digit
    ``Σ(dᵢ·wᵢ) mod 11`` with w = 2,4,8,5,10,9,7,3,6, where a remainder of 10 gives 0.
    """
    if not isinstance(egn, str) or not _TEN_DIGITS.fullmatch(egn):
        raise _egn_error("must be exactly 10 digits")
    digits = [int(c) for c in egn]
    year = digits[0] * 10 + digits[1]
    month = digits[2] * 10 + digits[3]
    day = digits[4] * 10 + digits[5]
    if 1 <= month <= 12:
        year += 1900
    elif 21 <= month <= 32:
        year += 1800
        month -= 20
    elif 41 <= month <= 52:
        year += 2000
        month -= 40
    else:
        raise _egn_error("bad month")
    try:
        born = date(year, month, day)
    except ValueError:
        raise _egn_error("no such date") from None
    check = sum(d * w for d, w in zip(digits, _EGN_WEIGHTS, strict=False)) % 11 % 10
    if check != digits[9]:
        raise _egn_error("bad check digit")
    return born, ("M" if digits[8] % 2 == 0 else "F")


def is_valid_egn(egn: str) -> bool:
    """True if :func:`egn_info` accepts ``egn``."""
    try:
        egn_info(egn)
    except RuleError:
        return False
    return True


def is_valid_lnch(s: str) -> bool:
    """True for a valid ЛНЧ (личен номер на чужденец).

    Rule: 10 digits; ``Σ(dᵢ·wᵢ) mod 10`` with w = 21,19,17,13,11,9,7,3,1 equals the 10th digit.
    """
    if not isinstance(s, str) or not _TEN_DIGITS.fullmatch(s):
        return False
    digits = [int(c) for c in s]
    return sum(d * w for d, w in zip(digits, _LNCH_WEIGHTS, strict=False)) % 10 == digits[9]


def is_valid_idn(s: str) -> bool:
    """True for an ИДН (other identifier): 1–20 letters (Latin or Cyrillic) or digits."""
    return isinstance(s, str) and _IDN.fullmatch(s) is not None


def validate_personal_id(kind: str, value: str) -> None:
    """Raise :class:`RuleError` (with a Bulgarian message) unless ``value`` is a valid id.

    ``kind`` is ``"egn"`` (:func:`egn_info`), ``"lnch"`` (:func:`is_valid_lnch`) or ``"idn"``
    (:func:`is_valid_idn`).  The value is checked as given; strip it first if needed.
    """
    if kind == "egn":
        egn_info(value)
    elif kind == "lnch":
        if not is_valid_lnch(value):
            raise RuleError("invalid LNCh", "Невалиден ЛНЧ.", "lnch.invalid")
    elif kind == "idn":
        if not is_valid_idn(value):
            raise RuleError(
                "invalid IDN: 1-20 letters or digits expected",
                "Невалиден ИДН: очакват се от 1 до 20 букви или цифри.",
                "idn.invalid",
            )
    else:
        raise RuleError(
            f"unknown personal id kind {kind!r}",
            "Непознат вид идентификатор (ЕГН, ЛНЧ или ИДН).",
            "personal_id.kind",
        )


# ---------------------------------------------------------------------------------------------
# Student parent-access code (ИД код на ученика)
# ---------------------------------------------------------------------------------------------

STUDENT_CODE_LENGTH: Final = 10

# Verhoeff's tables (J. Verhoeff, "Error Detecting Decimal Codes", 1969): the dihedral group D5
# multiplication table, the position permutation, and the inverse.  The scheme detects every
# single-digit substitution and every transposition of adjacent digits.
_VERHOEFF_D: Final[tuple[tuple[int, ...], ...]] = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P: Final[tuple[tuple[int, ...], ...]] = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VERHOEFF_INV: Final[tuple[int, ...]] = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)
_DASHES: Final = re.compile(r"[\s\-\u2010-\u2015\u2212]+")


def _verhoeff_state(digits: str, offset: int) -> int:
    check = 0
    for i, char in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[(i + offset) % 8][int(char)]]
    return check


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to a string of ASCII digits."""
    if not digits.isascii() or not digits.isdigit():
        raise RuleError(f"not digits: {digits!r}", "Очакват се само цифри.", "code.digits")
    return str(_VERHOEFF_INV[_verhoeff_state(digits, 1)])


def verhoeff_is_valid(digits: str) -> bool:
    """True if a digit string (ending in its check digit) passes the Verhoeff check."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    return _verhoeff_state(digits, 0) == 0


def new_student_code(rng: random.Random | None = None) -> str:
    """A new 10-digit student code: 9 random digits + a Verhoeff check digit.

    The code is a random secret, never derived from the ЕГН (DOMAIN.md); the check digit catches
    every single mistyped digit and every swap of two neighbouring digits before any lookup.
    The first digit is never 0, so the code survives spreadsheets.  Uses :mod:`secrets` unless
    a seeded ``rng`` is given (for tests).
    """

    def below(n: int) -> int:
        return secrets.randbelow(n) if rng is None else rng.randrange(n)

    body = str(below(9) + 1) + "".join(str(below(10)) for _ in range(STUDENT_CODE_LENGTH - 2))
    return body + verhoeff_check_digit(body)


def is_valid_student_code(code: str) -> bool:
    """True only for exactly 10 ASCII digits, not starting with 0, with a valid check digit.

    No cleaning is done here; use :func:`normalize_student_code` on typed input first.
    """
    return (
        isinstance(code, str)
        and len(code) == STUDENT_CODE_LENGTH
        and _TEN_DIGITS.fullmatch(code) is not None
        and code[0] != "0"
        and verhoeff_is_valid(code)
    )


def normalize_student_code(raw: str) -> str:
    """Clean a typed code: drop spaces and dashes anywhere, and one trailing ``#``.

    ``"123 456-7890#"`` → ``"1234567890"``.  The result still needs
    :func:`is_valid_student_code`.
    """
    cleaned = _DASHES.sub("", raw)
    return cleaned[:-1] if cleaned.endswith("#") else cleaned


# --- ids and terms typed into forms and query strings ----------------------------------------------
MAX_DB_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id can name no row (and overflows the query)


def db_id(text: str) -> int:
    """A row id from a form or a query string, for ``request.form.get(name, type=rules.db_id)``:
    ASCII digits within INTEGER, else ValueError (werkzeug then gives the default). ``"²"``
    (``isdigit()`` but not ``int()``) and ``10**20`` (overflow) never reach the database."""
    if not (text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_DB_ID):
        raise ValueError(f"not a row id: {text[:20]!r}")
    return int(text)


def term_number(text: str) -> int:
    """A term from a form or a query string: 1 or 2, else ValueError (``type=`` as above)."""
    if text not in ("1", "2"):
        raise ValueError(f"not a term: {text[:20]!r}")
    return int(text)
