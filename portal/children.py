"""The parent's children: the one entry to a child's data, scoped to the signed-in guardian.

The one entry to a child is :func:`child_context` (``guardian_id``, ``student_id``): it returns the
child only when a ``GuardianStudent`` link exists, otherwise it raises ``NotFound`` (404, never
403, so that ids of other families' children cannot even be probed). Every portal read takes the
resulting :class:`ChildContext`, and each query filters by the child's ``school_id`` and id.
Reads never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from config import clock
from models import Enrollment
from models import GuardianStudent
from models import School
from models import SchoolClass
from models import SchoolYear
from models import Student
from models import db
from portal.messages import msg


# --- the child -------------------------------------------------------------------------------------
@dataclass
class ChildContext:
    student: Student
    school: School
    relation: str
    school_class: SchoolClass | None = None
    school_year: SchoolYear | None = None

    @property
    def id(self) -> int:
        return self.student.id

    @property
    def class_name(self) -> str:
        return self.school_class.name if self.school_class else ""

    @property
    def label(self) -> str:
        cls = msg("label.child_class", name=self.class_name) if self.school_class else ""
        return f"{self.student.first_name} {self.student.last_name}{cls}"


def _current_enrollments(student_ids: list[int]) -> dict[int, tuple[SchoolClass, SchoolYear]]:
    """The class (and its school year) each student is in now: the current year, not left."""
    if not student_ids:
        return {}
    rows = db.session.execute(
        sa.select(Enrollment.student_id, SchoolClass, SchoolYear)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .join(SchoolYear, SchoolYear.id == SchoolClass.school_year_id)
        .where(
            Enrollment.student_id.in_(student_ids),
            Enrollment.left_on.is_(None),
            SchoolYear.is_current.is_(True),
        )
        .order_by(Enrollment.enrolled_on)
    ).all()
    return {sid: (cls, year) for sid, cls, year in rows}  # the latest enrolment wins


def children(guardian_id: int) -> list[ChildContext]:
    """The guardian's linked children (in any school), in a stable order."""
    rows = db.session.execute(
        sa.select(Student, School, GuardianStudent.relation)
        .join(GuardianStudent, GuardianStudent.student_id == Student.id)
        .join(School, School.id == Student.school_id)
        .where(GuardianStudent.guardian_id == guardian_id)
        .order_by(Student.first_name, Student.id)
    ).all()
    current = _current_enrollments([s.id for s, _, _ in rows])
    result = []
    for student, school, relation in rows:
        cls, year = current.get(student.id, (None, None))
        result.append(ChildContext(student, school, str(relation), cls, year))
    return result


def child_context(guardian_id: int, student_id: int) -> ChildContext:
    """The guardian's child ``student_id``; ``NotFound`` unless the two are linked."""
    row = db.session.execute(
        sa.select(Student, School, GuardianStudent.relation)
        .join(GuardianStudent, GuardianStudent.student_id == Student.id)
        .join(School, School.id == Student.school_id)
        .where(GuardianStudent.guardian_id == guardian_id, Student.id == student_id)
    ).first()
    if row is None:
        raise NotFound()
    student, school, relation = row
    cls, year = _current_enrollments([student.id]).get(student.id, (None, None))
    return ChildContext(student, school, str(relation), cls, year)


def current_term(ctx: ChildContext, today: dt.date | None = None) -> int:
    if ctx.school_year is None:
        return 1
    return ctx.school_year.term_of(today or clock.today())
