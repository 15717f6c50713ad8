"""A parent's note (бележка от родител): the parent tells the school that the child is or was
absent, from one day to another (the first day whole or from a lesson on), with a reason from the
legal list, in the portal or by phone. The class teacher confirms it (the lessons in the range are
excused, within the parent's days of the year) or refuses it. An attached scan of a medical note
is stored on disk under ``instance/parent_notes/<school>/`` and only its name is kept here.
"""

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
from tables.enums import ExcuseReason

if TYPE_CHECKING:
    from tables.people import Guardian
    from tables.people import Student


class NoteStatus(enum.StrEnum):
    PENDING = "pending"  # sent by the parent, not yet decided
    CONFIRMED = "confirmed"  # the class teacher confirmed: the lessons are excused
    REFUSED = "refused"  # the class teacher refused (with a reason)
    WITHDRAWN = "withdrawn"  # the parent took it back before the decision


class NoteChannel(enum.StrEnum):
    PORTAL = "portal"
    PHONE = "phone"


class ParentNote(Timestamped, Versioned, db.Model):
    __tablename__ = "parent_note"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian.id", ondelete="SET NULL"), comment="who sent it"
    )
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    from_period: Mapped[int | None] = mapped_column(
        sa.SmallInteger, comment="the first day from this lesson on; NULL = the whole day"
    )
    reason: Mapped[ExcuseReason] = mapped_column(enum_type(ExcuseReason, "note_reason"))
    comment: Mapped[str] = mapped_column(sa.String(500), default="")
    channel: Mapped[NoteChannel] = mapped_column(enum_type(NoteChannel, "note_channel"))
    status: Mapped[NoteStatus] = mapped_column(
        enum_type(NoteStatus, "note_status"), default=NoteStatus.PENDING
    )
    document_file: Mapped[str | None] = mapped_column(
        sa.String(80), comment="stored file name of the scan (random token), never the upload's"
    )
    document_type: Mapped[str | None] = mapped_column(sa.String(40))
    document_size: Mapped[int | None]
    days_counted: Mapped[int] = mapped_column(
        sa.SmallInteger, default=0, comment="parent's days of the year this note used"
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None]
    refusal_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    call_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("call_session.id", ondelete="SET NULL"), comment="the call it was sent from"
    )

    student: Mapped[Student] = relationship()
    guardian: Mapped[Guardian | None] = relationship()

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="note_range"),
        CheckConstraint(
            "from_period IS NULL OR from_period BETWEEN 0 AND 15", name="note_from_period"
        ),
        Index("ix_parent_note_student", "student_id", "starts_on"),
        Index("ix_parent_note_school_status", "school_id", "status"),
    )
