"""Teacher absences and substitutions as pure rules: which lessons an absence touches, overlapping
absences, the double-booking check, held or not held by kind, the parts each kind needs."""

from __future__ import annotations

import datetime as dt

import pytest

from gradebook.rules import substitutions as r

D = dt.date
MON, TUE, WED, THU, FRI, SAT, SUN = (D(2026, 11, 23 + i) for i in range(7))
NEXT_MON, NEXT_TUE = D(2026, 11, 30), D(2026, 12, 1)
YEAR = (D(2026, 9, 15), D(2027, 6, 30))


def slot(slot_id: int, weekday: int, period: int, class_id: int = 1, term: int | None = None):
    runs_from, runs_to = YEAR
    if term == 1:
        runs_to = D(2027, 2, 4)
    elif term == 2:
        runs_from = D(2027, 2, 5)
    return r.SlotRef(slot_id, weekday, period, class_id, runs_from, runs_to)


# Monday: periods 1, 2, 3, 5; Tuesday: 1, 4; Wednesday: 2; Friday 6 (class 2); Saturday none
WEEK = [
    slot(1, 1, 1),
    slot(2, 1, 2),
    slot(3, 1, 3),
    slot(4, 1, 5),
    slot(5, 2, 1),
    slot(6, 2, 4),
    slot(7, 3, 2),
    slot(8, 5, 6, class_id=2),
]


def keys(touched: list[r.Touched]) -> list[tuple[dt.date, int]]:
    return [(t.day, t.period) for t in touched]


@pytest.mark.parametrize(
    ("case", "first", "last", "from_p", "to_p", "days_off", "expected"),
    [
        ("one whole day", MON, MON, None, None, {}, [(MON, 1), (MON, 2), (MON, 3), (MON, 5)]),
        ("from the 3rd period", MON, MON, 3, None, {}, [(MON, 3), (MON, 5)]),
        ("to the 2nd period", MON, MON, None, 2, {}, [(MON, 1), (MON, 2)]),
        ("from the 2nd to the 3rd period", MON, MON, 2, 3, {}, [(MON, 2), (MON, 3)]),
        (
            "from the 3rd period, to the last day whole",
            MON,
            TUE,
            3,
            None,
            {},
            [(MON, 3), (MON, 5), (TUE, 1), (TUE, 4)],
        ),
        (
            "the last day until its 1st period",
            MON,
            TUE,
            None,
            1,
            {},
            [(MON, 1), (MON, 2), (MON, 3), (MON, 5), (TUE, 1)],
        ),
        ("a day without the teacher's lessons", THU, THU, None, None, {}, []),
        ("a weekend in the range touches nothing", SAT, SUN, None, None, {}, []),
        (
            "Friday to next Monday skips the weekend",
            FRI,
            NEXT_MON,
            None,
            None,
            {},
            [(FRI, 6)] + [(NEXT_MON, p) for p in (1, 2, 3, 5)],
        ),
        ("a holiday of the class", WED, WED, None, None, {1: {WED}}, []),
        ("a holiday of another class only", FRI, FRI, None, None, {1: {FRI}}, [(FRI, 6)]),
        ("the last day is the whole of it", TUE, TUE, None, None, {}, [(TUE, 1), (TUE, 4)]),
    ],
)
def test_touched_lessons(case, first, last, from_p, to_p, days_off, expected) -> None:
    assert keys(r.touched_lessons(WEEK, first, last, from_p, to_p, days_off)) == expected, case


def test_a_slot_of_one_term_is_touched_in_its_term_only() -> None:
    first_term = [slot(1, 1, 1, term=1)]
    assert keys(r.touched_lessons(first_term, MON, MON)) == [(MON, 1)]
    in_term2 = D(2027, 2, 8)  # a Monday
    assert r.touched_lessons(first_term, in_term2, in_term2) == []
    assert keys(r.touched_lessons([slot(1, 1, 1, term=2)], in_term2, in_term2)) == [(in_term2, 1)]


def test_outside_the_school_year_nothing_is_touched() -> None:
    summer = D(2027, 7, 5)  # a Monday after the year
    assert r.touched_lessons(WEEK, summer, summer) == []


@pytest.mark.parametrize(
    ("case", "first", "last", "from_p", "to_p", "problem"),
    [
        ("one day", MON, MON, None, None, None),
        ("last before first", TUE, MON, None, None, "last_before_first"),
        ("one day, to before from", MON, MON, 4, 2, "to_before_from"),
        ("two days, to before from is fine", MON, TUE, 4, 2, None),
        ("period 16", MON, MON, 16, None, "period_out_of_range"),
        ("same period both ends", MON, MON, 3, 3, None),
    ],
)
def test_period_range_problem(case, first, last, from_p, to_p, problem) -> None:
    assert r.period_range_problem(first, last, from_p, to_p) == problem, case


@pytest.mark.parametrize(
    ("case", "a", "b", "overlap"),
    [
        ("same days", (MON, TUE, None, None), (MON, TUE, None, None), True),
        ("next day", (MON, MON, None, None), (TUE, TUE, None, None), False),
        ("inside", (MON, FRI, None, None), (WED, WED, None, None), True),
        ("until 2nd, again from 3rd", (MON, MON, None, 2), (MON, MON, 3, None), False),
        ("until 3rd, again from 3rd", (MON, MON, None, 3), (MON, MON, 3, None), True),
        (
            "ends Monday 2nd, other from Monday 5th",
            (FRI, NEXT_MON, None, 2),
            (NEXT_MON, NEXT_TUE, 5, None),
            False,
        ),
        (
            "whole last day meets a from-period",
            (FRI, NEXT_MON, None, None),
            (NEXT_MON, NEXT_TUE, 5, None),
            True,
        ),
    ],
)
def test_absences_overlap(case, a, b, overlap) -> None:
    assert r.absences_overlap(a, b) is overlap, case
    assert r.absences_overlap(b, a) is overlap, case


def test_find_clash_names_the_busy_lesson_and_skips_the_same_lesson() -> None:
    busy = [
        r.Busy(MON, 3, "5а, Математика", (10, MON)),
        r.Busy(MON, 4, "6б, Физика", (11, MON)),
        r.Busy(TUE, 3, "7в, Химия", (12, TUE)),
    ]
    assert r.find_clash(MON, 3, busy).what == "5а, Математика"
    assert r.find_clash(MON, 5, busy) is None  # a free period
    assert r.find_clash(WED, 3, busy) is None  # another day
    # the lesson being assigned again (an edit) is no clash with itself
    assert r.find_clash(MON, 3, [r.Busy(MON, 3, "x", (20, MON))], (20, MON)) is None


@pytest.mark.parametrize(
    ("kind", "held"),
    [
        (None, True),
        (r.FREE_HOUR, False),
        (r.NON_SPECIALIST, True),
        (r.SPECIALIST, True),
        (r.EXTERNAL, True),
    ],
)
def test_is_held(kind, held) -> None:
    assert r.is_held(kind) is held


def test_the_codes_are_the_ministrys() -> None:
    assert (r.FREE_HOUR, r.NON_SPECIALIST, r.SPECIALIST, r.EXTERNAL) == (1, 2, 3, 4)
    assert r.KIND_BG[1] == "свободен час"


@pytest.mark.parametrize(
    ("case", "kind", "staff", "name", "problem"),
    [
        ("free hour alone", 1, False, "", None),
        ("free hour with a substitute", 1, True, "", "free_hour_has_nobody"),
        ("free hour with a name", 1, False, "Иван", "free_hour_has_nobody"),
        ("non-specialist", 2, True, "", None),
        ("specialist without anyone", 3, False, "", "substitute_required"),
        ("specialist with a name too", 3, True, "Иван", "staff_has_no_external_name"),
        ("external by name", 4, False, "Иван Петров", None),
        ("external without a name", 4, False, "", "external_name_required"),
        ("external as a staff member", 4, True, "Иван", "external_name_required"),
        ("unknown code 0", 0, False, "", "unknown_kind"),
        ("unknown code 5", 5, True, "", "unknown_kind"),
    ],
)
def test_kind_problem(case, kind, staff, name, problem) -> None:
    assert r.kind_problem(kind, staff, name) == problem, case


@pytest.mark.parametrize(
    ("count", "lessons", "days"),
    [(0, "0 часа", "0 учебни дни"), (1, "1 час", "1 учебен ден"), (2, "2 часа", "2 учебни дни")],
)
def test_counts_in_bulgarian(count, lessons, days) -> None:
    assert r.lessons_bg(count) == lessons
    assert r.school_days_bg(count) == days
