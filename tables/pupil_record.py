"""The pupil's record in the legal class book: sanctions (ЗПУО чл. 199), support (обща и
допълнителна подкрепа) with its team and activities, individual work with a pupil, and the
class book's notes (бележки). The Ministry's codes are in :mod:`gradebook.rules.pupil_record`;
see docs/CLASS_BOOK.md."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from typing import Any

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
from tables.base import str100

if TYPE_CHECKING:
    from tables.people import StaffUser
    from tables.people import Student
    from tables.school import SchoolClass


def _year_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"), index=True)


def _class_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"), index=True)


def _author_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))


class Sanction(Timestamped, Versioned, db.Model):
    """A sanction of ЗПУО чл. 199 ал. 1 (``kind`` 1–5, the Ministry's ``SanctionType``) imposed
    by an order of the director, and its cancellation by a later order (чл. 203)."""

    __tablename__ = "sanction"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[int] = mapped_column(sa.SmallInteger, comment="ЗПУО чл. 199 ал. 1 т. 1–5")
    order_number: Mapped[str100]
    order_date: Mapped[dt.date]
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date | None]
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    cancel_order_number: Mapped[str] = mapped_column(sa.String(100), default="")
    cancel_order_date: Mapped[dt.date | None]
    cancel_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    author_id: Mapped[int | None] = _author_fk()

    student: Mapped[Student] = relationship()
    school_class: Mapped[SchoolClass] = relationship()

    __table_args__ = (CheckConstraint("kind BETWEEN 1 AND 5", name="kind"),)


class SupportTeamMember(db.Model):
    """A staff member on the team of a support measure."""

    __tablename__ = "support_team"
    support_id: Mapped[int] = mapped_column(
        ForeignKey("support_measure.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SupportMeasure(Timestamped, Versioned, db.Model):
    """Support for one pupil: the difficulties (codes 1–6), the team (staff), the dates, what it
    is for and the activities. As sensitive as a health note (docs/SECURITY.md)."""

    __tablename__ = "support_measure"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    additional: Mapped[bool] = mapped_column(default=False, comment="допълнителна подкрепа")
    difficulties: Mapped[list[Any]] = mapped_column(sa.JSON, comment="codes 1–6")
    start_date: Mapped[dt.date]
    end_date: Mapped[dt.date]
    description: Mapped[str] = mapped_column(sa.String(4000), default="")
    expected_result: Mapped[str] = mapped_column(sa.String(4000), default="")
    author_id: Mapped[int | None] = _author_fk()

    student: Mapped[Student] = relationship()
    team: Mapped[list[StaffUser]] = relationship(secondary="support_team", order_by="StaffUser.id")
    activities: Mapped[list[SupportActivity]] = relationship(
        back_populates="support",
        cascade="all, delete-orphan",
        order_by="SupportActivity.id",
    )


class SupportActivity(db.Model):
    """One activity of a support measure (code 1–22), its target, result and date."""

    __tablename__ = "support_activity"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    support_id: Mapped[int] = mapped_column(
        ForeignKey("support_measure.id", ondelete="CASCADE"), index=True
    )
    activity_type: Mapped[int] = mapped_column(sa.SmallInteger)
    target: Mapped[str] = mapped_column(sa.String(2000), default="")
    result: Mapped[str] = mapped_column(sa.String(2000), default="")
    date: Mapped[dt.date | None]

    support: Mapped[SupportMeasure] = relationship(back_populates="activities")

    __table_args__ = (CheckConstraint("activity_type BETWEEN 1 AND 22", name="activity_type"),)


class IndividualWork(Timestamped, Versioned, db.Model):
    """Individual work of a teacher with one pupil (the class book's "индивидуална работа")."""

    __tablename__ = "individual_work"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date]
    activity: Mapped[str] = mapped_column(sa.String(2000))
    teacher_id: Mapped[int | None] = _author_fk()

    student: Mapped[Student] = relationship()
    teacher: Mapped[StaffUser | None] = relationship()


class ClassNote(Timestamped, Versioned, db.Model):
    """A note (бележка) in a class's book: for the whole class, or about one pupil."""

    __tablename__ = "class_note"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = _year_fk()
    class_id: Mapped[int] = _class_fk()
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date]
    text: Mapped[str] = mapped_column(sa.String(2000))
    author_id: Mapped[int | None] = _author_fk()

    student: Mapped[Student | None] = relationship()
    author: Mapped[StaffUser | None] = relationship()

    __table_args__ = (Index("ix_class_note_class_date", "class_id", "date"),)
