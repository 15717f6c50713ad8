"""Table-driven tests for gradebook.rules.figures: forecasts, minimum grades, the figure of a subject, общ успех (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gradebook import rules
from gradebook.rules import RuleError
from gradebook.rules import forecast_whole
from gradebook.rules import min_grades_per_term
from gradebook.rules import missing_grades_warning
from gradebook.rules import term_forecast

D = Decimal


# ---------------------------------------------------------------------------------------------
# Forecasts and minimum grades
# ---------------------------------------------------------------------------------------------

FORECAST = [
    (["4", "5"], "4.50", 5, "4.50 suggests 5 (banker's gives 4)"),
    (["4", "4.25"], "4.13", 4, "4.125 shows 4.13, suggests 4"),
    (["2", "3.50", "3.20"], "2.90", 2, "2.90 suggests 2"),
    (["3.49"], "3.49", 3, "3.49 suggests 3"),
    (["5.50"], "5.50", 6, "5.50 suggests 6"),
]


@pytest.mark.parametrize(
    ("values", "forecast", "whole"),
    [c[:3] for c in FORECAST],
    ids=[c[3] for c in FORECAST],
)
def test_term_forecast(values: list[str], forecast: str, whole: int) -> None:
    assert term_forecast(D(v) for v in values) == D(forecast)
    assert forecast_whole(D(v) for v in values) == whole


def test_term_forecast_rejects_invalid_current_grades() -> None:
    with pytest.raises(RuleError):
        term_forecast([D("5"), D("2.50")])


MIN_GRADES = [
    ("0.5", 2),
    ("1", 2),
    ("2", 2),
    ("2.5", 3),
    ("3", 3),
    ("3.5", 3),
    ("4", 4),
    ("5", 4),
    ("2.25", 3),
    ("3.75", 3),
]


@pytest.mark.parametrize(
    ("hours", "minimum"),
    MIN_GRADES,
    ids=[f"{h} h/week needs {m}" for h, m in MIN_GRADES],
)
def test_min_grades_per_term(hours: str, minimum: int) -> None:
    assert min_grades_per_term(D(hours)) == minimum


@pytest.mark.parametrize("hours", [D("0"), D("-1")], ids=["0 h", "negative h"])
def test_min_grades_rejects_non_positive_hours(hours: Decimal) -> None:
    with pytest.raises(RuleError):
        min_grades_per_term(hours)


MISSING = [
    (0, "2", 2, "none of 2"),
    (1, "2", 1, "1 of 2"),
    (2, "2", 0, "2 of 2"),
    (5, "2", 0, "more than enough"),
    (2, "2.5", 1, "2 of 3"),
    (3, "4", 1, "3 of 4"),
]


@pytest.mark.parametrize(
    ("count", "hours", "missing"),
    [c[:3] for c in MISSING],
    ids=[c[3] for c in MISSING],
)
def test_missing_grades_warning(count: int, hours: str, missing: int) -> None:
    assert missing_grades_warning(count, D(hours)) == missing


# --- the figure of a subject: the set term/annual grade, else the forecast ---------------------------

TERM_FIGURES = [
    (["6", "6", "6"], "5", "5.00", True, "Много добър 5", "set term grade wins over 6,00"),
    (["6", "6", "6"], None, "6.00", False, "Отличен 6,00", "no term grade: the forecast"),
    (["5", "6"], None, "5.50", False, "Отличен 5,50", "forecast 5.50 is Отличен"),
    (["5", "5.98"], None, "5.49", False, "Много добър 5,49", "forecast 5.49 stays Много добър"),
    (["3", "4"], None, "3.50", False, "Добър 3,50", "forecast 3.50 is Добър"),
    (["3", "3.98"], None, "3.49", False, "Среден 3,49", "forecast 3.49 stays Среден"),
    (["4", "4.25"], None, "4.13", False, "Добър 4,13", "4.125 rounds half up"),
    ([], "6", "6.00", True, "Отличен 6", "term grade without current grades"),
    (["2", "2"], "3", "3.00", True, "Среден 3", "a raised term grade"),
    (["6"], "2", "2.00", True, "Слаб 2", "term grade 2"),
    (["5.5"], "5.00", "5.00", True, "Много добър 5", "term grade stored as 5.00"),
]


@pytest.mark.parametrize(
    ("currents", "term_grade", "value", "final", "text"),
    [c[:5] for c in TERM_FIGURES],
    ids=[c[5] for c in TERM_FIGURES],
)
def test_term_figure(
    currents: list[str], term_grade: str | None, value: str, final: bool, text: str
) -> None:
    figure = rules.term_figure(
        [D(v) for v in currents], None if term_grade is None else D(term_grade)
    )
    assert figure is not None
    assert (figure.value, figure.final, figure.text) == (D(value), final, text)


def test_term_figure_without_anything_is_none() -> None:
    assert rules.term_figure([]) is None
    assert rules.term_figure([], None) is None


@pytest.mark.parametrize("bad", ["5.5", "1", "7", "4.01"])
def test_term_figure_refuses_a_term_grade_that_is_not_whole(bad: str) -> None:
    with pytest.raises(RuleError):
        rules.term_figure([D(5)], D(bad))


Fig = rules.Figure

YEAR_FIGURES = [
    ([Fig(D("5.00"), True), Fig(D("6.00"), True)], "4", "4.00", True, "annual grade wins"),
    ([Fig(D("5.00"), True), Fig(D("6.00"), True)], None, "5.50", False, "mean of term grades"),
    ([Fig(D("5.00"), True), Fig(D("5.99"), False)], None, "5.50", False, "5.495 rounds half up"),
    ([Fig(D("4.49"), False), None], None, "4.49", False, "one term only"),
    ([None, None], "6", "6.00", True, "annual grade without term figures"),
]


@pytest.mark.parametrize(
    ("terms", "annual", "value", "final"),
    [c[:4] for c in YEAR_FIGURES],
    ids=[c[4] for c in YEAR_FIGURES],
)
def test_year_figure(
    terms: list[rules.Figure | None], annual: str | None, value: str, final: bool
) -> None:
    figure = rules.year_figure(terms, None if annual is None else D(annual))
    assert figure is not None
    assert (figure.value, figure.final) == (D(value), final)


def test_year_figure_without_anything_is_none() -> None:
    assert rules.year_figure([None, None]) is None


OVERALL = [
    ([Fig(D("5.00"), True), Fig(D("6.00"), False)], "5.50", "set grade and forecast count alike"),
    ([Fig(D("5.00"), True), None, Fig(D("4.00"), True)], "4.50", "subjects without figure skipped"),
    ([D("5.25"), D("4.50"), D("6.00")], "5.25", "plain decimals"),
    (
        [Fig(D("4.00"), True), Fig(D("4.00"), True), Fig(D("5.00"), True), Fig(D("4.50"), False)],
        "4.38",
        "4.375 half up",
    ),
]


@pytest.mark.parametrize(
    ("figures", "expected"), [c[:2] for c in OVERALL], ids=[c[2] for c in OVERALL]
)
def test_overall_success(figures: list[rules.Figure | Decimal | None], expected: str) -> None:
    assert rules.overall_success(figures) == D(expected)


def test_overall_success_without_figures_is_none() -> None:
    assert rules.overall_success([None]) is None
