"""The report of pupils at risk of dropping out (``dropout-risk``), as the Ministry's class book
defines it (``StudentsAtRiskOfDroppingOut``; :mod:`gradebook.rules.dropout`): over the school year
up to today, more than 5 unexcused hours (a late ½) or more than 3 unexcused days. Unlike
``at-risk`` (a month's hours against the school's АСП threshold) it counts the whole year."""

from __future__ import annotations

from typing import Any

from config import clock
from gradebook import dropout
from gradebook import rules
from onboarding.report_base import Report
from onboarding.report_base import scope_of


def dropout_risk(school_id: int, class_id: int | None = None, **_: Any) -> Report:
    scope = scope_of(school_id, class_id)
    until = min(clock.today(), scope.year.ends_on)
    found = dropout.risks(school_id, scope.year.id, scope.student_ids, until)
    rows: list[list[Any]] = []
    for class_id_, number, student_id, name in scope.roster:
        risk = found[student_id]
        if not risk.at_risk:
            continue
        reasons = []
        if risk.by_hours:
            reasons.append("над 5 неуважителни часа")
        if risk.by_days:
            reasons.append("над 3 неуважителни дни")
        rows.append(
            [scope.names[class_id_], number, name, risk.hours, risk.days, "; ".join(reasons)]
        )
    return Report(
        "dropout-risk",
        "Ученици в риск от отпадане",
        scope.school.name,
        f"{scope.year.name}, до {rules.format_date_bg(until)}"
        + (f", {scope.names[class_id]} клас" if class_id else ""),
        [
            "Клас",
            "№",
            "Ученик",
            "Неуважителни часове (закъснение = ½)",
            "Неуважителни дни",
            "Основание",
        ],
        rows,
        notes=[
            "Както в отчета на МОН „Ученици в риск от отпадане“: от началото на учебната година "
            "до днес, повече от 5 неуважителни часа (закъснение = ½) или повече от 3 "
            "неуважителни дни (дните се отчитат само от дневното присъствие в ПГ)."
        ],
        highlight=set(range(len(rows))),
    )
