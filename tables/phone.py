"""The phone line: the state of each call, keyed by Twilio's CallSid."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from tables.base import created
from tables.base import db
from tables.base import intpk
from tables.base import updated


class CallSession(db.Model):
    """State of one phone call, keyed by Twilio's CallSid (not cookies: they are not signed)."""

    __tablename__ = "call_session"
    id: Mapped[intpk]
    call_sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("school.id", ondelete="SET NULL"), index=True
    )
    from_number: Mapped[str] = mapped_column(sa.String(32), default="")
    to_number: Mapped[str] = mapped_column(sa.String(32), default="")
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id", ondelete="SET NULL"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(40), default="start")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    failures: Mapped[int] = mapped_column(default=0)
    menus: Mapped[list[Any]] = mapped_column(default=list, comment="menu digits visited, in order")
    step: Mapped[int] = mapped_column(default=0)
    last_request_key: Mapped[str | None] = mapped_column(
        sa.String(64), comment="hash of the last step's request: a retry gets the same answer"
    )
    last_response: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="in-progress")
    started_at: Mapped[created]
    updated_at: Mapped[updated]
    ended_at: Mapped[dt.datetime | None]
    duration_s: Mapped[int | None]
