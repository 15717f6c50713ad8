"""What the child's timetable shows of absent teachers (reads only): the lessons of the child's
class in the coming week that are free hours (not held) or taught by a substitute, by day and
period. The child is the one of ``ChildContext`` (linked to the signed-in parent); every query
filters by its school and class."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from gradebook import rules
from gradebook.rules import substitutions as sub_rules
from models import Lesson
from models import StaffUser
from models import Subject
from models import Substitution
from models import db
from portal.children import ChildContext

DAYS_AHEAD = 7


def timetable_changes(ctx: ChildContext, today: dt.date) -> list[dict[str, Any]]:
    """The week's changes of the class's timetable: {date, date_text, weekday, period, subject,
    free (a free hour), kind (the Ministry's words), substitute (a name, or "")}."""
    if ctx.school_class is None:
        return []
    rows = db.session.execute(
        sa.select(Substitution, Lesson, Subject.name, StaffUser.full_name)
        .join(Lesson, Lesson.id == Substitution.lesson_id)
        .join(Subject, Subject.id == Lesson.subject_id)
        .outerjoin(StaffUser, StaffUser.id == Substitution.substitute_id)
        .where(
            Substitution.school_id == ctx.school.id,
            Lesson.school_id == ctx.school.id,
            Lesson.class_id == ctx.school_class.id,
            Lesson.date >= today,
            Lesson.date <= today + dt.timedelta(days=DAYS_AHEAD),
        )
        .order_by(Lesson.date, Lesson.period)
    ).all()
    return [
        {
            "date": lesson.date,
            "date_text": rules.format_date_bg(lesson.date),
            "weekday": rules.WEEKDAYS_BG[lesson.date.isoweekday() - 1],
            "period": lesson.period,
            "subject": subject,
            "free": not sub_rules.is_held(sub.kind),
            "kind": sub_rules.KIND_BG[sub.kind],
            "substitute": substitute or sub.external_name or "",
        }
        for sub, lesson, subject, substitute in rows
    ]
