"""The figure of a subject and the overall success (общ успех): the term forecast (the mean of the
current grades), the set term/annual grade or else the forecast, the year figure, and the
minimum number of current grades per term by weekly hours (Наредба № 11/2016).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from gradebook.rules.errors import RuleError
from gradebook.rules.grade_checks import _check_whole_mark
from gradebook.rules.grade_checks import parse_current_grade
from gradebook.rules.numbers import _CENT
from gradebook.rules.numbers import NumberLike
from gradebook.rules.numbers import to_decimal
from gradebook.rules.scale import average
from gradebook.rules.scale import whole_mark
from gradebook.rules.wording import grade_text


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
