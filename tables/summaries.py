"""Read models: what the phone line and the portal read, prepared when the data changes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from tables.base import ReadModel
from tables.base import db
from tables.base import intpk
from tables.base import school_fk


class StudentSummary(ReadModel, db.Model):
    """Per student and school year: everything the phone line reads (averages, latest grades,
    absence totals…) as JSON, rebuilt in the transaction that changes the data, so that an IVR
    step is one indexed read."""

    __tablename__ = "student_summary"
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student.id", ondelete="CASCADE"), primary_key=True
    )
    school_year_id: Mapped[int] = mapped_column(
        ForeignKey("school_year.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = school_fk()


class GroupSummary(ReadModel, db.Model):
    """Anonymous aggregates for a class (class_id set) or a year group (class_id NULL) per term,
    kept apart per reader (``source``): the phone line's class averages for menu 7 and the portal's
    comparison (averages per subject, bands, the distribution). Both are caches, rebuilt on demand."""

    __tablename__ = "group_summary"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    grade_level: Mapped[int] = mapped_column(sa.SmallInteger)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_class.id", ondelete="CASCADE"))
    term: Mapped[int] = mapped_column(sa.SmallInteger)
    source: Mapped[str] = mapped_column(
        sa.String(10),
        default="portal",
        comment="who keeps the row: 'phone' (gradebook.summary, menu 7) or 'portal' (portal.stats)",
    )
    __table_args__ = (
        UniqueConstraint("source", "school_year_id", "grade_level", "class_id", "term"),
        CheckConstraint("source IN ('phone', 'portal')", name="source"),
    )
