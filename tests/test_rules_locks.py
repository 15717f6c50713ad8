"""Table-driven tests for gradebook.rules.locks: entry locks (the Bulgarian school rules in DOMAIN.md)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest

from gradebook.rules import RuleError
from gradebook.rules import entry_locked

D = Decimal


# ---------------------------------------------------------------------------------------------
# Entry locks
# ---------------------------------------------------------------------------------------------

LOCKS = [
    # (entry, today, lock day, future lock, expected, id)
    (
        date(2026, 10, 31),
        date(2026, 11, 5),
        5,
        False,
        None,
        "October on 5 Nov (lock day 5) is open",
    ),
    (date(2026, 10, 1), date(2026, 11, 5), 5, False, None, "1 October on 5 Nov is open"),
    (date(2026, 10, 31), date(2026, 11, 6), 5, False, "month", "October on 6 Nov is locked"),
    (date(2026, 11, 1), date(2026, 11, 30), 5, False, None, "this month is always open"),
    (date(2026, 9, 30), date(2026, 11, 1), 5, False, "month", "two months back is locked"),
    (date(2026, 9, 30), date(2026, 11, 1), 31, False, "month", "two months back, lock day 31"),
    (date(2025, 12, 31), date(2026, 1, 5), 5, False, None, "December on 5 January is open"),
    (date(2025, 12, 31), date(2026, 1, 6), 5, False, "month", "December on 6 January is locked"),
    (date(2025, 11, 30), date(2026, 1, 1), 5, False, "month", "November on 1 January is locked"),
    (date(2026, 10, 31), date(2026, 11, 1), 1, False, None, "lock day 1: open on the 1st"),
    (date(2026, 10, 31), date(2026, 11, 2), 1, False, "month", "lock day 1: locked on the 2nd"),
    (date(2020, 1, 1), date(2026, 11, 6), None, False, None, "no month lock"),
    (date(2026, 11, 6), date(2026, 11, 5), 5, True, "future", "tomorrow with future lock"),
    (date(2026, 11, 5), date(2026, 11, 5), 5, True, None, "today with future lock"),
    (date(2026, 11, 6), date(2026, 11, 5), 5, False, None, "tomorrow without future lock"),
    (date(2027, 1, 1), date(2026, 11, 5), None, True, "future", "next year with future lock"),
]


@pytest.mark.parametrize(
    ("entry", "today", "lock_day", "future_lock", "expected"),
    [c[:5] for c in LOCKS],
    ids=[c[5] for c in LOCKS],
)
def test_entry_locked(
    entry: date, today: date, lock_day: int | None, future_lock: bool, expected: str | None
) -> None:
    assert entry_locked(entry, today, lock_day, future_lock) == expected


def test_entry_locked_accepts_datetimes_and_checks_lock_day() -> None:
    assert entry_locked(date(2026, 11, 5), datetime(2026, 11, 5, 23, 59), 5, True) is None
    with pytest.raises(RuleError):
        entry_locked(date(2026, 11, 5), date(2026, 11, 5), 0, False)
    with pytest.raises(RuleError):
        entry_locked(date(2026, 11, 5), date(2026, 11, 5), 32, False)
