"""Formatting for Bulgarian readers: the decimal comma ("5,25"), dates ("05.11.2026"), month and
weekday names as written in running text, and a grade as word and number ("Много добър 5,25").
The phone line speaks the same month and day names (``ivr.speech``).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.numbers import NumberLike
from gradebook.rules.numbers import _quantize
from gradebook.rules.numbers import to_decimal
from gradebook.rules.scale import grade_word


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

The phone line speaks the same tuple (``ivr.speech.MONTHS`` is this one)."""


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
(the phone line speaks the same tuple: ``ivr.speech.WEEKDAYS``)."""


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


def after_preposition(phrase: str) -> str:
    """A name as it stands after a preposition ("по", "в", "за"): a masculine noun's full article
    becomes the short one, as Bulgarian grammar wants — "Човекът и природата" → "по Човека и
    природата", "Светът и човекът" → "Света и човека". Words of four letters or fewer are left
    alone ("път", "свят" carry no article)."""

    def short(word: str) -> str:
        if len(word) > 4 and word[-2:] in ("ът", "ят"):
            return word[:-2] + ("а" if word[-2:] == "ът" else "я")
        return word

    return " ".join(short(word) for word in phrase.split(" "))
