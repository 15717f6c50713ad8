"""Parents' notes (бележка от родител): which days a note covers, which lessons, and whether the
parent may still excuse them.

Rule (Наредба за приобщаващото образование, чл. 62, ал. 1, т. 3, as amended by ПМС № 50 of
13.03.2024, ДВ бр. 24 of 19.03.2024): a pupil may be absent for good reasons up to 15 school days
in a school year on a reasoned application of the parent to the class teacher, but not more than
5 days at once; the application comes before the absence or, when that is impossible, the parent
tells the class teacher on the first day. Both numbers are per-school settings (``School
.parent_excuse_days_year`` / ``parent_excuse_days_in_row``).  Absences for health reasons with a
medical document are a different ground (чл. 62, ал. 1, т. 1) and do not use the parent's days.

Simplifications, on purpose (documented in docs/CLASS_BOOK.md):

* a day counts as a school day when it is Monday–Friday and not a non-school day of the year;
  weekends and holidays inside a note are not counted and do not break a run;
* a note "from a lesson on" still uses one whole day of the parent's allowance;
* only days of the same school year count: the allowance starts again with each school year.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from typing import Final

from gradebook.rules.absences import EXCUSE_HEALTH
from gradebook.rules.absences import PARENT_EXCUSE_MAX_IN_ROW
from gradebook.rules.absences import PARENT_EXCUSE_MAX_YEAR
from gradebook.rules.absences import is_school_day
from gradebook.rules.absences import parent_excused_days_problem

NOTE_MAX_SPAN_DAYS: Final = 31
"""A note covers at most this many calendar days (a typing error of a year is refused)."""

NOTE_MAX_AHEAD_DAYS: Final = 60
"""A note may announce an absence at most this many days ahead."""

NOTE_COMMENT_MAX: Final = 500

NOTE_PROBLEMS: Final = (
    "range_order",
    "too_long",
    "too_far_ahead",
    "outside_year",
    "no_school_day",
    "overlap",
    "year_limit",
    "in_row",
    "period",
)


@dataclass(frozen=True, slots=True)
class NoteLimits:
    """The per-school limits on days a parent may excuse (defaults: the law since March 2024)."""

    max_year: int = PARENT_EXCUSE_MAX_YEAR
    max_in_row: int = PARENT_EXCUSE_MAX_IN_ROW


@dataclass(frozen=True, slots=True)
class NoteVerdict:
    """What a note would use: ``problem`` (``None`` when it may be excused), its school days not
    already used, the days used this year before it and the days left after it."""

    problem: str | None
    days: tuple[date, ...]
    used_before: int
    left_after: int


def school_days_between(
    start: date, end: date, non_school_days: Collection[date] = ()
) -> tuple[date, ...]:
    """The school days from ``start`` to ``end`` inclusive (empty when ``end`` < ``start``)."""
    days = []
    day = start
    while day <= end:
        if is_school_day(day, non_school_days):
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def covers(start: date, end: date, from_period: int | None, day: date, period: int | None) -> bool:
    """Whether a note from ``start`` to ``end`` (the first day from lesson ``from_period`` on,
    ``None`` = the whole day) covers lesson ``period`` of ``day`` (``None``: any lesson of it).

    >>> covers(date(2026, 12, 3), date(2026, 12, 3), 3, date(2026, 12, 3), 2)
    False
    """
    if not start <= day <= end:
        return False
    if day != start or from_period is None or period is None:
        return True
    return period >= from_period


def counts_against_allowance(reason: str, has_medical_document: bool) -> bool:
    """A note uses the parent's days unless it is for health reasons with a medical document
    attached (чл. 62, ал. 1, т. 1: excused on the document, not on the parent's word)."""
    return not (reason == EXCUSE_HEALTH and has_medical_document)


def days_left(used: int, limits: NoteLimits = NoteLimits()) -> int:
    """Days the parent may still excuse this school year (never below zero)."""
    return max(limits.max_year - used, 0)


def judge_note(
    start: date,
    end: date,
    *,
    today: date,
    year_start: date,
    year_end: date,
    used_days: Collection[date] = (),
    limits: NoteLimits = NoteLimits(),
    non_school_days: Collection[date] = (),
    counts: bool = True,
) -> NoteVerdict:
    """Judge a parent's note from ``start`` to ``end`` in the school year ``year_start`` …
    ``year_end``.

    ``used_days`` are the days the parent has already excused (any year: days outside this
    school year are ignored, so the allowance starts again on the first day of the year);
    ``counts`` is False for a note that does not use the allowance
    (:func:`counts_against_allowance`): then only the dates are judged.

    Problems: ``range_order`` (end before start), ``too_long`` (more than
    :data:`NOTE_MAX_SPAN_DAYS`), ``outside_year``, ``too_far_ahead`` (starts more than
    :data:`NOTE_MAX_AHEAD_DAYS` after ``today``), ``no_school_day``,
    ``year_limit`` (the 16th day of the year), ``in_row`` (the 6th school day in a row, counting
    days already excused next to the note).
    """
    used = frozenset(d for d in used_days if year_start <= d <= year_end)
    left_now = days_left(len(used), limits)

    def verdict(problem: str | None, days: tuple[date, ...] = ()) -> NoteVerdict:
        spent = len(days) if counts and problem is None else 0
        return NoteVerdict(problem, days, len(used), max(left_now - spent, 0))

    if end < start:
        return verdict("range_order")
    if (end - start).days + 1 > NOTE_MAX_SPAN_DAYS:
        return verdict("too_long")
    if start < year_start or end > year_end:
        return verdict("outside_year")
    if (start - today).days > NOTE_MAX_AHEAD_DAYS:
        return verdict("too_far_ahead")
    days = school_days_between(start, end, non_school_days)
    if not days:
        return verdict("no_school_day")
    fresh = tuple(d for d in days if d not in used)
    if not counts:
        return verdict(None, fresh)
    problem = parent_excused_days_problem(
        len(used),
        fresh,
        limits.max_year,
        limits.max_in_row,
        existing_days=used,
        non_school_days=non_school_days,
    )
    return verdict(problem, fresh)


def period_problem(period: int | None, last_period: int = 15) -> str | None:
    """``"period"`` unless ``period`` is ``None`` (the whole day) or a lesson 0 … ``last_period``
    (a "0th" lesson exists)."""
    if period is None:
        return None
    if isinstance(period, bool) or not isinstance(period, int) or not 0 <= period <= last_period:
        return "period"
    return None
