"""The diary itself: grades, absences and lates, remarks and praises, health notes, events,
parent meetings; the conversations between staff and parents and the read receipts of what a
parent has seen."""

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

from tables.base import GradeValue
from tables.base import Timestamped
from tables.base import Versioned
from tables.base import created
from tables.base import db
from tables.base import enum_type
from tables.base import intpk
from tables.base import school_fk
from tables.base import str20
from tables.base import str200
from tables.enums import AbsenceKind
from tables.enums import EventKind
from tables.enums import ExcuseReason
from tables.enums import GradeCategory
from tables.enums import GradeKind
from tables.enums import RemarkKind
from tables.enums import SopMark

if TYPE_CHECKING:  # relationships across modules resolve by name once models is imported
    from tables.people import Guardian
    from tables.people import StaffUser
    from tables.people import Student
    from tables.school import Curriculum
    from tables.school import SchoolClass
    from tables.school import Subject


# --- the diary -----------------------------------------------------------------------------------
class Grade(Timestamped, Versioned, db.Model):
    __tablename__ = "grade"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subject.id", ondelete="CASCADE"), comment="copied from curriculum for lookups"
    )
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    term: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="1, 2; NULL for annual")
    kind: Mapped[GradeKind] = mapped_column(enum_type(GradeKind, "grade_kind"))
    category: Mapped[GradeCategory] = mapped_column(
        enum_type(GradeCategory, "grade_category"), default=GradeCategory.QUANTITATIVE
    )
    value: Mapped[Decimal | None] = mapped_column(GradeValue())
    sop_mark: Mapped[SopMark | None] = mapped_column(enum_type(SopMark, "sop_mark"))
    date: Mapped[dt.date]
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    exam_id: Mapped[int | None] = mapped_column(
        ForeignKey("exam.id", ondelete="SET NULL"),
        index=True,
        comment="the planned test (tests schedule) a control or class test grade belongs to",
    )

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject] = relationship()
    curriculum: Mapped[Curriculum] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()

    __table_args__ = (
        CheckConstraint("value IS NULL OR value = 2 OR (value >= 3 AND value <= 6)", name="value"),
        CheckConstraint(
            "kind NOT IN ('term', 'annual') OR value IS NULL OR value IN (2, 3, 4, 5, 6)",
            name="final_whole",
        ),
        CheckConstraint(
            "(category = 'sop' AND sop_mark IS NOT NULL AND value IS NULL)"
            " OR (category <> 'sop' AND value IS NOT NULL AND sop_mark IS NULL)",
            name="value_or_sop",
        ),
        CheckConstraint("term IS NULL OR term IN (1, 2)", name="term"),
        CheckConstraint("(kind = 'annual') = (term IS NULL)", name="annual_no_term"),
        Index("ix_grade_student_term", "student_id", "school_year_id", "term"),
        Index("ix_grade_curriculum", "curriculum_id", "term"),
        Index("ix_grade_student_created", "student_id", "created_at"),
    )


class Absence(Timestamped, Versioned, db.Model):
    """One absence or late for one lesson. A late counts ½ unexcused in totals."""

    __tablename__ = "absence"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    period: Mapped[int] = mapped_column(sa.SmallInteger)
    term: Mapped[int] = mapped_column(sa.SmallInteger)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="SET NULL"))
    curriculum_id: Mapped[int | None] = mapped_column(
        ForeignKey("curriculum.id", ondelete="SET NULL")
    )
    kind: Mapped[AbsenceKind] = mapped_column(enum_type(AbsenceKind, "absence_kind"))
    excuse_reason: Mapped[ExcuseReason | None] = mapped_column(
        enum_type(ExcuseReason, "excuse_reason")
    )
    excuse_comment: Mapped[str] = mapped_column(sa.String(500), default="")
    excused_by_parent: Mapped[bool] = mapped_column(default=False)
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject | None] = relationship()

    __table_args__ = (
        UniqueConstraint("student_id", "date", "period"),
        CheckConstraint("period BETWEEN 0 AND 15", name="period"),
        CheckConstraint("term IN (1, 2)", name="term"),
        CheckConstraint("kind = 'excused' OR excuse_reason IS NULL", name="reason_only_excused"),
        Index("ix_absence_student_term", "student_id", "school_year_id", "term"),
    )


class Remark(Timestamped, Versioned, db.Model):
    __tablename__ = "remark"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RemarkKind] = mapped_column(enum_type(RemarkKind, "remark_kind"))
    text: Mapped[str] = mapped_column(sa.String(1000))
    date: Mapped[dt.date]
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="SET NULL"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()
    subject: Mapped[Subject | None] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()


class HealthNote(Timestamped, Versioned, db.Model):
    """Здравен статус. Special-category data (GDPR): visible to the class teacher, the school
    admin and the student's own parents only. Never a diagnosis: only what the school needs."""

    __tablename__ = "health_note"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    date_from: Mapped[dt.date]
    date_to: Mapped[dt.date | None]
    text: Mapped[str] = mapped_column(sa.String(1000), comment="no diagnoses")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    student: Mapped[Student] = relationship()


class Event(Timestamped, db.Model):
    """A school event, excursion, holiday… (tests are planned in ``tables.exams``): class-wide when class_id is set, else school-wide."""

    __tablename__ = "event"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="SET NULL"))
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, "event_kind"))
    title: Mapped[str200]
    description: Mapped[str] = mapped_column(sa.String(2000), default="")
    date: Mapped[dt.date]
    time: Mapped[dt.time | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    school_class: Mapped[SchoolClass | None] = relationship()
    subject: Mapped[Subject | None] = relationship()
    __table_args__ = (Index("ix_event_school_date", "school_id", "date"),)


class ParentMeeting(Timestamped, db.Model):
    __tablename__ = "parent_meeting"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("school_class.id", ondelete="CASCADE"), comment="NULL = whole school"
    )
    date: Mapped[dt.date]
    time: Mapped[dt.time]
    place: Mapped[str200] = mapped_column(default="")
    topic: Mapped[str] = mapped_column(sa.String(1000), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    reminder_sent_at: Mapped[dt.datetime | None]

    school_class: Mapped[SchoolClass | None] = relationship()
    __table_args__ = (Index("ix_parent_meeting_school_date", "school_id", "date"),)


# --- communication -------------------------------------------------------------------------------
class MessageThread(Timestamped, db.Model):
    __tablename__ = "message_thread"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int] = mapped_column(
        ForeignKey("guardian.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str200]

    messages: Mapped[list[Message]] = relationship(
        back_populates="thread", order_by="Message.created_at", cascade="all, delete-orphan"
    )
    student: Mapped[Student] = relationship()
    guardian: Mapped[Guardian] = relationship()
    staff: Mapped[StaffUser] = relationship()


class Message(db.Model):
    __tablename__ = "message"
    id: Mapped[intpk]
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("message_thread.id", ondelete="CASCADE"), index=True
    )
    from_staff: Mapped[bool] = mapped_column(comment="True: teacher → parent")
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[created]
    read_at: Mapped[dt.datetime | None]

    thread: Mapped[MessageThread] = relationship(back_populates="messages")


class SeenItem(db.Model):
    """Read receipt: a parent saw a grade or remark (shown to staff)."""

    __tablename__ = "seen_item"
    id: Mapped[intpk]
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    object_type: Mapped[str20]
    object_id: Mapped[int]
    seen_at: Mapped[created]
    __table_args__ = (
        UniqueConstraint("guardian_id", "object_type", "object_id"),
        Index("ix_seen_item_object", "object_type", "object_id"),
    )
