"""Entry locks: whether a grade, absence or topic dated some day may still be entered or changed
today (the future lock and the past-month lock; NEISPUO ``ClassBook.CheckBookHasPastMonthLock`` /
``HasFutureEntryLock``).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Final

from gradebook.rules.errors import RuleError

LOCK_FUTURE: Final = "future"
LOCK_MONTH: Final = "month"


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def entry_locked(
    entry_date: date, today: date, month_lock_day: int | None, future_lock: bool
) -> str | None:
    """Whether a grade/absence/topic dated ``entry_date`` may be entered or changed ``today``.

    Returns ``None`` when allowed, else a reason code:

    * ``"future"``: ``future_lock`` is on and ``entry_date`` is after ``today``
      (NEISPUO ``HasFutureEntryLock``);
    * ``"month"``: ``month_lock_day`` is set and the entry is in an earlier month that is now
      locked.  The previous month stays editable up to and including day ``month_lock_day`` of
      the current month (lock day 5: October entries are editable until 5 November inclusive,
      locked from 6 November); entries two or more months back are always locked.

    Note: NEISPUO's ``PastMonthLockDay`` locks *on* the lock day itself
    (``now.Day >= lockDay``); here the lock day is the last editable day, as the project
    specifies.  Both settings are per school (configurable); ``None``/``False`` switch them off.
    """
    entry = _as_date(entry_date)
    now = _as_date(today)
    if future_lock and entry > now:
        return LOCK_FUTURE
    if month_lock_day is not None:
        if isinstance(month_lock_day, bool) or not 1 <= month_lock_day <= 31:
            raise RuleError(
                f"month lock day {month_lock_day!r} must be 1-31",
                "Денят за заключване на месеца трябва да е от 1 до 31.",
                "lock.day",
            )
        months_back = (now.year * 12 + now.month) - (entry.year * 12 + entry.month)
        if months_back >= 2 or (months_back == 1 and now.day > month_lock_day):
            return LOCK_MONTH
    return None
