"""The parents' notes rules (gradebook/rules/parent_notes.py): which lessons a note covers and
whether a parent may excuse its days — 15 school days a year, 5 in a row (Наредба за
приобщаващото образование, чл. 62, ал. 1, т. 3, since ПМС № 50/13.03.2024), per-school settings
— with the boundary cases named."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from gradebook.rules import parent_notes as r

YEAR_START = date(2026, 9, 15)  # a Tuesday
YEAR_END = date(2027, 6, 30)
TODAY = date(2026, 11, 25)  # a Wednesday
MON = date(2026, 11, 23)
FRI = date(2026, 11, 27)
NEXT_MON = date(2026, 11, 30)
LIMITS = r.NoteLimits()


def weekdays(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def spaced(count: int) -> list[date]:
    """``count`` school days, each a Monday of another week (never in a row)."""
    return [date(2026, 9, 21) + timedelta(weeks=i) for i in range(count)]


@pytest.mark.parametrize(
    ("case", "start", "end", "used", "problem", "left"),
    [
        ("one day, nothing used", TODAY, TODAY, [], None, 14),
        ("the 15th day of the year is allowed", TODAY, TODAY, spaced(14), None, 0),
        ("the 16th day of the year is refused", TODAY, TODAY, spaced(15)[:15], "year_limit", 0),
        ("5 school days in a row are allowed", MON, FRI, [], None, 10),
        ("6 school days in a row are refused", MON, NEXT_MON, [], "in_row", 15),
        ("the weekend does not count and does not break a run", FRI, NEXT_MON, [], None, 13),
        (
            "a day already excused next to the note makes the 6th in a row",
            date(2026, 11, 24),
            FRI,
            [MON - timedelta(days=3), MON],
            "in_row",
            13,
        ),
        (
            "a weekend-only note has no school day",
            date(2026, 11, 28),
            date(2026, 11, 29),
            [],
            "no_school_day",
            15,
        ),
        ("end before start", FRI, MON, [], "range_order", 15),
        ("more than 31 calendar days", MON, MON + timedelta(days=31), [], "too_long", 15),
        (
            "31 calendar days (23 school days) are over the year's 15",
            MON,
            MON + timedelta(days=30),
            [],
            "year_limit",
            15,
        ),
        (
            "more than 60 days ahead",
            TODAY + timedelta(days=61),
            TODAY + timedelta(days=61),
            [],
            "too_far_ahead",
            15,
        ),
        (
            "before the school year's start",
            date(2026, 9, 14),
            date(2026, 9, 15),
            [],
            "outside_year",
            15,
        ),
        (
            "after the school year's end",
            YEAR_END,
            YEAR_END + timedelta(days=1),
            [],
            "outside_year",
            15,
        ),
        (
            "days of last school year do not count (the allowance starts again)",
            TODAY,
            TODAY,
            weekdays(date(2026, 5, 4), 15),
            None,
            14,
        ),
        (
            "the first day of the year with last year's days used",
            YEAR_START,
            YEAR_START,
            weekdays(date(2026, 6, 1), 15),
            None,
            14,
        ),
        ("days already excused are not counted twice", TODAY, TODAY, [TODAY], None, 14),
    ],
)
def test_judge_note(case: str, start: date, end: date, used: list[date], problem: str | None, left: int) -> None:  # fmt: skip
    verdict = r.judge_note(
        start, end, today=TODAY, year_start=YEAR_START, year_end=YEAR_END, used_days=used
    )
    assert verdict.problem == problem, case
    assert verdict.left_after == left, case


def test_the_15th_and_16th_day_exactly() -> None:
    used = spaced(14)
    assert r.days_left(len(used)) == 1
    fifteenth = r.judge_note(TODAY, TODAY, today=TODAY, year_start=YEAR_START, year_end=YEAR_END, used_days=used)  # fmt: skip
    assert fifteenth.problem is None and fifteenth.left_after == 0
    sixteenth = r.judge_note(TODAY, TODAY, today=TODAY, year_start=YEAR_START, year_end=YEAR_END, used_days=[*used, date(2026, 11, 20)])  # fmt: skip
    assert sixteenth.problem == "year_limit"
    two_more = r.judge_note(date(2026, 11, 24), TODAY, today=TODAY, year_start=YEAR_START, year_end=YEAR_END, used_days=used)  # fmt: skip
    assert two_more.problem == "year_limit"


def test_holidays_inside_a_note_do_not_count() -> None:
    holiday = date(2026, 11, 25)
    verdict = r.judge_note(
        MON, NEXT_MON, today=TODAY, year_start=YEAR_START, year_end=YEAR_END,
        non_school_days={holiday},
    )  # fmt: skip
    assert verdict.problem is None  # Mon Tue (Wed off) Thu Fri Mon: 5 school days
    assert verdict.days == (MON, date(2026, 11, 24), date(2026, 11, 26), FRI, NEXT_MON)
    assert verdict.left_after == 10


def test_school_limits_are_settings() -> None:
    three = r.NoteLimits(max_year=3, max_in_row=2)
    verdict = r.judge_note(MON, date(2026, 11, 25), today=TODAY, year_start=YEAR_START, year_end=YEAR_END, limits=three)  # fmt: skip
    assert verdict.problem == "year_limit" or verdict.problem == "in_row"
    assert r.judge_note(MON, date(2026, 11, 24), today=TODAY, year_start=YEAR_START, year_end=YEAR_END, limits=three).left_after == 1  # fmt: skip


def test_a_medical_document_does_not_use_the_allowance() -> None:
    assert r.counts_against_allowance("health", True) is False
    assert r.counts_against_allowance("health", False) is True
    assert r.counts_against_allowance("family", True) is True
    verdict = r.judge_note(MON, NEXT_MON, today=TODAY, year_start=YEAR_START, year_end=YEAR_END, used_days=spaced(15), counts=False)  # fmt: skip
    assert verdict.problem is None and verdict.left_after == 0


@pytest.mark.parametrize(
    ("case", "from_period", "day", "period", "covered"),
    [
        ("whole day, any lesson", None, TODAY, 1, True),
        ("from the 3rd lesson: the 2nd is not covered", 3, TODAY, 2, False),
        ("from the 3rd lesson: the 3rd is covered", 3, TODAY, 3, True),
        (
            "from the 3rd lesson: the next day is covered whole",
            3,
            TODAY + timedelta(days=1),
            1,
            True,
        ),
        ("any lesson of the day (the outbound call's question)", 3, TODAY, None, True),
        ("the day before the note", None, TODAY - timedelta(days=1), 1, False),
        ("the day after the note", None, FRI + timedelta(days=1), 1, False),
        ("the 0th lesson of a whole-day note", None, TODAY, 0, True),
    ],
)
def test_covers(case: str, from_period: int | None, day: date, period: int | None, covered: bool) -> None:  # fmt: skip
    assert r.covers(TODAY, FRI, from_period, day, period) is covered, case


@pytest.mark.parametrize(
    ("period", "problem"),
    [
        (None, None),
        (0, None),
        (1, None),
        (15, None),
        (16, "period"),
        (-1, "period"),
        (True, "period"),
    ],
)
def test_period_problem(period: object, problem: str | None) -> None:
    assert r.period_problem(period) == problem  # type: ignore[arg-type]


def test_school_days_between() -> None:
    assert r.school_days_between(FRI, NEXT_MON) == (FRI, NEXT_MON)
    assert r.school_days_between(NEXT_MON, FRI) == ()
