"""Homework (домашна работа) given in a lesson, due on a later school day.

A ``Homework`` row hangs on the ``Lesson`` in which it was given (``date`` is that lesson's date,
the day the entry locks count by) and keeps copies of the lesson's class, curriculum row and
subject, so that the portal, the phone's read model and the lists read it with one indexed query
per class. The Ministry's class book has no homework entity of its own (homework appears there only
as a grade kind, code 5); see docs/CLASS_BOOK.md."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tables.base import Timestamped
from tables.base import Versioned
from tables.base import db
from tables.base import intpk
from tables.base import school_fk

if TYPE_CHECKING:  # relationships across modules resolve by name once models is imported
    from tables.lessons import Lesson
    from tables.people import StaffUser
    from tables.school import SchoolClass
    from tables.school import Subject


class Homework(Timestamped, Versioned, db.Model):
    __tablename__ = "homework"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(comment="the lesson's date: the day it was given")
    due_on: Mapped[dt.date] = mapped_column(comment="the school day it is due (after date)")
    text: Mapped[str] = mapped_column(sa.String(1000))
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), comment="who gave it"
    )

    lesson: Mapped[Lesson] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        CheckConstraint("due_on > date", name="due_after_given"),
        Index("ix_homework_class_due", "class_id", "due_on"),
        Index("ix_homework_school_date", "school_id", "date"),
        Index("ix_homework_teacher_date", "teacher_id", "date"),
    )
