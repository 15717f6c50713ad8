"""Table-driven tests for gradebook.rules.wording: formatting for Bulgarian readers (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest

from gradebook.rules import MONTHS_BG
from gradebook.rules import WEEKDAYS_BG
from gradebook.rules import after_preposition
from gradebook.rules import format_date_bg
from gradebook.rules import format_datetime_bg
from gradebook.rules import format_decimal_bg
from gradebook.rules import grade_text
from gradebook.rules import month_year_bg

D = Decimal


# ---------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------

DECIMALS = [
    (D("5.25"), 2, "5,25"),
    (D("5.5"), 2, "5,50"),
    (D("4.125"), 2, "4,13"),
    (D("6"), 2, "6,00"),
    (D("4.5"), 0, "5"),
    (D("1E+1"), 2, "10,00"),
    (D("0.1"), 1, "0,1"),
]


@pytest.mark.parametrize(
    ("value", "places", "text"),
    DECIMALS,
    ids=[f"{v} with {p} places is {t}" for v, p, t in DECIMALS],
)
def test_format_decimal_bg(value: Decimal, places: int, text: str) -> None:
    assert format_decimal_bg(value, places) == text


def test_format_date_bg() -> None:
    assert format_date_bg(date(2026, 11, 5)) == "05.11.2026"
    assert format_date_bg(datetime(2026, 1, 2, 12, 0)) == "02.01.2026"


def test_format_datetime_bg() -> None:
    assert format_datetime_bg(datetime(2026, 11, 5, 8, 7)) == "05.11.2026 08:07"


def test_month_year_bg() -> None:
    assert month_year_bg(2026, 11) == "ноември 2026"
    assert month_year_bg(2027, 1) == "януари 2027"
    assert len(MONTHS_BG) == 12 and MONTHS_BG[-1] == "декември"
    assert WEEKDAYS_BG[date(2026, 11, 25).isoweekday() - 1] == "сряда"
    for bad in (0, 13):
        with pytest.raises(IndexError):
            month_year_bg(2026, bad)


GRADE_TEXTS = [
    (D("5.25"), 2, "Много добър 5,25"),
    (D("3.5"), 2, "Добър 3,50"),
    (D("2"), 2, "Слаб 2,00"),
    (D("6"), 0, "Отличен 6"),
    (D("5.495"), 2, "Отличен 5,50"),
]


@pytest.mark.parametrize(
    ("value", "places", "text"),
    GRADE_TEXTS,
    ids=[t for _, _, t in GRADE_TEXTS],
)
def test_grade_text(value: Decimal, places: int, text: str) -> None:
    assert grade_text(value, places) == text


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        pytest.param("Човекът и природата", "Човека и природата", id="full-article-to-short"),
        pytest.param("човекът и обществото", "човека и обществото", id="lower-case"),
        pytest.param("Светът и човекът", "Света и човека", id="every-word"),
        pytest.param("Пътят на дракона", "Пътя на дракона", id="ят-to-я"),
        pytest.param("Математика", "Математика", id="no-article"),
        pytest.param("Музика и свят", "Музика и свят", id="short-word-left-alone"),
        pytest.param("Бит и технологии", "Бит и технологии", id="no-change"),
        pytest.param("", "", id="empty"),
    ],
)
def test_after_preposition(phrase: str, expected: str) -> None:
    assert after_preposition(phrase) == expected
