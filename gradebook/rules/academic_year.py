"""The national academic year: which one a day belongs to, and its bounds.

A Bulgarian school year begins on 15 September (ЗПУО, чл. 103, ал. 1) and lasts twelve months,
so an academic year runs from 15 September to the next 14 September, the same for every school.
The summer's retake sessions end before the next year begins and stay with the year they close.
Each school's own ``SchoolYear`` row (its first and last day of lessons, editable) is a
different thing: a grade's date is checked against that row, not against these bounds.

Used for the partitions of ``grade`` and ``absence`` on PostgreSQL (``partitions.py``).

Pure: only the standard library.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

ACADEMIC_YEAR_STARTS: Final = (9, 15)  # (month, day) of the first day of an academic year

_YEAR_TEXT = re.compile(r"\s*(\d{4})(?:\s*[/_-]\s*(\d{4}))?\s*")


def academic_year_of(day: date) -> int:
    """The academic year ``day`` belongs to, named by the calendar year it begins in:
    14.09.2026 → 2025 (2025/2026), 15.09.2026 → 2026 (2026/2027)."""
    return day.year if (day.month, day.day) >= ACADEMIC_YEAR_STARTS else day.year - 1


def academic_year_bounds(year: int) -> tuple[date, date]:
    """The first day of academic year ``year`` and the first day of the next one (exclusive)."""
    month, day = ACADEMIC_YEAR_STARTS
    return date(year, month, day), date(year + 1, month, day)


def parse_academic_year(text: str) -> int:
    """``"2024"``, ``"2024/2025"`` (or ``2024_2025``, ``2024-2025``) → 2024; ValueError for
    anything else, a second year that does not follow the first included."""
    match = _YEAR_TEXT.fullmatch(text)
    if not match or (match.group(2) and int(match.group(2)) != int(match.group(1)) + 1):
        raise ValueError(f"not an academic year: {text!r}")
    return int(match.group(1))
