"""Absences (Наредба за приобщаващото образование, чл. 62; NEISPUO ``Absence``): kinds and
excuse reasons, a late counts ½ of an unexcused absence, the monthly АСП threshold, school days,
and the limits on days a parent may excuse (15 a year, 5 in a row).

Pure: only the standard library and the other rule modules.
"""

from __future__ import annotations

from collections.abc import Collection
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal
from typing import Final

from gradebook.rules.errors import RuleError
from gradebook.rules.labels import code_labels
from gradebook.rules.numbers import NumberLike
from gradebook.rules.numbers import to_decimal

ABSENCE_EXCUSED: Final = "excused"
ABSENCE_UNEXCUSED: Final = "unexcused"
ABSENCE_LATE: Final = "late"

ABSENCE_KINDS: Final[Mapping[str, str]] = code_labels(
    excused="уважително", unexcused="неуважително", late="закъснение"
)
"""Absence kind code → Bulgarian label (Наредба за приобщаващото образование, чл. 62)."""

EXCUSE_HEALTH: Final = "health"
EXCUSE_FAMILY: Final = "family"
EXCUSE_OTHER: Final = "other"

EXCUSE_REASONS: Final[Mapping[str, str]] = code_labels(
    health="здравословни", family="семейни", other="други"
)
"""Reason for an excused absence → Bulgarian label (NEISPUO ``Absence``).  Medical notes come
without a diagnosis; never store one."""

LATE_WEIGHT: Final = Decimal("0.5")
DEFAULT_MONTHLY_THRESHOLD: Final = Decimal(5)
PARENT_EXCUSE_MAX_YEAR: Final = 15
PARENT_EXCUSE_MAX_IN_ROW: Final = 5


@dataclass(frozen=True, slots=True)
class AbsenceTotals:
    """Counts of absence events and the weighted unexcused total (unexcused + ½ × lates)."""

    excused: int
    unexcused: int
    lates: int
    weighted: Decimal


def weighted_unexcused(unexcused: int, lates: int) -> Decimal:
    """Weighted unexcused hours: ``unexcused + 0.5 × lates``, one decimal place.

    Rule (Наредба за приобщаващото образование, чл. 62; DOMAIN.md): a late counts as half an
    unexcused absence when totals are computed.  3 unexcused + 3 lates → ``Decimal("4.5")``.
    """
    for name, number in (("unexcused", unexcused), ("lates", lates)):
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise RuleError(
                f"{name} must be a non-negative integer, got {number!r}",
                "Броят отсъствия трябва да е цяло неотрицателно число.",
                "absence.count",
            )
    return (Decimal(unexcused) + LATE_WEIGHT * lates).quantize(Decimal("0.1"))


def absence_totals(kinds: Iterable[str]) -> AbsenceTotals:
    """Count absence events by kind (``excused``/``unexcused``/``late``) and weight them."""
    counts = {ABSENCE_EXCUSED: 0, ABSENCE_UNEXCUSED: 0, ABSENCE_LATE: 0}
    for kind in kinds:
        if kind not in counts:
            raise RuleError(
                f"unknown absence kind {kind!r}", "Непознат вид отсъствие.", "absence.kind"
            )
        counts[kind] += 1
    return AbsenceTotals(
        excused=counts[ABSENCE_EXCUSED],
        unexcused=counts[ABSENCE_UNEXCUSED],
        lates=counts[ABSENCE_LATE],
        weighted=weighted_unexcused(counts[ABSENCE_UNEXCUSED], counts[ABSENCE_LATE]),
    )


def exceeds_monthly_threshold(
    unexcused: int, lates: int, threshold: NumberLike = DEFAULT_MONTHLY_THRESHOLD
) -> bool:
    """True when a month's weighted unexcused hours are strictly more than ``threshold``.

    Default 5: more than 5 weighted unexcused hours in a month stops the child benefit (АСП)
    for a year, and NEISPUO's "at risk" report flags > 5 (DOMAIN.md).  Exactly 5 is not
    exceeded; 5.5 is.  Configurable per school.
    """
    return weighted_unexcused(unexcused, lates) > to_decimal(threshold)


def is_school_day(day: date, non_school_days: Collection[date] = ()) -> bool:
    """Monday–Friday and not listed in ``non_school_days`` (holidays, vacations)."""
    return day.weekday() < 5 and day not in non_school_days


def _next_school_day(day: date, non_school_days: Collection[date]) -> date:
    following = day + timedelta(days=1)
    for _ in range(366):
        if is_school_day(following, non_school_days):
            return following
        following += timedelta(days=1)
    raise RuleError(
        "no school day within a year", "Няма учебен ден в рамките на година.", "calendar"
    )


def parent_excused_days_problem(
    days_used_this_year: int,
    new_days: Iterable[date],
    max_year: int = PARENT_EXCUSE_MAX_YEAR,
    max_in_row: int = PARENT_EXCUSE_MAX_IN_ROW,
    *,
    existing_days: Iterable[date] = (),
    non_school_days: Collection[date] = (),
) -> str | None:
    """Why a parent may not excuse ``new_days``, or ``None`` if they may.

    Rule (Наредба за приобщаващото образование, чл. 62, since March 2024; configurable):
    parents may excuse up to ``max_year`` (15) school days a school year and at most
    ``max_in_row`` (5) school days in a row.

    Simplifications, on purpose:

    * school days are Monday–Friday minus ``non_school_days``; days in between that are not
      school days do not break a run, so Friday + Monday are two consecutive school days;
    * ``existing_days`` (days already excused by the parent this year) are joined with the new
      days when looking for runs; only runs that contain a new day are judged;
    * days already in ``existing_days`` are not counted again.

    Reasons: ``"not_school_day"``, ``"year_limit"``, ``"in_row"``.
    """
    existing = set(existing_days)
    fresh = set(new_days) - existing
    if any(not is_school_day(d, non_school_days) for d in fresh):
        return "not_school_day"
    if days_used_this_year + len(fresh) > max_year:
        return "year_limit"
    all_days = sorted(existing | fresh)
    run_length = 0
    run_has_new = False
    previous: date | None = None
    for day in all_days:
        if previous is not None and _next_school_day(previous, non_school_days) == day:
            run_length += 1
        else:
            run_length = 1
            run_has_new = False
        run_has_new = run_has_new or day in fresh
        if run_has_new and run_length > max_in_row:
            return "in_row"
        previous = day
    return None


def parent_excused_days_ok(
    days_used_this_year: int,
    new_days: Iterable[date],
    max_year: int = PARENT_EXCUSE_MAX_YEAR,
    max_in_row: int = PARENT_EXCUSE_MAX_IN_ROW,
    *,
    existing_days: Iterable[date] = (),
    non_school_days: Collection[date] = (),
) -> bool:
    """True if a parent may excuse ``new_days``; see :func:`parent_excused_days_problem`."""
    return (
        parent_excused_days_problem(
            days_used_this_year,
            new_days,
            max_year,
            max_in_row,
            existing_days=existing_days,
            non_school_days=non_school_days,
        )
        is None
    )
