"""The trail: every change to the diary, who made it and why (``AuditLog``), and every guess at a
secret, counted atomically by ``throttle`` (``AttemptCounter``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from tables.base import created
from tables.base import db
from tables.base import intpk
from tables.base import str20
from tables.base import str200


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    id: Mapped[intpk]
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id", ondelete="CASCADE"))
    actor_type: Mapped[str] = mapped_column(sa.String(10), comment="staff, guardian, system")
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(20), comment="create, update, delete, override…")
    object_type: Mapped[str20]
    object_id: Mapped[int | None]
    student_id: Mapped[int | None] = mapped_column(
        ForeignKey("student.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[created]
    __table_args__ = (
        Index("ix_audit_object", "object_type", "object_id"),
        Index("ix_audit_school_created", "school_id", "created_at"),
    )


class AttemptCounter(db.Model):
    """Attempts at guessing a secret, counted atomically (``throttle``): one row per scope
    (e.g. 'ivr_number', 'ivr_child', 'staff_login', 'parent_login', 'register'), key (the number,
    child, e-mail or address) and fixed window; ``window_start`` 2000-01-01 marks a count with no
    window (the phone PIN's failures in a row for one child)."""

    __tablename__ = "attempt_counter"
    scope: Mapped[str20] = mapped_column(primary_key=True)
    key: Mapped[str200] = mapped_column(primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
