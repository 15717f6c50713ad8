"""The school and its calendar: schools, school years, non-school days, the end of classes,
classes (паралелки), subjects, the curriculum (учебен план), bells and the timetable, and the
sign-up request of a school that wants to join."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tables.base import created
from tables.base import db
from tables.base import enum_type
from tables.base import intpk
from tables.base import school_fk
from tables.base import str100
from tables.base import str200
from tables.enums import CurriculumSection
from tables.enums import SignupStatus

if TYPE_CHECKING:  # relationships across modules resolve by name once models is imported
    from tables.people import Enrollment
    from tables.people import StaffUser


# --- tenants, calendar ---------------------------------------------------------------------------
class School(db.Model):
    __tablename__ = "school"
    id: Mapped[intpk]
    name: Mapped[str200]
    neispuo_code: Mapped[str] = mapped_column(
        sa.String(7), unique=True, comment="НЕИСПУО institution code, 7 digits"
    )
    town: Mapped[str100] = mapped_column(default="")
    address: Mapped[str200] = mapped_column(default="")
    info_phone: Mapped[str | None] = mapped_column(
        sa.String(20), comment="the information number parents call (E.164)"
    )
    email: Mapped[str | None] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    absence_threshold: Mapped[Decimal] = mapped_column(
        sa.Numeric(4, 1),
        default=Decimal("5"),
        comment="weighted unexcused hours in a month above which parents are alerted (АСП)",
    )
    pg_absence_threshold_days: Mapped[int] = mapped_column(
        sa.SmallInteger,
        default=3,
        comment="unexcused days of a ПГ child in a month above which parents are alerted (АСП)",
    )
    quiet_start: Mapped[dt.time] = mapped_column(default=dt.time(20, 0))
    quiet_end: Mapped[dt.time] = mapped_column(default=dt.time(8, 0))
    digest_time: Mapped[dt.time] = mapped_column(default=dt.time(18, 0))
    parent_excuse_days_year: Mapped[int] = mapped_column(default=15)
    parent_excuse_days_in_row: Mapped[int] = mapped_column(default=5)
    created_at: Mapped[created]

    years: Mapped[list[SchoolYear]] = relationship(back_populates="school")

    __table_args__ = (CheckConstraint("length(neispuo_code) = 7", name="neispuo_code_len"),)


class SchoolYear(db.Model):
    """One school year of one school, with the dates of the ministerial order stored, never
    hard-coded."""

    __tablename__ = "school_year"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    name: Mapped[str] = mapped_column(sa.String(9), comment='"2025/2026"')
    starts_on: Mapped[dt.date]
    term2_starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    is_current: Mapped[bool] = mapped_column(default=True)
    month_lock_day: Mapped[int | None] = mapped_column(
        comment="entries of a past month lock after this day of the next month; NULL = never"
    )
    future_entry_lock: Mapped[bool] = mapped_column(default=True)

    school: Mapped[School] = relationship(back_populates="years")
    non_school_days: Mapped[list[NonSchoolDay]] = relationship(
        back_populates="school_year", cascade="all, delete-orphan"
    )
    class_ends: Mapped[list[ClassesEnd]] = relationship(
        back_populates="school_year", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("school_id", "name"),
        CheckConstraint(
            "starts_on < term2_starts_on AND term2_starts_on < ends_on", name="dates_order"
        ),
        CheckConstraint(
            "month_lock_day IS NULL OR (month_lock_day BETWEEN 1 AND 28)", name="lock_day"
        ),
    )

    def term_of(self, day: dt.date) -> int:
        return 1 if day < self.term2_starts_on else 2

    @classmethod
    def current_for(cls, school_id: int) -> SchoolYear | None:
        """The school's current year (of those marked current, the latest to start), or None."""
        return db.session.scalar(
            sa.select(cls)
            .where(cls.school_id == school_id, cls.is_current.is_(True))
            .order_by(cls.starts_on.desc())
            .limit(1)
        )


class NonSchoolDay(db.Model):
    """Vacations, holidays and other non-school periods (inclusive range)."""

    __tablename__ = "non_school_day"
    id: Mapped[intpk]
    school_year_id: Mapped[int] = mapped_column(
        ForeignKey("school_year.id", ondelete="CASCADE"), index=True
    )
    date_from: Mapped[dt.date]
    date_to: Mapped[dt.date]
    name: Mapped[str200]
    grade_from: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    grade_to: Mapped[int] = mapped_column(sa.SmallInteger, default=12)

    school_year: Mapped[SchoolYear] = relationship(back_populates="non_school_days")
    __table_args__ = (CheckConstraint("date_from <= date_to", name="range"),)


class ClassesEnd(db.Model):
    """End of classes for a band of grade levels (e.g. XII 15.05, I–III 29.05)."""

    __tablename__ = "classes_end"
    id: Mapped[intpk]
    school_year_id: Mapped[int] = mapped_column(
        ForeignKey("school_year.id", ondelete="CASCADE"), index=True
    )
    grade_from: Mapped[int] = mapped_column(sa.SmallInteger)
    grade_to: Mapped[int] = mapped_column(sa.SmallInteger)
    ends_on: Mapped[dt.date]

    school_year: Mapped[SchoolYear] = relationship(back_populates="class_ends")


# --- classes, subjects, curriculum ---------------------------------------------------------------
class SchoolClass(db.Model):
    """A паралелка: one section of a grade level in one school year (e.g. "8е")."""

    __tablename__ = "school_class"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int] = mapped_column(sa.SmallInteger, comment="0 = ПГ, 1–12")
    name: Mapped[str] = mapped_column(sa.String(20))
    class_teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    shift: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    profile: Mapped[str100] = mapped_column(default="", comment="профил / специалност")

    school_year: Mapped[SchoolYear] = relationship()
    class_teacher: Mapped[StaffUser | None] = relationship()
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="school_class")

    __table_args__ = (
        UniqueConstraint("school_id", "school_year_id", "name"),
        CheckConstraint("grade_level BETWEEN 0 AND 12", name="grade_level"),
        CheckConstraint("shift IN (1, 2)", name="shift"),
        Index("ix_school_class_year_level", "school_year_id", "grade_level"),
    )


class Subject(db.Model):
    __tablename__ = "subject"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    name: Mapped[str100]
    short_name: Mapped[str] = mapped_column(sa.String(20), default="")
    spoken_name: Mapped[str | None] = mapped_column(
        sa.String(100), comment="how the phone line says it, when the written name reads badly"
    )
    __table_args__ = (UniqueConstraint("school_id", "name"),)


class Curriculum(db.Model):
    """Учебен план: one subject taught to one class by one teacher, with hours per week."""

    __tablename__ = "curriculum"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    section: Mapped[CurriculumSection] = mapped_column(
        enum_type(CurriculumSection, "curriculum_section"), default=CurriculumSection.A
    )
    hours_term1: Mapped[Decimal] = mapped_column(sa.Numeric(3, 1), default=Decimal("0"))
    hours_term2: Mapped[Decimal] = mapped_column(sa.Numeric(3, 1), default=Decimal("0"))
    group_name: Mapped[str] = mapped_column(
        sa.String(40), default="", comment="split groups (e.g. languages), '' = whole class"
    )

    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        UniqueConstraint("class_id", "subject_id", "section", "group_name"),
        Index("ix_curriculum_class_subject", "class_id", "subject_id"),
    )


# --- timetable -----------------------------------------------------------------------------------
class BellTime(db.Model):
    """Звънец: start and end of each period, per shift."""

    __tablename__ = "bell_time"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    shift: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    period: Mapped[int] = mapped_column(sa.SmallInteger)
    starts_at: Mapped[dt.time]
    ends_at: Mapped[dt.time]
    __table_args__ = (
        UniqueConstraint("school_id", "shift", "period"),
        CheckConstraint("starts_at < ends_at", name="order"),
        CheckConstraint("period BETWEEN 0 AND 15", name="period"),
    )


class TimetableSlot(db.Model):
    __tablename__ = "timetable_slot"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    term: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="NULL = both terms")
    weekday: Mapped[int] = mapped_column(sa.SmallInteger, comment="1 = Monday … 7 = Sunday")
    period: Mapped[int] = mapped_column(sa.SmallInteger)
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    teacher_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    room: Mapped[str] = mapped_column(sa.String(20), default="")
    starts_at: Mapped[dt.time | None] = mapped_column(comment="overrides the bell time")
    ends_at: Mapped[dt.time | None]

    school_class: Mapped[SchoolClass] = relationship()
    subject: Mapped[Subject] = relationship()
    curriculum: Mapped[Curriculum] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()
    __table_args__ = (
        UniqueConstraint("class_id", "term", "weekday", "period", "curriculum_id"),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday"),
        CheckConstraint("period BETWEEN 0 AND 15", name="period"),
        Index("ix_timetable_class_day", "class_id", "weekday"),
    )


# --- joining -------------------------------------------------------------------------------------
class SignupRequest(db.Model):
    """A school asking to join, reviewed by an operator."""

    __tablename__ = "signup_request"
    id: Mapped[intpk]
    school_name: Mapped[str200]
    neispuo_code: Mapped[str] = mapped_column(sa.String(7))
    town: Mapped[str100]
    director_name: Mapped[str200]
    email: Mapped[str200]
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    note: Mapped[str] = mapped_column(sa.String(2000), default="")
    status: Mapped[SignupStatus] = mapped_column(
        enum_type(SignupStatus, "signup_status"), default=SignupStatus.PENDING
    )
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]
