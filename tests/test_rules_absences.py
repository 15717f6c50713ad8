"""Table-driven tests for gradebook.rules.absences: a late counts ½, the monthly threshold, labels, days excused by parents (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gradebook.rules import ABSENCE_KINDS
from gradebook.rules import EXCUSE_REASONS
from gradebook.rules import AbsenceTotals
from gradebook.rules import RuleError
from gradebook.rules import absence_totals
from gradebook.rules import exceeds_monthly_threshold
from gradebook.rules import parent_excused_days_ok
from gradebook.rules import parent_excused_days_problem
from gradebook.rules import weighted_unexcused

D = Decimal


# ---------------------------------------------------------------------------------------------
# Absences
# ---------------------------------------------------------------------------------------------

WEIGHTED = [
    (3, 3, "4.5"),
    (0, 0, "0.0"),
    (5, 0, "5.0"),
    (4, 2, "5.0"),
    (0, 1, "0.5"),
    (0, 11, "5.5"),
]


@pytest.mark.parametrize(
    ("unexcused", "lates", "weighted"),
    WEIGHTED,
    ids=[f"{u} unexcused + {late} lates = {w}" for u, late, w in WEIGHTED],
)
def test_weighted_unexcused(unexcused: int, lates: int, weighted: str) -> None:
    assert weighted_unexcused(unexcused, lates) == D(weighted)


@pytest.mark.parametrize(
    ("unexcused", "lates"), [(-1, 0), (0, -1)], ids=["-1 unexcused", "-1 late"]
)
def test_weighted_unexcused_rejects_negative(unexcused: int, lates: int) -> None:
    with pytest.raises(RuleError):
        weighted_unexcused(unexcused, lates)


THRESHOLD = [
    (5, 0, False, "exactly 5 is not exceeded"),
    (4, 2, False, "4 + 2 lates = 5 is not exceeded"),
    (5, 1, True, "5.5 exceeds"),
    (6, 0, True, "6 exceeds"),
    (0, 11, True, "11 lates = 5.5 exceeds"),
    (0, 10, False, "10 lates = 5 is not exceeded"),
]


@pytest.mark.parametrize(
    ("unexcused", "lates", "exceeded"),
    [c[:3] for c in THRESHOLD],
    ids=[c[3] for c in THRESHOLD],
)
def test_monthly_threshold(unexcused: int, lates: int, exceeded: bool) -> None:
    assert exceeds_monthly_threshold(unexcused, lates) is exceeded


def test_monthly_threshold_is_configurable() -> None:
    assert exceeds_monthly_threshold(3, 0, threshold=D(2)) is True
    assert exceeds_monthly_threshold(3, 0, threshold=D(3)) is False


def test_absence_totals() -> None:
    kinds = ["excused", "late", "unexcused", "late", "unexcused", "unexcused", "late", "excused"]
    assert absence_totals(kinds) == AbsenceTotals(
        excused=2, unexcused=3, lates=3, weighted=D("4.5")
    )
    assert absence_totals([]) == AbsenceTotals(0, 0, 0, D("0"))
    with pytest.raises(RuleError):
        absence_totals(["excused", "sick"])


def test_absence_labels() -> None:
    assert ABSENCE_KINDS == {
        "excused": "уважително",
        "unexcused": "неуважително",
        "late": "закъснение",
    }
    assert EXCUSE_REASONS == {"health": "здравословни", "family": "семейни", "other": "други"}


# Week of 2026-01-05 (Mon) … 2026-01-09 (Fri), then Mon 12 … Fri 16.
MON, TUE, WED, THU, FRI = (date(2026, 1, d) for d in range(5, 10))
NEXT_MON, NEXT_TUE = date(2026, 1, 12), date(2026, 1, 13)
SAT = date(2026, 1, 10)

PARENT_DAYS = [
    (0, [MON, TUE, WED, THU, FRI], None, "5 in a row is allowed"),
    (0, [TUE, WED, THU, FRI, NEXT_MON], None, "Tue-Mon over a weekend is 5"),
    (0, [MON, TUE, WED, THU, FRI, NEXT_MON], "in_row", "Fri + Mon make 6 in a row"),
    (0, [MON, TUE, WED, THU, NEXT_MON, NEXT_TUE], None, "a gap on Friday breaks the run"),
    (10, [MON, TUE, WED, THU, FRI], None, "10 used + 5 = 15 is allowed"),
    (11, [MON, TUE, WED, THU, FRI], "year_limit", "11 used + 5 = 16 is too many"),
    (15, [MON], "year_limit", "16th day"),
    (0, [SAT], "not_school_day", "Saturday is not a school day"),
    (0, [MON, MON], None, "duplicates count once"),
    (0, [], None, "nothing new"),
]


@pytest.mark.parametrize(
    ("used", "days", "problem"),
    [c[:3] for c in PARENT_DAYS],
    ids=[c[3] for c in PARENT_DAYS],
)
def test_parent_excused_days(used: int, days: list[date], problem: str | None) -> None:
    assert parent_excused_days_problem(used, days) == problem
    assert parent_excused_days_ok(used, days) is (problem is None)


def test_parent_excused_days_join_existing_runs() -> None:
    existing = [MON, TUE, WED]
    assert parent_excused_days_problem(3, [THU, FRI], existing_days=existing) is None
    assert parent_excused_days_problem(3, [THU, FRI, NEXT_MON], existing_days=existing) == "in_row"
    # A holiday on Friday joins Thursday and Monday but is not itself counted.
    assert (
        parent_excused_days_problem(
            3, [THU, NEXT_MON, NEXT_TUE], existing_days=existing, non_school_days={FRI}
        )
        == "in_row"
    )
    assert parent_excused_days_ok(0, [MON, TUE, WED], max_in_row=2) is False
    assert parent_excused_days_ok(0, [MON, TUE, WED], max_year=2) is False
