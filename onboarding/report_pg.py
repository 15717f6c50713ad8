"""The monthly attendance report of the preparatory groups (``pg-attendance``): per child of a
ПГ group the month's days present, absent excused and absent unexcused, from the daily
attendance (:mod:`gradebook.pg_attendance`, the Ministry's ``Attendance``); the other classes
keep lesson absences (the ``absences`` report)."""

from __future__ import annotations

from typing import Any

from config import clock
from gradebook import pg_attendance
from gradebook import rules
from onboarding.report_base import Report
from onboarding.report_base import ReportError
from onboarding.report_base import scope_of


def pg_attendance_month(
    school_id: int,
    class_id: int | None = None,
    year: int | None = None,
    month: int | None = None,
    **_: Any,
) -> Report:
    today = clock.today()
    year, month = year or today.year, month or today.month
    if not 1 <= month <= 12:
        raise ReportError("bad month", "Невалиден месец.")
    scope = scope_of(school_id, class_id)
    rows: list[list[Any]] = []
    highlight: set[int] = set()
    for klass in scope.classes:
        if not pg_attendance.is_pg(klass):
            continue
        grid = pg_attendance.month_grid(school_id, klass.id, year, month)
        for e in grid.pupils:
            c = grid.counts[e.student_id]
            if c.unexcused > rules.MAX_UNEXCUSED_DAYS:
                highlight.add(len(rows))
            rows.append(
                [klass.name, e.class_number, e.student.full_name, c.present, c.excused, c.unexcused]
            )
    return Report(
        "pg-attendance",
        "Присъствие в подготвителните групи за месеца",
        scope.school.name,
        rules.month_year_bg(year, month) + (f", {scope.names[class_id]}" if class_id else ""),
        ["Група", "№", "Дете", "Присъствия", "Отсъствия (уважителни)", "Отсъствия (неуважителни)"],
        rows,
        notes=[
            "Дневно присъствие се води само в подготвителните групи; в удебелено — повече от 3 "
            "неуважителни дни за месеца (рискът от отпадане се брои за цялата година)."
        ],
        highlight=highlight,
    )
