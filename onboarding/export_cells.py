"""Cells of the CSV and XLSX files we write: text a spreadsheet would run as a formula is made
plain text (CSV / formula injection, OWASP's advice).

A pupil named ``=HYPERLINK("http://x","y")`` (or ``+…``, ``-…``, ``@…``, or text starting with a
tab or a carriage return) would become a live formula when a report is opened in Excel or
LibreOffice. :func:`safe_cell` prefixes such text with an apostrophe; numbers, dates and empty
cells are returned unchanged, so a negative number stays a number. Every export goes through it
(``onboarding/report_render.py``, ``onboarding/templates_files.py``). Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def safe_cell(value: T) -> T | str:
    """``value`` for a spreadsheet cell: text starting with ``= + - @``, a tab or a carriage
    return gets a leading apostrophe; anything that is not text is left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]
