"""Outbound calls: the urgent notices the line calls out for ("your child is not at school",
a school-wide voice message), every call placed for them, the school's settings of the calls
and the shared calls-per-second slot that all workers keep to (``ivr/outbound.py``)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from tables.base import Timestamped
from tables.base import created
from tables.base import db
from tables.base import enum_type
from tables.base import intpk
from tables.base import school_fk
from tables.base import utcnow
from tables.enums import AlertChannel


class NoticePurpose(enum.StrEnum):
    NOT_AT_SCHOOL = "not_at_school"
    BROADCAST = "broadcast"


class NoticeState(enum.StrEnum):
    ACTIVE = "active"  # escalating: the next step is due at next_at
    REACHED = "reached"  # a guardian heard it or acknowledged it: stopped
    EXHAUSTED = "exhausted"  # every step tried, nobody reached
    CANCELLED = "cancelled"  # e.g. the absence was excused before the call


class CallRowStatus(enum.StrEnum):
    PENDING = "pending"  # to be placed at due_at
    SENDING = "sending"  # claimed by a worker, calls.create may be in flight
    UNKNOWN = "unknown"  # calls.create's outcome unknown: looked up at Twilio, never re-placed
    PLACED = "placed"  # Twilio has the call (call_sid set); waiting for its end
    ENDED = "ended"  # Twilio's final status recorded
    FAILED = "failed"  # refused by Twilio (invalid number…) or given up
    CANCELLED = "cancelled"  # the notice stopped before this call was placed


class OutboundSettings(db.Model):
    """A school's settings of the outbound calls (defaults when the row is missing)."""

    __tablename__ = "outbound_settings"
    id: Mapped[intpk]
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"), unique=True)
    absence_call_time: Mapped[dt.time] = mapped_column(default=dt.time(10, 0))
    absence_calls: Mapped[bool] = mapped_column(default=True, comment="'not at school' calls on")
    duty_name: Mapped[str] = mapped_column(sa.String(200), default="")
    duty_phone: Mapped[str | None] = mapped_column(sa.String(20))
    duty_email: Mapped[str | None] = mapped_column(sa.String(200))
    duty_channel: Mapped[AlertChannel] = mapped_column(
        enum_type(AlertChannel, "alert_channel"),
        default=AlertChannel.BOTH,
        comment="how the duty contact is told: sms, email or both",
    )
    retry_rounds: Mapped[int] = mapped_column(sa.SmallInteger, default=3)
    retry_minutes: Mapped[int] = mapped_column(sa.SmallInteger, default=10)


class VoiceBroadcast(db.Model):
    """A school-wide voice message typed by the admin (one notice per family)."""

    __tablename__ = "voice_broadcast"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    text: Mapped[str] = mapped_column(sa.String(600))
    class_ids: Mapped[list[Any]] = mapped_column(default=list, comment="empty: the whole school")
    emergency: Mapped[bool] = mapped_column(default=False, comment="may call in quiet hours")
    families: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[created]


class OutboundNotice(Timestamped, db.Model):
    """One urgent notice to one family, escalated step by step (``ivr/escalation.py``) until a
    guardian is reached or acknowledges it."""

    __tablename__ = "outbound_notice"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    purpose: Mapped[NoticePurpose] = mapped_column(enum_type(NoticePurpose, "notice_purpose"))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("voice_broadcast.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date]
    family_key: Mapped[str] = mapped_column(sa.String(120), comment="sorted guardian ids")
    student_ids: Mapped[list[Any]] = mapped_column(default=list)
    guardian_ids: Mapped[list[Any]] = mapped_column(default=list, comment="in calling order")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict, comment="what is said")
    emergency: Mapped[bool] = mapped_column(default=False)
    state: Mapped[NoticeState] = mapped_column(
        enum_type(NoticeState, "notice_state"), default=NoticeState.ACTIVE
    )
    step: Mapped[int] = mapped_column(default=0, comment="index of the next escalation step")
    next_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    waiting_call_id: Mapped[int | None] = mapped_column(comment="the call whose end is awaited")
    reached_guardian_id: Mapped[int | None] = mapped_column(
        ForeignKey("guardian.id", ondelete="SET NULL")
    )
    reached_at: Mapped[dt.datetime | None]
    reached_how: Mapped[str | None] = mapped_column(sa.String(20))
    answer: Mapped[str | None] = mapped_column(sa.String(2), comment="key pressed: 1 or 2")
    answer_at: Mapped[dt.datetime | None]
    __table_args__ = (
        UniqueConstraint("school_id", "purpose", "day", "family_key", "broadcast_id"),
        Index("ix_outbound_notice_due", "state", "next_at"),
    )


class OutboundCall(Timestamped, db.Model):
    """One call placed (or to be placed) to one guardian: an outbox row of the voice channel.
    Claimed, placed once, reconciled through Twilio's REST API when the outcome is unknown."""

    __tablename__ = "outbound_call"
    id: Mapped[intpk]
    school_id: Mapped[int] = school_fk()
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_notice.id", ondelete="CASCADE"), index=True
    )
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))
    to_number: Mapped[str] = mapped_column(sa.String(20))
    round: Mapped[int] = mapped_column(sa.SmallInteger, default=1)
    status: Mapped[CallRowStatus] = mapped_column(
        enum_type(CallRowStatus, "call_row_status"), default=CallRowStatus.PENDING
    )
    due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[dt.datetime | None]
    placed_at: Mapped[dt.datetime | None]
    call_sid: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    call_status: Mapped[str | None] = mapped_column(sa.String(20), comment="Twilio's own")
    answered_by: Mapped[str | None] = mapped_column(sa.String(30))
    digits: Mapped[str | None] = mapped_column(sa.String(4))
    digits_at: Mapped[dt.datetime | None]
    flow_step: Mapped[int] = mapped_column(default=0, comment="webhook step, for Twilio retries")
    flow_state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_twiml: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[str | None] = mapped_column(
        sa.String(20), comment="reached, machine, busy, no_answer, failed"
    )
    duration: Mapped[int | None]
    ended_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    __table_args__ = (Index("ix_outbound_call_status_due", "status", "due_at"),)


class CallRateSlot(db.Model):
    """The next free moment to start a call, shared by every worker: each placement takes the
    slot under a row lock and moves it on by 1 / OUTBOUND_CALLS_PER_SECOND."""

    __tablename__ = "call_rate_slot"
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    next_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
