"""Teacher absences and the substitutions of their lessons (the Ministry's ``TeacherAbsence`` and
``TeacherAbsenceHour``).

A ``TeacherAbsence`` is one absence of one teacher, from a first to a last date (optionally from a
period of the first day and to a period of the last). A ``Substitution`` says what happens to one
``Lesson`` that the absence touches, with the Ministry's code (``TeacherAbsenceHourType``): 1 free
hour, 2 non-specialist substitute, 3 specialist substitute, 4 external lecturer (a name). The
lesson's ``teacher_id`` stays the timetable's teacher; the substitute is here. The rules (which
lessons an absence touches, double-booking, held or not) are ``gradebook.rules.substitutions``."""

from __future__ import annotations

import datetime as dt
import enum
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
from tables.base import enum_type
from tables.base import intpk
from tables.base import school_fk

if TYPE_CHECKING:  # relationships across modules resolve by name once models is imported
    from tables.lessons import Lesson
    from tables.people import StaffUser


class TeacherAbsenceReason(enum.Enum):
    """Why a teacher is absent (a short list; the Ministry keeps a free text, ours is a choice
    and a comment)."""

    ILLNESS = "illness"
    LEAVE = "leave"
    TRAINING = "training"
    BUSINESS_TRIP = "business_trip"
    OTHER = "other"


class TeacherAbsence(Timestamped, Versioned, db.Model):
    __tablename__ = "teacher_absence"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    from_period: Mapped[int | None] = mapped_column(
        sa.SmallInteger, comment="on the first day only; NULL = the whole day"
    )
    to_period: Mapped[int | None] = mapped_column(
        sa.SmallInteger, comment="on the last day only; NULL = the whole day"
    )
    reason: Mapped[TeacherAbsenceReason] = mapped_column(
        enum_type(TeacherAbsenceReason, "teacher_absence_reason")
    )
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    teacher: Mapped[StaffUser] = relationship(foreign_keys=[teacher_id])
    substitutions: Mapped[list[Substitution]] = relationship(
        back_populates="absence", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="days_order"),
        CheckConstraint(
            "(from_period IS NULL OR from_period BETWEEN 0 AND 15)"
            " AND (to_period IS NULL OR to_period BETWEEN 0 AND 15)",
            name="periods",
        ),
        Index("ix_teacher_absence_teacher_days", "school_id", "teacher_id", "first_day"),
    )


class Substitution(Timestamped, db.Model):
    __tablename__ = "substitution"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    absence_id: Mapped[int] = mapped_column(
        ForeignKey("teacher_absence.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[int] = mapped_column(
        sa.SmallInteger,
        comment="TeacherAbsenceHourType: 1 free hour, 2 non-specialist, 3 specialist, 4 external",
    )
    substitute_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    external_name: Mapped[str | None] = mapped_column(sa.String(200))

    absence: Mapped[TeacherAbsence] = relationship(back_populates="substitutions")
    lesson: Mapped[Lesson] = relationship()
    substitute: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        CheckConstraint("kind BETWEEN 1 AND 4", name="kind"),
        CheckConstraint(
            "(kind = 1 AND substitute_id IS NULL AND external_name IS NULL)"
            " OR (kind IN (2, 3) AND external_name IS NULL)"
            " OR (kind = 4 AND substitute_id IS NULL AND external_name IS NOT NULL)",
            name="kind_parts",
        ),
    )
