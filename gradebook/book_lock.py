"""The lock of a finalised class book: once the director's signed PDF of a class's book for a
year is uploaded (``gradebook.book_seal``), no entry of that book may be written any more — a
grade, an absence or late, a lesson and its topics, homework, a planned test, a remark, a
sanction, support and its activities, individual work, a class-book note, a class's event or
parent meeting, a substitution of one of its lessons, its curriculum rows and timetable — until an admin unlocks it with a reason.

:func:`check_book_open` is the class-aware check; it is called for every write by one
``before_flush`` listener (:func:`init_app`), so that no write path, present or future, can
forget it: the listener looks at every new, changed and deleted row of the class-book tables in
the flush, finds its class and year (:data:`CLASS_OF`), and raises :class:`core.Locked` with the
Bulgarian reason when that book is sealed. The session is then rolled back by the use-case
(``core.atomic``), so nothing is saved. A table that holds a class-book entry adds one line to
:data:`CLASS_OF` (docs/CLASS_BOOK.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from gradebook.core import Locked
from gradebook.messages import msg
from models import Absence
from models import ClassBookSeal
from models import ClassNote
from models import Curriculum
from models import Enrollment
from models import Event
from models import Exam
from models import FirstGradeResult
from models import Grade
from models import GradeResult
from models import GradeResultSubject
from models import Homework
from models import IndividualWork
from models import Lesson
from models import LessonTopic
from models import ParentMeeting
from models import PgAttendance
from models import PgResult
from models import Remark
from models import Sanction
from models import SchoolClass
from models import SchoolYear
from models import Substitution
from models import SupportActivity
from models import SupportMeasure
from models import SupportTeamMember
from models import TimetableSlot
from models import db

Target = tuple[int | None, int | None]  # (class id, school year id); None: not a class's entry


def _own(row: Any) -> Target:
    return row.class_id, row.school_year_id


def _of_student(session: Session, student_id: int, year_id: int) -> int | None:
    return session.scalar(
        sa.select(Enrollment.class_id)
        .join(SchoolClass, SchoolClass.id == Enrollment.class_id)
        .where(Enrollment.student_id == student_id, SchoolClass.school_year_id == year_id)
        .order_by(Enrollment.left_on.is_(None).desc(), Enrollment.id.desc())
        .limit(1)
    )


def _curriculum_class(session: Session, curriculum_id: int | None) -> int | None:
    row = session.get(Curriculum, curriculum_id) if curriculum_id else None
    return row.class_id if row is not None else None


def _grade(session: Session, row: Grade) -> Target:
    return _curriculum_class(session, row.curriculum_id), row.school_year_id


def _absence(session: Session, row: Absence) -> Target:
    klass = _curriculum_class(session, row.curriculum_id)
    if klass is None:
        klass = _of_student(session, row.student_id, row.school_year_id)
    return klass, row.school_year_id


def _remark(session: Session, row: Remark) -> Target:
    return _of_student(session, row.student_id, row.school_year_id), row.school_year_id


def _lesson_of(session: Session, row: Any) -> Target:
    return _class_year(session, session.get(Lesson, row.lesson_id) if row.lesson_id else None)


def _support_of(session: Session, row: Any) -> Target:
    support = session.get(SupportMeasure, row.support_id) if row.support_id else None
    return _class_year(session, support)


def _result_of(session: Session, row: Any) -> Target:
    result = row.grade_result or (
        session.get(GradeResult, row.grade_result_id) if row.grade_result_id else None
    )
    return _own(result) if result is not None else (None, None)


def _class_year(session: Session, row: Any) -> Target:
    """The class of a row with a ``class_id`` (its own, its lesson's, its measure's) and its year."""
    klass = session.get(SchoolClass, row.class_id) if row is not None and row.class_id else None
    return (klass.id, klass.school_year_id) if klass is not None else (None, None)


# table → how to find the class and year of one of its rows
CLASS_OF: dict[type, Callable[[Session, Any], Target]] = {
    Grade: _grade,
    Absence: _absence,
    Remark: _remark,
    Lesson: lambda session, row: _own(row),
    LessonTopic: _lesson_of,
    Substitution: _lesson_of,
    Homework: lambda session, row: _own(row),
    Exam: lambda session, row: _own(row),
    Sanction: lambda session, row: _own(row),
    SupportMeasure: lambda session, row: _own(row),
    SupportActivity: _support_of,
    SupportTeamMember: _support_of,
    IndividualWork: lambda session, row: _own(row),
    ClassNote: lambda session, row: _own(row),
    Event: lambda session, row: _own(row),
    ParentMeeting: lambda session, row: _own(row),
    Curriculum: _class_year,  # the teachers and subjects, the weekly timetable: the book's first
    TimetableSlot: _class_year,  # sections, printed as they stand
    PgAttendance: lambda session, row: _own(row),
    PgResult: lambda session, row: _own(row),
    FirstGradeResult: lambda session, row: _own(row),
    GradeResult: lambda session, row: _own(row),
    GradeResultSubject: lambda session, row: _result_of(session, row),
}


def is_sealed(class_id: int, year_id: int) -> bool:
    found = db.session.scalar(
        sa.select(ClassBookSeal.id).where(
            ClassBookSeal.class_id == class_id, ClassBookSeal.school_year_id == year_id
        )
    )
    return found is not None


def locked_error(session: Session, class_id: int, year_id: int) -> Locked:
    klass = session.get(SchoolClass, class_id)
    year = session.get(SchoolYear, year_id)
    text = msg(
        "book.locked",
        name=klass.name if klass is not None else "",
        year=year.name if year is not None else "",
    )
    return Locked(text, {"date": text})


def check_book_open(class_id: int, year_id: int) -> None:
    """Raise :class:`Locked` when the class's book for that year is finalised (signed)."""
    if is_sealed(class_id, year_id):
        raise locked_error(db.session, class_id, year_id)


def _changed_rows(session: Session) -> list[Any]:
    rows = [row for row in session.new if type(row) in CLASS_OF]
    rows += [row for row in session.deleted if type(row) in CLASS_OF]
    rows += [
        row
        for row in session.dirty
        if type(row) in CLASS_OF and session.is_modified(row, include_collections=False)
    ]
    return rows


def _guard(session: Session, flush_context: Any, instances: Any) -> None:
    rows = _changed_rows(session)
    if not rows:
        return
    with session.no_autoflush:
        school_ids = {getattr(row, "school_id", None) for row in rows}
        query = sa.select(ClassBookSeal.class_id, ClassBookSeal.school_year_id)
        if None not in school_ids:  # a support team's row has no school of its own
            query = query.where(ClassBookSeal.school_id.in_(school_ids))
        sealed = set(session.execute(query))
        if not sealed:
            return  # the usual case: one small query, nothing sealed in these schools
        for row in rows:
            target = CLASS_OF[type(row)](session, row)
            if target in sealed:
                class_id, year_id = target
                assert class_id is not None and year_id is not None
                raise locked_error(session, class_id, year_id)


def open_books(school_id: int, year_id: int) -> list[SchoolClass]:
    """The classes of the year whose book is not finalised, in grade and name order (the
    school-year transition refuses to close a year while any is open)."""
    sealed = sa.select(ClassBookSeal.class_id).where(ClassBookSeal.school_year_id == year_id)
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .where(
                SchoolClass.school_id == school_id,
                SchoolClass.school_year_id == year_id,
                SchoolClass.id.not_in(sealed),
            )
            .order_by(SchoolClass.grade_level, SchoolClass.name)
        )
    )


def init_app(app: Flask) -> None:
    """Check every flush of every session (once per process: the listener is on the class)."""
    if not sa.event.contains(Session, "before_flush", _guard):
        sa.event.listen(Session, "before_flush", _guard)
