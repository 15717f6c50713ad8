"""The tests schedule (график на контролните и класните работи): one planned test of one class in
one subject (a curriculum row) on one date, optionally in one period. The Ministry's diary calls it
an ``Exam`` with a ``BookExamType`` (1 контролна, 2 класна); grades of such a test link to it
(``Grade.exam_id``). Planned tests are the one source of tests: events no longer carry them."""

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
    from tables.school import Curriculum
    from tables.school import SchoolClass
    from tables.school import Subject


class ExamKind(enum.StrEnum):
    CONTROL = "control"  # контролна работа, BookExamType 1
    CLASSWORK = "classwork"  # класна работа, BookExamType 2

    @property
    def code(self) -> int:
        """The Ministry's ``BookExamType`` code."""
        return 1 if self is ExamKind.CONTROL else 2


class Exam(Timestamped, Versioned, db.Model):
    __tablename__ = "exam"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    curriculum_id: Mapped[int] = mapped_column(ForeignKey("curriculum.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(
        ForeignKey("subject.id", ondelete="CASCADE"), comment="copied from curriculum for lookups"
    )
    kind: Mapped[ExamKind] = mapped_column(enum_type(ExamKind, "exam_kind"))
    date: Mapped[dt.date]
    period: Mapped[int | None] = mapped_column(sa.SmallInteger, comment="the lesson, if known")
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))

    school_class: Mapped[SchoolClass] = relationship()
    curriculum: Mapped[Curriculum] = relationship()
    subject: Mapped[Subject] = relationship()

    __table_args__ = (
        CheckConstraint("period IS NULL OR period BETWEEN 0 AND 15", name="period"),
        Index("ix_exam_class_date", "class_id", "date"),
        Index("ix_exam_curriculum_date", "curriculum_id", "date"),
        Index("ix_exam_school_date", "school_id", "date"),
    )
