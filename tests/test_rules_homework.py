"""Table tests of gradebook.rules.homework: the default due date (the row's next lesson on a school
day), the checks of a typed due date, the "за утре" day and the parents' notice line."""

from __future__ import annotations

from datetime import date

import pytest

from gradebook import rules
from gradebook.rules import DUE_AFTER_YEAR
from gradebook.rules import DUE_NOT_AFTER
from gradebook.rules import default_due_date
from gradebook.rules import due_date_problem
from gradebook.rules import homework_notice_line
from gradebook.rules import next_school_day

TERM2 = date(2027, 2, 3)
END = date(2027, 6, 30)
WINTER = (date(2026, 12, 22), date(2027, 1, 4))  # a break, inclusive
MON, TUE, WED, THU, FRI, SAT = 1, 2, 3, 4, 5, 6

DUE = [
    # (given on, slots (weekday, term), days off, ends on, expected, id)
    (date(2026, 11, 25), [(WED, None), (FRI, None)], [], END, date(2026, 11, 27), "Wed → Fri"),
    (date(2026, 11, 27), [(WED, None), (FRI, None)], [], END, date(2026, 12, 2), "Fri → next Wed"),
    (date(2026, 11, 25), [(WED, None)], [], END, date(2026, 12, 2), "one lesson a week: a week on"),
    (date(2026, 11, 25), [(WED, None), (THU, None)], [], END, date(2026, 11, 26), "the next day"),
    (
        date(2026, 11, 25),
        [(WED, None), (THU, None)],
        [(date(2026, 11, 26), date(2026, 11, 26))],
        END,
        date(2026, 12, 2),
        "a holiday on the next lesson is skipped",
    ),
    (
        date(2026, 12, 21),
        [(MON, None), (WED, None)],
        [WINTER],
        END,
        date(2027, 1, 6),
        "over the winter break (last day off inclusive)",
    ),
    (
        date(2027, 2, 2),
        [(MON, 1), (TUE, 2)],
        [],
        END,
        date(2027, 2, 9),
        "a term-1 slot is not used in term 2: the term-2 slot is",
    ),
    (date(2027, 6, 30), [(WED, None)], [], END, None, "the last day of the year: none"),
    (date(2027, 6, 28), [(WED, None)], [], END, date(2027, 6, 30), "the year's last day is a day"),
    (date(2027, 6, 28), [(THU, None)], [], END, None, "the next lesson is after the year: none"),
    (date(2026, 11, 25), [], [], END, None, "a row without slots: none"),
    (date(2026, 11, 27), [(SAT, None)], [], END, date(2026, 11, 28), "a Saturday lesson counts"),
    (
        date(2026, 11, 25),
        [(WED, None)],
        [(date(2026, 11, 26), date(2027, 3, 1))],
        END,
        None,
        "beyond the horizon of sixty days: none",
    ),
]


@pytest.mark.parametrize(
    ("given", "slots", "off", "ends", "expected"), [c[:5] for c in DUE], ids=[c[5] for c in DUE]
)
def test_default_due_date(given, slots, off, ends, expected) -> None:  # type: ignore[no-untyped-def]
    assert (
        default_due_date(given, slots, term2_starts_on=TERM2, ends_on=ends, days_off=off)
        == expected
    )


PROBLEMS = [
    (date(2026, 11, 25), date(2026, 11, 26), None, "the next day is fine"),
    (date(2026, 11, 25), date(2026, 11, 25), DUE_NOT_AFTER, "the same day is refused"),
    (date(2026, 11, 25), date(2026, 11, 24), DUE_NOT_AFTER, "a day before is refused"),
    (date(2027, 6, 29), date(2027, 6, 30), None, "the year's last day is fine"),
    (date(2027, 6, 29), date(2027, 7, 1), DUE_AFTER_YEAR, "after the year is refused"),
]


@pytest.mark.parametrize(
    ("given", "due", "expected"), [c[:3] for c in PROBLEMS], ids=[c[3] for c in PROBLEMS]
)
def test_due_date_problem(given: date, due: date, expected: str | None) -> None:
    assert due_date_problem(given, due, END) == expected


NEXT = [
    (date(2026, 11, 23), date(2026, 11, 24), "Monday → Tuesday"),
    (date(2026, 11, 26), date(2026, 11, 27), "Thursday → Friday"),
    (date(2026, 11, 27), date(2026, 11, 30), "Friday → Monday"),
    (date(2026, 11, 28), date(2026, 11, 30), "Saturday → Monday"),
    (date(2026, 11, 29), date(2026, 11, 30), "Sunday → Monday"),
    (date(2026, 12, 31), date(2027, 1, 1), "over the new year (a weekday)"),
]


@pytest.mark.parametrize(("today", "expected"), [c[:2] for c in NEXT], ids=[c[2] for c in NEXT])
def test_next_school_day(today: date, expected: date) -> None:
    assert next_school_day(today) == expected


LINES = [
    (
        ("Мария", "Математика", date(2026, 11, 27), "Зад. 3 и 4", False),
        "Мария: домашно по Математика за 27.11: Зад. 3 и 4",
        "plain",
    ),
    (
        ("Иван", "Човекът и природата", date(2026, 12, 2), "Прочетете урока", False),
        "Иван: домашно по Човека и природата за 02.12: Прочетете урока",
        "the short article after по",
    ),
    (
        ("Иван", "Математика", date(2026, 12, 2), "Зад. 5", True),
        "Иван: поправено домашно по Математика за 02.12: Зад. 5",
        "a corrected one",
    ),
    (
        ("Иван", "Математика", date(2026, 12, 2), "  Зад.\n5  ", False),
        "Иван: домашно по Математика за 02.12: Зад. 5",
        "spaces and new lines folded",
    ),
    (
        ("", "Математика", None, "", False),
        "Домашно по Математика",
        "no name, no date, no text",
    ),
]


@pytest.mark.parametrize(("args", "expected"), [c[:2] for c in LINES], ids=[c[2] for c in LINES])
def test_notice_line(args: tuple, expected: str) -> None:  # type: ignore[type-arg]
    student, subject, due, text, changed = args
    assert homework_notice_line(student, subject, due, text, changed=changed) == expected


def test_the_package_reexports_the_homework_rules() -> None:
    assert rules.default_due_date is default_due_date and rules.DUE_HORIZON_DAYS == 60
