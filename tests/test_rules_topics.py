"""Table-driven tests for gradebook.rules.topics: plan rows, the next planned topic, held lessons
and those without a topic."""

from __future__ import annotations

from datetime import date
from datetime import time

import pytest

from gradebook.rules import RuleError
from gradebook.rules import check_plan_row
from gradebook.rules import held_days
from gradebook.rules import lesson_has_ended
from gradebook.rules import lessons_without_topic
from gradebook.rules import next_plan_topic
from gradebook.rules import plan_number
from gradebook.rules import topic_title

NUMBERS = [
    ("1", 1, "the first number"),
    (" 7 ", 7, "spaces around"),
    ("7.", 7, "a publisher's '7.'"),
    (12, 12, "a number cell of a spreadsheet"),
    ("1000", 1000, "the highest number (NEISPUO: up to 1000)"),
]


@pytest.mark.parametrize(("raw", "expected", "case"), NUMBERS, ids=[c[2] for c in NUMBERS])
def test_plan_number(raw, expected, case):
    assert plan_number(raw) == expected


BAD_NUMBERS = [
    ("0", "zero is below the range"),
    ("1001", "one over the highest number"),
    ("", "empty"),
    ("-3", "negative"),
    ("3,5", "a fraction"),
    ("²", "a digit to str.isdigit that is no number"),
    ("седем", "a word"),
]


@pytest.mark.parametrize(("raw", "case"), BAD_NUMBERS, ids=[c[1] for c in BAD_NUMBERS])
def test_plan_number_refuses(raw, case):
    with pytest.raises(RuleError) as exc:
        plan_number(raw)
    assert "от 1 до 1000" in exc.value.message_bg


TITLES = [
    ("Умножение на дроби", "Умножение на дроби", None, "a plain title"),
    ("  Умножение   на\tдроби ", "Умножение на дроби", None, "spaces folded"),
    ("а" * 1000, "а" * 1000, None, "exactly 1000 characters"),
    ("а" * 1001, None, "1001 знака", "one character too many"),
    ("   ", None, "Въведете", "only spaces"),
    ("", None, "Въведете", "empty"),
]


@pytest.mark.parametrize(("raw", "expected", "error", "case"), TITLES, ids=[c[3] for c in TITLES])
def test_topic_title(raw, expected, error, case):
    if error is None:
        assert topic_title(raw) == expected
    else:
        with pytest.raises(RuleError) as exc:
            topic_title(raw)
        assert error in exc.value.message_bg


def test_check_plan_row_gives_all_three_and_refuses_a_long_note():
    assert check_plan_row("3", "Дроби", " нови  знания ") == (3, "Дроби", "нови знания")
    with pytest.raises(RuleError):
        check_plan_row("3", "Дроби", "б" * 1001)


NEXT = [
    ([], [], None, "an empty plan offers nothing"),
    ([(10, 1), (11, 2), (12, 3)], [], 10, "nothing used: the first topic"),
    ([(10, 1), (11, 2), (12, 3)], [10], 11, "the first used: the second"),
    ([(10, 1), (11, 2), (12, 3)], [10, 12], 11, "a skipped topic is offered before later ones"),
    ([(10, 1), (11, 2), (12, 3)], [10, 11, 12], None, "every topic used: nothing"),
    ([(12, 3), (10, 1), (11, 2)], [10], 11, "the plan's order is its numbers, not the ids"),
    ([(10, 1), (11, 2)], [99], 10, "a used id of another plan changes nothing"),
]


@pytest.mark.parametrize(("plan", "used", "expected", "case"), NEXT, ids=[c[3] for c in NEXT])
def test_next_plan_topic(plan, used, expected, case):
    assert next_plan_topic(plan, used) == expected


TODAY = date(2026, 11, 25)
ENDED = [
    (date(2026, 11, 24), time(8, 10), time(7, 0), True, "yesterday's lesson is over"),
    (TODAY, time(8, 10), time(8, 10), True, "today, at the bell that ends it"),
    (TODAY, time(8, 10), time(8, 9), False, "today, a minute before its end"),
    (TODAY, None, time(23, 59), False, "today without an end time: not before the day is out"),
    (date(2026, 11, 26), time(8, 10), time(23, 0), False, "tomorrow's lesson has not been held"),
]


@pytest.mark.parametrize(
    ("day", "ends", "now", "expected", "case"), ENDED, ids=[c[4] for c in ENDED]
)
def test_lesson_has_ended(day, ends, now, expected, case):
    assert lesson_has_ended(day, ends, TODAY, now) is expected


HELD = [
    (3, date(2026, 11, 2), date(2026, 11, 18), [], [date(2026, 11, 4), date(2026, 11, 11), date(2026, 11, 18)], "every Wednesday, the last day included"),
    (3, date(2026, 11, 4), date(2026, 11, 4), [], [date(2026, 11, 4)], "a one-day range on the weekday"),
    (3, date(2026, 11, 5), date(2026, 11, 10), [], [], "no Wednesday in the range"),
    (3, date(2026, 11, 2), date(2026, 11, 18), [(date(2026, 11, 11), date(2026, 11, 11))], [date(2026, 11, 4), date(2026, 11, 18)], "a holiday on the weekday is skipped"),
    (3, date(2026, 11, 2), date(2026, 11, 18), [(date(2026, 11, 1), date(2026, 11, 30))], [], "a month-long break"),
    (3, date(2026, 11, 18), date(2026, 11, 2), [], [], "an empty range (the end before the start)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("weekday", "first", "last", "off", "expected", "case"), HELD, ids=[c[5] for c in HELD]
)
def test_held_days(weekday, first, last, off, expected, case):
    assert held_days(weekday, first, last, off) == expected


def test_lessons_without_topic_newest_first():
    a, b = date(2026, 11, 4), date(2026, 11, 11)
    held = [(1, a), (2, a), (1, b), (1, b)]  # a lesson listed twice counts once
    assert lessons_without_topic(held, [(2, a)]) == [(1, b), (1, a)]
    assert lessons_without_topic(held, held) == []
    assert lessons_without_topic([], [(1, a)]) == []
