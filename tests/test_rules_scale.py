"""Table-driven tests for gradebook.rules.errors, .numbers and .scale: RuleError, grade words, averages (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

from gradebook.rules import RuleError
from gradebook.rules import average
from gradebook.rules import check_current_grade
from gradebook.rules import forecast_whole
from gradebook.rules import grade_word
from gradebook.rules import official_average
from gradebook.rules import term_forecast
from gradebook.rules import whole_mark

D = Decimal


# ---------------------------------------------------------------------------------------------
# RuleError
# ---------------------------------------------------------------------------------------------


def test_rule_error_is_value_error_with_bulgarian_message() -> None:
    with pytest.raises(ValueError) as info:
        check_current_grade(D("2.50"))
    error = info.value
    assert isinstance(error, RuleError)
    assert str(error).isascii()
    assert "Текущата оценка" in error.message_bg
    assert error.code == "grade.range"


def test_rule_error_pickles() -> None:
    error = RuleError("bad", "лошо", "x.y")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.message_bg, copy.code) == ("bad", "лошо", "x.y")


# ---------------------------------------------------------------------------------------------
# Grade words
# ---------------------------------------------------------------------------------------------

WORD_CASES = [
    ("2.00", "Слаб", 2),
    ("2.99", "Слаб", 2),
    ("3.00", "Среден", 3),
    ("3.49", "Среден", 3),
    ("3.50", "Добър", 4),
    ("4.49", "Добър", 4),
    ("4.50", "Много добър", 5),
    ("5.49", "Много добър", 5),
    ("5.50", "Отличен", 6),
    ("6.00", "Отличен", 6),
    ("3.495", "Добър", 4),  # shown as 3,50, so the word must agree
    ("5.494", "Много добър", 5),
]


@pytest.mark.parametrize(
    ("value", "word", "mark"),
    WORD_CASES,
    ids=[f"{v} is {w}" for v, w, _ in WORD_CASES],
)
def test_grade_word_boundaries(value: str, word: str, mark: int) -> None:
    assert grade_word(D(value)) == (word, mark)
    assert whole_mark(D(value)) == mark


@pytest.mark.parametrize(
    "value",
    [D("1.99"), D("6.01"), D("0"), D("NaN"), D("Infinity"), "abc"],
    ids=["1.99 below scale", "6.01 above scale", "zero", "NaN", "infinity", "not a number"],
)
def test_grade_word_rejects_values_off_the_scale(value: Decimal | str) -> None:
    with pytest.raises(RuleError):
        grade_word(value)


# ---------------------------------------------------------------------------------------------
# Averages
# ---------------------------------------------------------------------------------------------

AVERAGE_CASES = [
    (["5", "5", "6", "6", "6", "6", "6", "5"], "5.63"),  # 5.625: half-up, banker's gives 5.62
    (["4", "4.25"], "4.13"),  # 4.125 → 4.13, banker's gives 4.12
    (["4.12", "4.13"], "4.13"),  # 4.125 again
    (["2.675"], "2.68"),  # float round(2.675, 2) == 2.67
    (["6", "5", "5"], "5.33"),
    (["5", "6"], "5.50"),
    (["3", "3", "4"], "3.33"),
    (["2", "3"], "2.50"),
    (["6"], "6.00"),
    (["3.335", "3.335"], "3.34"),
]


@pytest.mark.parametrize(
    ("values", "expected"),
    AVERAGE_CASES,
    ids=[f"mean of {','.join(v)} is {e}" for v, e in AVERAGE_CASES],
)
def test_average_half_up(values: list[str], expected: str) -> None:
    result = average(D(v) for v in values)
    assert result == D(expected)
    assert str(result) == expected  # exactly two places


def test_average_empty_is_none() -> None:
    assert average([]) is None
    assert term_forecast([]) is None
    assert forecast_whole([]) is None
    assert official_average([]) is None


def test_average_never_uses_float_rounding() -> None:
    assert round(4.125, 2) == 4.12  # what we must not do
    assert round(4.5) == 4
    assert average([D("4.125")]) == D("4.13")
    assert whole_mark(D("4.5")) == 5


def test_average_accepts_ints_and_strings() -> None:
    assert average([5, "6", D("5.5")]) == D("5.50")


OFFICIAL_CASES = [
    (["2.99", "3.50", "4.49", "6"], "4.00"),  # → 2, 4, 4, 6
    (["2.50"], "2.00"),  # below 3 is 2, not rounded up to 3
    (["4.50", "5.50"], "5.50"),  # → 5, 6
    (["3.49", "3.49", "5.51"], "4.00"),  # → 3, 3, 6
    (["3.49", "4.49", "5.49"], "4.00"),  # → 3, 4, 5; the plain mean is 4.49
    (["5", "5", "6"], "5.33"),
]


@pytest.mark.parametrize(
    ("values", "expected"),
    OFFICIAL_CASES,
    ids=[f"official mean of {','.join(v)} is {e}" for v, e in OFFICIAL_CASES],
)
def test_official_average_rounds_each_grade_first(values: list[str], expected: str) -> None:
    assert official_average(D(v) for v in values) == D(expected)


def test_official_average_differs_from_plain_average() -> None:
    values = [D("4.50"), D("4.50")]
    assert average(values) == D("4.50")
    assert official_average(values) == D("5.00")
