"""Who is at risk of dropping out, counted from the diary as the Ministry's report
``StudentsAtRiskOfDroppingOut`` does (the rule: :mod:`gradebook.rules.dropout`): the school
year's unexcused lesson absences and lates up to a date (a late ½), and the unexcused days of
daily attendance where a class keeps it (ПГ: :func:`gradebook.pg_attendance.unexcused_days`;
a class with lessons keeps none, so its ``days`` are 0). Reads only; every query is scoped to
the school."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa

from config import clock
from gradebook import pg_attendance
from gradebook import rules
from models import Absence
from models import AbsenceKind
from models import db


def year_kinds(
    school_id: int, year_id: int, student_ids: Sequence[int], until: dt.date | None = None
) -> dict[int, list[str]]:
    """Pupil id → the kinds of their lesson absences of the year up to ``until`` (today)."""
    last = until or clock.today()
    kinds: dict[int, list[str]] = defaultdict(list)
    ids = list(student_ids)
    for start in range(0, len(ids), 500):
        for student_id, kind, count in db.session.execute(
            sa.select(Absence.student_id, Absence.kind, sa.func.count())
            .where(
                Absence.school_id == school_id,
                Absence.school_year_id == year_id,
                Absence.student_id.in_(ids[start : start + 500]),
                Absence.date <= last,
            )
            .group_by(Absence.student_id, Absence.kind)
        ):
            kinds[student_id] += [str(AbsenceKind(kind))] * count
    return kinds


def risks(
    school_id: int, year_id: int, student_ids: Sequence[int], until: dt.date | None = None
) -> dict[int, rules.DropoutRisk]:
    kinds = year_kinds(school_id, year_id, student_ids, until)
    days = pg_attendance.unexcused_days(school_id, year_id, student_ids, until)
    return {
        sid: rules.dropout_risk(kinds.get(sid, []), ["unexcused"] * days.get(sid, 0))
        for sid in student_ids
    }


def risk_of_student(school_id: int, student_id: int, year_id: int) -> rules.DropoutRisk:
    return risks(school_id, year_id, [student_id])[student_id]
