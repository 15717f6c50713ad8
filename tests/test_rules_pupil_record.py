"""Sanctions and support in the class book: the Ministry's codes, which books have which
section, the dates of a sanction (tables of boundary cases)."""

from __future__ import annotations

import datetime as dt

import pytest

from gradebook import rules

D = dt.date


@pytest.mark.parametrize(
    ("level", "sanctions", "support", "notes"),
    [
        (0, False, False, True),  # ПГ: notes only
        (1, False, True, True),
        (3, False, True, True),  # the last of I–III: no sanctions
        (4, True, True, True),  # IV: the first with sanctions
        (5, True, True, True),
        (12, True, True, True),
        (13, False, False, False),
        (-1, False, False, False),
    ],
    ids=["ПГ", "I", "III", "IV", "V", "XII", "no 13th", "no -1"],
)
def test_sections_by_grade_level(level: int, sanctions: bool, support: bool, notes: bool) -> None:
    assert rules.has_sanctions(level) is sanctions
    assert rules.has_support(level) is support
    assert rules.has_notes(level) is notes


def test_the_ministrys_codes() -> None:
    assert list(rules.SANCTION_KINDS) == [1, 2, 3, 4, 5]
    assert rules.SANCTION_KINDS[1] == "Забележка"
    assert rules.SANCTION_LAW[3] == "чл. 199, ал. 1, т. 3 ЗПУО"
    assert list(rules.SUPPORT_DIFFICULTIES) == list(range(1, 7))
    assert list(rules.SUPPORT_ACTIVITIES) == list(range(1, 23))
    assert rules.SUPPORT_ACTIVITIES[13] == "Логопедична работа"
    assert set(rules.SANCTION_SHORT) == set(rules.SANCTION_KINDS)


DATES = [
    # (order, start, end, cancel, wrong field, name)
    (D(2026, 11, 5), D(2026, 11, 5), None, None, None, "starts on the order's day"),
    (D(2026, 11, 5), D(2026, 11, 4), None, None, "start_date", "starts before the order"),
    (D(2026, 11, 5), D(2026, 11, 6), D(2026, 11, 6), None, None, "ends on its first day"),
    (D(2026, 11, 5), D(2026, 11, 6), D(2026, 11, 5), None, "end_date", "ends before it starts"),
    (D(2026, 11, 5), D(2026, 11, 5), None, D(2026, 11, 5), None, "cancelled the same day"),
    (D(2026, 11, 5), D(2026, 11, 5), None, D(2026, 11, 4), "cancel_order_date", "cancel older"),
]


@pytest.mark.parametrize(
    ("order", "start", "end", "cancel", "field"),
    [c[:5] for c in DATES],
    ids=[c[5] for c in DATES],
)
def test_sanction_dates(order, start, end, cancel, field) -> None:
    problem = rules.sanction_dates_problem(order, start, end, cancel)
    assert (problem[0] if problem else None) == field
    if problem:
        assert problem[1].endswith(".")


IN_FORCE = [
    (D(2026, 11, 4), D(2026, 11, 5), None, None, False, "the day before it starts"),
    (D(2026, 11, 5), D(2026, 11, 5), None, None, True, "its first day"),
    (D(2026, 12, 5), D(2026, 11, 5), D(2026, 12, 5), None, True, "its last day"),
    (D(2026, 12, 6), D(2026, 11, 5), D(2026, 12, 5), None, False, "the day after it ends"),
    (D(2026, 11, 20), D(2026, 11, 5), None, D(2026, 11, 20), False, "cancelled today"),
    (D(2026, 11, 19), D(2026, 11, 5), None, D(2026, 11, 20), True, "cancelled tomorrow"),
]


@pytest.mark.parametrize(
    ("today", "start", "end", "cancel", "held"),
    [c[:5] for c in IN_FORCE],
    ids=[c[5] for c in IN_FORCE],
)
def test_sanction_in_force(today, start, end, cancel, held) -> None:
    assert rules.sanction_in_force(today, start, end, cancel) is held
