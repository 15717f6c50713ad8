"""The year in the class book of a preparatory group and of a school class: the ПГ daily
attendance (the Ministry's ``Attendance``), the ПГ results (``PgResult``), first grade's overall
annual result (``FirstGradeResult``) and the annual result of a pupil with its retake exams
(``GradeResult``, ``GradeResultSubject``). Codes as the Ministry's
(:mod:`gradebook.rules.year_results`); see docs/CLASS_BOOK.md."""

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
from tables.base import Versioned
from tables.base import db
from tables.base import enum_type
from tables.base import intpk
from tables.base import school_fk
from tables.enums import ExcuseReason

if TYPE_CHECKING:
    from tables.people import Student
    from tables.school import Curriculum
    from tables.school import Subject


def _year_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"), index=True)


def _class_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"), index=True)


def _student_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)


def _author_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class PgAttendance(Timestamped, Versioned, db.Model):
    """One child's day in a preparatory group: ``kind`` 1 present, 2 unexcused, 3 excused (the
    Ministry's ``AttendanceType``), the reason and comment of an excused day only."""

    __tablename__ = "pg_attendance"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int] = _student_fk()
    date: Mapped[dt.date]
    kind: Mapped[int] = mapped_column(sa.SmallInteger, comment="AttendanceType 1–3")
    excuse_reason: Mapped[ExcuseReason | None] = mapped_column(
        enum_type(ExcuseReason, "pg_excuse_reason")
    )
    excuse_comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    teacher_id: Mapped[int | None] = _author_fk()

    student: Mapped[Student] = relationship()

    __table_args__ = (
        UniqueConstraint("student_id", "date"),
        CheckConstraint("kind BETWEEN 1 AND 3", name="kind"),
        CheckConstraint(
            "kind = 3 OR (excuse_reason IS NULL AND excuse_comment = '')",
            name="reason_only_excused",
        ),
        Index("ix_pg_attendance_class_date", "class_id", "date"),
    )


class PgResult(Timestamped, Versioned, db.Model):
    """A child's result in one subject (образователно направление) of a preparatory group: at the
    start and at the end of the school year, free text (the Ministry's ``PgResult``)."""

    __tablename__ = "pg_result"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int] = _student_fk()
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    start_result: Mapped[str] = mapped_column(sa.String(2000), default="")
    end_result: Mapped[str] = mapped_column(sa.String(2000), default="")
    author_id: Mapped[int | None] = _author_fk()

    subject: Mapped[Subject] = relationship()

    __table_args__ = (UniqueConstraint("class_id", "student_id", "subject_id"),)


class FirstGradeResult(Timestamped, Versioned, db.Model):
    """First grade's overall annual result (общ годишен резултат): a qualitative grade 2–6, or
    for a pupil with special educational needs a mark 1–3 — exactly one (``FirstGradeResult``)."""

    __tablename__ = "first_grade_result"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int] = _student_fk()
    qualitative: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="QualitativeGrade")
    special: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="SpecialNeedsGrade")
    author_id: Mapped[int | None] = _author_fk()

    __table_args__ = (
        UniqueConstraint("class_id", "student_id"),
        CheckConstraint("(qualitative IS NULL) <> (special IS NULL)", name="one_kind"),
        CheckConstraint("qualitative IS NULL OR qualitative BETWEEN 2 AND 6", name="qualitative"),
        CheckConstraint("special IS NULL OR special BETWEEN 1 AND 3", name="special"),
    )


class GradeResult(Timestamped, Versioned, db.Model):
    """A pupil's annual result (``GradeResultType``): 1 completes, 2 must sit retake exams (in
    the subjects below), 3 repeats; after the retake sessions the final result (1 or 3)."""

    __tablename__ = "grade_result"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int] = _student_fk()
    initial: Mapped[int] = mapped_column(sa.SmallInteger, comment="GradeResultType 1–3")
    final: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="1 or 3, after retakes")
    author_id: Mapped[int | None] = _author_fk()

    subjects: Mapped[list[GradeResultSubject]] = relationship(
        back_populates="grade_result",
        cascade="all, delete-orphan",
        order_by="GradeResultSubject.id",
    )

    __table_args__ = (
        UniqueConstraint("class_id", "student_id"),
        CheckConstraint("initial BETWEEN 1 AND 3", name="initial"),
        CheckConstraint("final IS NULL OR final IN (1, 3)", name="final"),
        CheckConstraint("final IS NULL OR initial = 2", name="final_after_retake"),
    )


class GradeResultSubject(db.Model):
    """A retake exam of an annual result: the curriculum row, and up to three sessions, each a
    grade 2–6 or "не се явил"."""

    __tablename__ = "grade_result_subject"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    grade_result_id: Mapped[int] = mapped_column(
        ForeignKey("grade_result.id", ondelete="CASCADE"), index=True
    )
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    session1_grade: Mapped[int | None] = mapped_column(sa.SmallInteger)
    session1_no_show: Mapped[bool] = mapped_column(default=False)
    session2_grade: Mapped[int | None] = mapped_column(sa.SmallInteger)
    session2_no_show: Mapped[bool] = mapped_column(default=False)
    session3_grade: Mapped[int | None] = mapped_column(sa.SmallInteger)
    session3_no_show: Mapped[bool] = mapped_column(default=False)

    grade_result: Mapped[GradeResult] = relationship(back_populates="subjects")
    curriculum: Mapped[Curriculum] = relationship()

    __table_args__ = (
        UniqueConstraint("grade_result_id", "curriculum_id"),
        CheckConstraint(
            "(session1_grade IS NULL OR session1_grade BETWEEN 2 AND 6)"
            " AND (session2_grade IS NULL OR session2_grade BETWEEN 2 AND 6)"
            " AND (session3_grade IS NULL OR session3_grade BETWEEN 2 AND 6)",
            name="session_grades",
        ),
    )
