"""Homework (домашна работа): the default due date, the checks of a due date, and the short text
of the notice that tells the parents.

Pure: only the standard library and the other rule modules.

* The due date offered by default is the next lesson of the same curriculum row (class × subject ×
  teacher) in the weekly timetable that falls on a school day: after the day it is given, on a
  weekday of one of the row's slots (a slot of one term only in that term), not inside a
  non-school day of the year (a holiday, a break, a day off for the class's grades), and not
  after the last day of the school year. There is none after the last lesson of the year.
* A due date typed by the teacher must come after the day the homework is given and fall inside
  the school year; whether it is a school day is checked by the caller with the calendar
  (``gradebook.timetable.school_day_problem``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from datetime import timedelta
from typing import Final

from gradebook.rules.wording import after_preposition

#: How far ahead the default due date is looked for (a term break is shorter than this).
DUE_HORIZON_DAYS: Final = 60

DUE_NOT_AFTER: Final = "due_not_after"  # due on or before the day it is given
DUE_AFTER_YEAR: Final = "due_after_year"  # after the last day of the school year


def _term_of(day: date, term2_starts_on: date) -> int:
    return 1 if day < term2_starts_on else 2


def _off(day: date, days_off: Iterable[tuple[date, date]]) -> bool:
    return any(start <= day <= end for start, end in days_off)


def default_due_date(
    given_on: date,
    lesson_days: Iterable[tuple[int, int | None]],
    *,
    term2_starts_on: date,
    ends_on: date,
    days_off: Iterable[tuple[date, date]] = (),
) -> date | None:
    """The next school day after ``given_on`` on which the curriculum row has a lesson.

    ``lesson_days`` are the row's slots as (ISO weekday 1–7, term 1/2 or None for the whole
    year); ``days_off`` the year's non-school days of the class as inclusive (from, to) ranges;
    ``ends_on`` the year's last day. None when no such day comes within ``DUE_HORIZON_DAYS``
    (the last lesson of the year, a row with no slots)."""
    slots = list(lesson_days)
    off = list(days_off)
    if not slots:
        return None
    day = given_on
    for _ in range(DUE_HORIZON_DAYS):
        day += timedelta(days=1)
        if day > ends_on:
            return None
        term = _term_of(day, term2_starts_on)
        runs = any(
            weekday == day.isoweekday() and slot_term in (None, term)
            for weekday, slot_term in slots
        )
        if runs and not _off(day, off):
            return day
    return None


def next_school_day(today: date) -> date:
    """The day whose homework a parent asks about as "за утре": tomorrow, or Monday on Friday,
    Saturday and Sunday (the phone's menu 6 reads the same day)."""
    day = today + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def due_date_problem(given_on: date, due_on: date, ends_on: date) -> str | None:
    """Why ``due_on`` cannot be the due date of homework given on ``given_on`` in a year that
    ends on ``ends_on``: ``DUE_NOT_AFTER`` (the same day or earlier), ``DUE_AFTER_YEAR``; else
    None."""
    if due_on <= given_on:
        return DUE_NOT_AFTER
    if due_on > ends_on:
        return DUE_AFTER_YEAR
    return None


def homework_notice_line(
    student: str, subject: str, due_on: date | None, text: str, *, changed: bool = False
) -> str:
    """The one line a parent is sent (Cyrillic; the sender transliterates and fits it to one SMS
    segment): "Мария: домашно по Математика за 05.12: Задачи 3 и 4 на стр. 45". A corrected one
    says "поправено домашно"; without a pupil's name (no such case today) the line starts with
    the subject."""
    what = "поправено домашно" if changed else "домашно"
    where = f" по {after_preposition(subject)}" if subject else ""
    when = f" за {due_on.day:02d}.{due_on.month:02d}" if due_on else ""
    body = " ".join((text or "").split())
    head = f"{what}{where}{when}"
    line = f"{student}: {head}" if student else head[:1].upper() + head[1:]
    return f"{line}: {body}" if body else line
