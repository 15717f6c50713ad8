"""Table-driven tests for gradebook.rules.academic_year: the national academic year a day belongs
to (15 September to 14 September), its bounds, and an academic year typed as text."""

from __future__ import annotations

from datetime import date

import pytest

from gradebook.rules import academic_year_bounds
from gradebook.rules import academic_year_of
from gradebook.rules import parse_academic_year


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 9, 15), 2026),  # the first school day by law
        (date(2026, 9, 14), 2025),  # the day before: still the year that is closing
        (date(2026, 9, 1), 2025),  # the autumn retake session is the old year's
        (date(2026, 7, 1), 2025),  # the summer retakes
        (date(2026, 12, 31), 2026),
        (date(2027, 1, 1), 2026),
        (date(2027, 6, 30), 2026),
        (date(2024, 2, 29), 2023),  # a leap day
        (date(2026, 10, 15), 2026),  # the month after September, the same day
    ],
)
def test_academic_year_of(day: date, year: int) -> None:
    assert academic_year_of(day) == year


@pytest.mark.parametrize(
    ("year", "bounds"),
    [
        (2025, (date(2025, 9, 15), date(2026, 9, 15))),
        (2026, (date(2026, 9, 15), date(2027, 9, 15))),
    ],
)
def test_bounds_hold_their_days_and_touch(year: int, bounds: tuple[date, date]) -> None:
    start, end = academic_year_bounds(year)
    assert (start, end) == bounds
    assert academic_year_of(start) == year  # the first day is inside
    assert academic_year_of(date.fromordinal(end.toordinal() - 1)) == year  # the last one too
    assert academic_year_of(end) == year + 1  # the end is the next year's first day
    assert academic_year_bounds(year + 1)[0] == end  # no gap, no overlap


@pytest.mark.parametrize(
    ("text", "year"),
    [("2024", 2024), ("2024/2025", 2024), (" 2024 / 2025 ", 2024), ("2024_2025", 2024),
     ("2024-2025", 2024)],
)  # fmt: skip
def test_parse_academic_year(text: str, year: int) -> None:
    assert parse_academic_year(text) == year


@pytest.mark.parametrize("text", ["", "24", "2024/2026", "2025/2024", "2024/25", "година", "2024/"])
def test_parse_academic_year_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_academic_year(text)
