"""Pupils at risk of dropping out, as the Ministry's class book counts them.

Source: ``governmentbg/NEISPUO``
``school-books/backend/SB.Data/Reports/StudentsAtRiskOfDropping/Repositories/
StudentsAtRiskOfDroppingOutReportsQueryRepository.cs`` (``GetItemsForAddAsync``):

* ``MaxAllowedUnexcusedAbsenceDays = 3``: the unexcused days are counted from the **daily
  attendance** (``Attendance``, type ``UnexcusedAbsence``), which only the ПГ books keep; a
  pupil with more than 3 is at risk.
* ``MaxAllowedUnexcusedAbsenceHours = 5.0``: from the **lesson absences** an unexcused hour
  counts 1 and a late ½ (``Type == Unexcused ? 1 : 0.5``); more than 5 is at risk.
* Both are totals of the school year up to the report's date (not per month).

So a lesson-keeping class (I–XII) is never judged by days: a whole day missed is its hours
(6 unexcused hours > 5). This module counts both and decides; it never counts days from hours.

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from gradebook.rules.absences import ABSENCE_EXCUSED
from gradebook.rules.absences import ABSENCE_LATE
from gradebook.rules.absences import ABSENCE_UNEXCUSED
from gradebook.rules.absences import LATE_WEIGHT
from gradebook.rules.errors import RuleError

MAX_UNEXCUSED_DAYS: Final = 3
MAX_UNEXCUSED_HOURS: Final = Decimal(5)

ATTENDANCE_PRESENT: Final = "present"
ATTENDANCE_EXCUSED: Final = "excused"
ATTENDANCE_UNEXCUSED: Final = "unexcused"


@dataclass(frozen=True, slots=True)
class DropoutRisk:
    """The counts behind the decision: ``hours`` weighted (late ½), ``days`` unexcused."""

    hours: Decimal
    days: int
    at_risk: bool
    by_hours: bool
    by_days: bool


def unexcused_hours(absence_kinds: Iterable[str]) -> Decimal:
    """Lesson absences by kind (``excused``/``unexcused``/``late``) → weighted unexcused hours."""
    total = Decimal(0)
    for kind in absence_kinds:
        if kind == ABSENCE_UNEXCUSED:
            total += 1
        elif kind == ABSENCE_LATE:
            total += LATE_WEIGHT
        elif kind != ABSENCE_EXCUSED:
            raise RuleError(
                f"unknown absence kind {kind!r}", "Непознат вид отсъствие.", "absence.kind"
            )
    return total.quantize(Decimal("0.1"))


def unexcused_days(attendance_kinds: Iterable[str]) -> int:
    """Daily attendance marks (ПГ: ``present``/``excused``/``unexcused``) → unexcused days."""
    days = 0
    for kind in attendance_kinds:
        if kind == ATTENDANCE_UNEXCUSED:
            days += 1
        elif kind not in (ATTENDANCE_PRESENT, ATTENDANCE_EXCUSED):
            raise RuleError(
                f"unknown attendance kind {kind!r}", "Непознат вид присъствие.", "attendance.kind"
            )
    return days


def dropout_risk(
    absence_kinds: Iterable[str] = (), attendance_kinds: Iterable[str] = ()
) -> DropoutRisk:
    """At risk when more than 3 unexcused days or more than 5 weighted unexcused hours.
    Exactly 5 hours or exactly 3 days is not yet at risk; 5½ hours or 4 days is."""
    hours = unexcused_hours(absence_kinds)
    days = unexcused_days(attendance_kinds)
    by_hours = hours > MAX_UNEXCUSED_HOURS
    by_days = days > MAX_UNEXCUSED_DAYS
    return DropoutRisk(hours, days, by_hours or by_days, by_hours, by_days)


def risk_from_counts(unexcused: int, lates: int, days: int = 0) -> DropoutRisk:
    """The same decision from counts already made (a query's GROUP BY)."""
    return dropout_risk(
        [ABSENCE_UNEXCUSED] * unexcused + [ABSENCE_LATE] * lates,
        [ATTENDANCE_UNEXCUSED] * days,
    )
