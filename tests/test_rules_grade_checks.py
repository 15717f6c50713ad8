"""Table-driven tests for gradebook.rules.grade_checks: current, term and annual grades, grade levels, kinds (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gradebook.rules import CURRENT_KINDS
from gradebook.rules import GRADE_KINDS
from gradebook.rules import RuleError
from gradebook.rules import check_current_grade
from gradebook.rules import check_final_grade
from gradebook.rules import check_grade
from gradebook.rules import parse_current_grade

D = Decimal


# ---------------------------------------------------------------------------------------------
# Current grades
# ---------------------------------------------------------------------------------------------

VALID_CURRENT = [
    (D("2"), "2.00"),
    (D("2.00"), "2.00"),
    (D("3.00"), "3.00"),
    (D("3.01"), "3.01"),
    (D("4.5"), "4.50"),
    (D("5.99"), "5.99"),
    (D("6.00"), "6.00"),
    (D("3.330"), "3.33"),
    (2, "2.00"),
    (6, "6.00"),
    ("5.25", "5.25"),
    ("5,25", "5.25"),
    (" 4 ", "4.00"),
]


@pytest.mark.parametrize(
    ("value", "normalized"),
    VALID_CURRENT,
    ids=[f"{v!r} is valid" for v, _ in VALID_CURRENT],
)
def test_valid_current_grades(value: Decimal | int | str, normalized: str) -> None:
    check_current_grade(value)
    assert str(parse_current_grade(value)) == normalized


INVALID_CURRENT = [
    (D("2.50"), "2.50 between 2 and 3"),
    (D("2.01"), "2.01 between 2 and 3"),
    (D("2.99"), "2.99 between 2 and 3"),
    (D("6.01"), "6.01 above 6"),
    (D("7"), "7 above 6"),
    (D("3.333"), "3.333 three places"),
    (D("5.555"), "5.555 three places"),
    (D("1"), "1 below 2"),
    (1, "int 1"),
    (D("0"), "zero"),
    (D("-3"), "negative"),
    (D("NaN"), "NaN"),
    (D("sNaN"), "signalling NaN"),
    (D("Infinity"), "infinity"),
    (D("-Infinity"), "minus infinity"),
    ("", "empty string"),
    ("пет", "word"),
    ("5e0", "exponent"),
    ("5_0", "underscore"),
    (True, "bool"),
    (None, "None"),
]


@pytest.mark.parametrize(
    "value",
    [v for v, _ in INVALID_CURRENT],
    ids=[i for _, i in INVALID_CURRENT],
)
def test_invalid_current_grades(value: object) -> None:
    with pytest.raises(ValueError):
        check_current_grade(value)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Term and annual grades, grade levels, kinds
# ---------------------------------------------------------------------------------------------

FINAL_OK = [
    (6, 4, "term", "6 term in IV"),
    (D("2"), 12, "term", "2 term in XII"),
    ("5", 8, "annual", "5 annual in VIII"),
    (D("4.00"), 2, "annual", "4.00 annual in II"),
    (3, 3, "annual", "3 annual in III"),
]


@pytest.mark.parametrize(
    ("value", "level", "kind"),
    [c[:3] for c in FINAL_OK],
    ids=[c[3] for c in FINAL_OK],
)
def test_valid_final_grades(value: Decimal | int | str, level: int, kind: str) -> None:
    check_final_grade(value, level, kind)
    check_grade(value, level, kind)


FINAL_BAD = [
    (D("5.5"), 8, "term", "5.5 not whole"),
    (D("5.50"), 8, "annual", "5.50 not whole"),
    (1, 8, "term", "1 below 2"),
    (7, 8, "term", "7 above 6"),
    (5, 1, "term", "no term grade in I"),
    (5, 3, "term", "no term grade in III"),
    (5, 1, "annual", "no annual grade in I"),
    (5, 0, "annual", "no grades in ПГ"),
    (5, 13, "annual", "no grade XIII"),
    (5, 8, "current", "current is not a final kind"),
]


@pytest.mark.parametrize(
    ("value", "level", "kind"),
    [c[:3] for c in FINAL_BAD],
    ids=[c[3] for c in FINAL_BAD],
)
def test_invalid_final_grades(value: Decimal | int, level: int, kind: str) -> None:
    with pytest.raises(RuleError):
        check_final_grade(value, level, kind)


def test_final_grade_default_kind_is_term() -> None:
    check_final_grade(5, 5)
    with pytest.raises(RuleError):
        check_final_grade(5, 2)


CHECK_GRADE_CASES = [
    (D("5.25"), 5, "test", True, "decimal current grade in V"),
    (D("5.25"), 2, "current", False, "decimal current grade in II is not qualitative"),
    (5, 2, "current", True, "whole current grade in II"),
    (5, 0, "current", False, "no grades in ПГ"),
    (5, 8, "quiz", False, "unknown kind"),
]


@pytest.mark.parametrize(
    ("value", "level", "kind", "ok"),
    [c[:4] for c in CHECK_GRADE_CASES],
    ids=[c[4] for c in CHECK_GRADE_CASES],
)
def test_check_grade_by_level(value: Decimal | int, level: int, kind: str, ok: bool) -> None:
    if ok:
        check_grade(value, level, kind)
    else:
        with pytest.raises(RuleError):
            check_grade(value, level, kind)


def test_grade_kinds() -> None:
    assert CURRENT_KINDS == (
        "current",
        "control",
        "classwork",
        "test",
        "homework",
        "project",
        "entry_level",
        "exit_level",
    )
    assert set(GRADE_KINDS) == set(CURRENT_KINDS) | {"term", "annual"}
    assert GRADE_KINDS["classwork"] == "класна"
    assert GRADE_KINDS["homework"] == "домашна работа"
    assert GRADE_KINDS["term"] == "срочна"
    assert GRADE_KINDS["annual"] == "годишна"
