"""Notifications: what each parent chose to receive, the transactional outbox the workers
drain, and the codes and links sent by SMS and e-mail while a parent registers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from tables.base import Timestamped
from tables.base import created
from tables.base import db
from tables.base import enum_type
from tables.base import intpk
from tables.base import str20
from tables.base import str200
from tables.base import utcnow
from tables.enums import Channel
from tables.enums import NotifyEvent
from tables.enums import OutboxStatus

if TYPE_CHECKING:  # relationships across modules resolve by name once models is imported
    from tables.people import Guardian


class NotificationPreference(db.Model):
    """An explicit choice; a missing row means the default (see notify defaults)."""

    __tablename__ = "notification_preference"
    id: Mapped[intpk]
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    event_type: Mapped[NotifyEvent] = mapped_column(enum_type(NotifyEvent, "notify_event"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    enabled: Mapped[bool] = mapped_column(default=True)

    guardian: Mapped[Guardian] = relationship(back_populates="preferences")
    __table_args__ = (UniqueConstraint("guardian_id", "event_type", "channel"),)


class NotificationOutbox(Timestamped, db.Model):
    """Transactional outbox: one row per recipient × channel × event, written in the same
    transaction as the change it tells of, and drained by notification workers."""

    __tablename__ = "notification_outbox"
    id: Mapped[intpk]
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="CASCADE"), index=True
    )
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    event_type: Mapped[NotifyEvent] = mapped_column(enum_type(NotifyEvent, "notify_event"))
    object_type: Mapped[str | None] = mapped_column(sa.String(20))
    object_id: Mapped[int | None]
    coalesce_key: Mapped[str | None] = mapped_column(
        sa.String(120), comment="pending rows with the same key merge into one message"
    )
    to_address: Mapped[str] = mapped_column(sa.String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    segments: Mapped[int | None] = mapped_column(sa.SmallInteger)
    urgent: Mapped[bool] = mapped_column(default=False, comment="may bypass quiet hours")
    status: Mapped[OutboxStatus] = mapped_column(
        enum_type(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    due_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    provider_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    provider_status: Mapped[str | None] = mapped_column(sa.String(20))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]

    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_coalesce", "coalesce_key", "status"),
    )


class VerificationCode(db.Model):
    """Codes sent by SMS and links by e-mail while a parent registers or confirms a contact."""

    __tablename__ = "verification_code"
    id: Mapped[intpk]
    purpose: Mapped[str20]
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    target: Mapped[str200]
    code_hash: Mapped[str] = mapped_column(sa.String(256))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    created_at: Mapped[created]
    __table_args__ = (Index("ix_verification_target", "target", "purpose"),)
