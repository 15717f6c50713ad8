"""Absence reports: per student for a month (``absences``), the students above the school's
monthly threshold (``at_risk``: the АСП child benefit stops above it), and per student and month
of the school year (``absences_by_month``).

Unexcused hours are weighted: a late counts ½ (``rules.weighted_unexcused``). ``absence_counts``
also serves the monthly file for АСП (``onboarding.asp``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from config import clock
from gradebook import rules
from models import Absence
from models import AbsenceKind
from models import db
from onboarding.report_base import Report
from onboarding.report_base import ReportError
from onboarding.report_base import scope_of


def _month_bounds(year: int | None, month: int | None) -> tuple[dt.date, dt.date, int, int]:
    today = clock.today()
    year, month = year or today.year, month or today.month
    if not 1 <= month <= 12:
        raise ReportError("bad month", "Невалиден месец.")
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, 1), dt.date(year, month, last), year, month


def absence_counts(
    school_id: int, student_ids: Sequence[int], first: dt.date, last: dt.date
) -> dict[int, rules.AbsenceTotals]:
    kinds: dict[int, list[str]] = defaultdict(list)
    ids = list(student_ids)
    for start in range(0, len(ids), 500):
        for student_id, kind, count in db.session.execute(
            sa.select(Absence.student_id, Absence.kind, sa.func.count())
            .where(
                Absence.school_id == school_id,
                Absence.student_id.in_(ids[start : start + 500]),
                Absence.date >= first,
                Absence.date <= last,
            )
            .group_by(Absence.student_id, Absence.kind)
        ):
            kinds[student_id] += [str(AbsenceKind(kind))] * count
    return {sid: rules.absence_totals(kinds.get(sid, [])) for sid in ids}


def absences(
    school_id: int,
    class_id: int | None = None,
    year: int | None = None,
    month: int | None = None,
    only_at_risk: bool = False,
    threshold: Decimal | None = None,
    **_: Any,
) -> Report:
    first, last, year, month = _month_bounds(year, month)
    scope = scope_of(school_id, class_id)
    school, names, roster = scope.school, scope.names, scope.roster
    totals = absence_counts(school_id, scope.student_ids, first, last)
    limit = Decimal(str(threshold if threshold is not None else school.absence_threshold))
    rows: list[list[Any]] = []
    highlight: set[int] = set()
    for class_id_, number, student_id, name in roster:
        t = totals[student_id]
        if only_at_risk and not t.weighted > limit:
            continue
        if t.weighted > limit:
            highlight.add(len(rows))
        rows.append([names[class_id_], number, name, t.excused, t.unexcused, t.lates, t.weighted])
    period = rules.month_year_bg(year, month)
    if only_at_risk:
        return Report(
            "at-risk",
            "Ученици в риск (неуважителни отсъствия)",
            school.name,
            f"{period}: над {rules.format_decimal_bg(limit, 1)} неуважителни часа (закъснение = ½)",
            ["Клас", "№", "Ученик", "Уважителни", "Неуважителни", "Закъснения", "Претеглени неуважителни"],
            rows,
            notes=["Над 5 неуважителни часа за месец спират детските помощи (АСП) за година; "
                   "прагът се настройва за училището."],
            highlight=set(range(len(rows))),
        )  # fmt: skip
    return Report(
        "absences",
        "Отсъствия по ученици за месеца",
        school.name,
        period + (f", {names[class_id]} клас" if class_id else ""),
        [
            "Клас",
            "№",
            "Ученик",
            "Уважителни",
            "Неуважителни",
            "Закъснения",
            "Претеглени неуважителни",
        ],
        rows,
        notes=["Претеглени = неуважителни + ½ × закъснения; в удебелено — над прага на училището."],
        highlight=highlight,
    )


ROMAN_MONTHS = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def absences_by_month(school_id: int, class_id: int | None = None, **_: Any) -> Report:
    """Per student and month of the school year so far: weighted unexcused hours per month,
    and the year's excused, unexcused, lates and weighted totals."""
    scope = scope_of(school_id, class_id)
    school, school_year, names, roster = scope.school, scope.year, scope.names, scope.roster
    end = min(clock.today(), school_year.ends_on)
    months: list[tuple[int, int]] = []
    cursor = dt.date(school_year.starts_on.year, school_year.starts_on.month, 1)
    while cursor <= end:
        months.append((cursor.year, cursor.month))
        cursor = dt.date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    ids = scope.student_ids
    counts: dict[tuple[int, int, int, str], int] = defaultdict(int)
    year_part, month_part = sa.extract("year", Absence.date), sa.extract("month", Absence.date)
    for start in range(0, len(ids), 500):
        for student_id, year, month, kind, count in db.session.execute(
            sa.select(Absence.student_id, year_part, month_part, Absence.kind, sa.func.count())
            .where(
                Absence.school_id == school_id,
                Absence.school_year_id == school_year.id,
                Absence.student_id.in_(ids[start : start + 500]),
            )
            .group_by(Absence.student_id, year_part, month_part, Absence.kind)
        ):
            counts[(student_id, int(year), int(month), str(AbsenceKind(kind)))] += count
    limit = Decimal(str(school.absence_threshold))
    rows: list[list[Any]] = []
    highlight: set[int] = set()
    for class_id_, number, student_id, name in roster:
        row: list[Any] = [names[class_id_], number, name]
        totals = {"excused": 0, "unexcused": 0, "late": 0}
        flagged = False
        for year, month in months:
            u, late = (
                counts[(student_id, year, month, "unexcused")],
                counts[(student_id, year, month, "late")],
            )
            totals["excused"] += counts[(student_id, year, month, "excused")]
            totals["unexcused"] += u
            totals["late"] += late
            weighted = rules.weighted_unexcused(u, late)
            flagged = flagged or weighted > limit
            row.append(weighted)
        row += [totals["excused"], totals["unexcused"], totals["late"],
                rules.weighted_unexcused(totals["unexcused"], totals["late"])]  # fmt: skip
        if flagged:
            highlight.add(len(rows))
        rows.append(row)
    return Report(
        "absences-months",
        "Отсъствия по ученици и месеци",
        school.name,
        f"{school_year.name}, до {rules.format_date_bg(end)}"
        + (f", {names[class_id]} клас" if class_id else ""),
        ["Клас", "№", "Ученик", *(ROMAN_MONTHS[m] for _, m in months),
         "Уважителни", "Неуважителни", "Закъснения", "Претеглени неуважителни"],
        rows,
        notes=["По месеци: претеглени неуважителни часове (закъснение = ½); в удебелено — "
               "ученици с месец над прага на училището."],
        highlight=highlight,
    )  # fmt: skip


def at_risk(school_id: int, **kwargs: Any) -> Report:
    return absences(school_id, only_at_risk=True, **kwargs)
