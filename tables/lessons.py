"""A lesson that took place (or should have): one timetable slot on one date.

The timetable says what is taught every week; a ``Lesson`` row is one occurrence of it, the row the
legal class book's teaching record hangs on (its topics, homework, the substitute who taught it).
It is created the first time anything is written about that lesson and keeps its own copy of the
class, curriculum row, subject, period and teacher, so that the record survives a later change or
deletion of the timetable (the slot is then NULL). The Ministry's diary calls it a
``ScheduleLesson``; every current grade and absence belongs to one."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tables.base import Timestamped
from tables.base import db
from tables.base import intpk
from tables.base import school_fk

if TYPE_CHECKING:  # relationships across modules resolve by name once models is imported
    from tables.people import StaffUser
    from tables.school import Curriculum
    from tables.school import SchoolClass
    from tables.school import Subject
    from tables.school import TimetableSlot


class Lesson(Timestamped, db.Model):
    __tablename__ = "lesson"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("timetable_slot.id", ondelete="SET NULL"),
        comment="NULL once the timetable row is gone; the lesson's own columns keep the record",
    )
    date: Mapped[dt.date]
    period: Mapped[int] = mapped_column(sa.SmallInteger)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"),
        comment="the timetable's teacher of the slot on that date (a substitute is recorded apart)",
    )

    slot: Mapped[TimetableSlot | None] = relationship()
    school_class: Mapped[SchoolClass] = relationship()
    curriculum: Mapped[Curriculum] = relationship()
    subject: Mapped[Subject] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        UniqueConstraint("slot_id", "date"),
        CheckConstraint("period BETWEEN 0 AND 15", name="period"),
        Index("ix_lesson_class_date", "class_id", "date"),
        Index("ix_lesson_school_date", "school_id", "date"),
    )
